"""How nudges read in chat and on the command line: schedule labels, list lines, delivery status."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from bot.delivery.audience import describe_spec
from bot.delivery.records import Delivered
from bot.jobs.recurrence import describe
from bot.markup import user_text
from bot.nudges.service import NudgeService, Plan
from bot.nudges.store import NudgeView


def clock(local: datetime) -> str:
    """``09:00``, or ``09:00:30`` when the schedule has seconds."""
    return f"{local:%H:%M:%S}" if local.second else f"{local:%H:%M}"

MARK = {"sent": "✓", "failed": "✗", "unknown": "?"}


def when_label(svc: NudgeService, plan: Plan, immediate: bool = False) -> str:
    """"now", "Fri 27 Nov 2026 09:00 Europe/Berlin", "every weekday at 09:00, first …", plus quiet-hours note."""
    tz = svc.services.settings.tz
    if plan.recurrence:
        local = plan.due.astimezone(tz)
        day = f" on {local:%A}s" if plan.recurrence == "weekly" else ""
        label = f"{describe(plan.recurrence)}{day} at {clock(local)} {tz.key}, first {svc.local(plan.due)}"
    else:
        label = "now" if immediate and not plan.deferred else svc.local(plan.due)
    if plan.deferred and svc.quiet is not None:
        label += f" (moved out of quiet hours {svc.quiet.label()})"
    return label


def audience_label(audience: tuple[str, ...] | list[str]) -> str:
    """"team payments, Slack channel #finops"."""
    return ", ".join(describe_spec(s) for s in audience)


def list_line(svc: NudgeService, n: NudgeView) -> str:
    """One nudge in a list."""
    nxt = svc.next_run(n)
    when = (f"{describe(n.recurrence)}, next {svc.local(nxt)}" if n.recurrence else svc.local(nxt))
    text = n.text if len(n.text) <= 60 else n.text[:57] + "…"
    return f"#{n.id} {when} → {audience_label(n.audience)}: “{user_text(text)}” ({svc.state(n)}, by {n.author})"


def status_text(svc: NudgeService, n: NudgeView, records: list[Delivered]) -> str:
    """Delivery per recipient, newest occurrence first."""
    counts = Counter(r.status for r in records)
    head = (f"Nudge {n.id} ({svc.state(n)}, by {n.author}) to {audience_label(n.audience)}: “{user_text(n.text)}”\n"
            + (f"Next: {svc.local(svc.next_run(n))}" + (f", {describe(n.recurrence)}" if n.recurrence else "")
               if n.status == "scheduled" else ""))
    if not records:
        return head.rstrip() + "\nNothing delivered yet."
    summary = ", ".join(f"{counts[k]} {k}" for k in ("sent", "failed", "skipped", "sending", "unknown") if counts[k])
    lines = [f"{MARK.get(r.status, '–')} {r.description}: {r.status}"
             + (f" ({r.reason})" if r.reason else "") + f" · {r.occurrence} · {svc.local(r.at)}" for r in records]
    return "\n".join([head.rstrip(), f"Delivery: {summary}", *lines])
