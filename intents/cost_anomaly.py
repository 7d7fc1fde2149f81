"""``cost_anomaly``: spend anomalies already detected: list them ("any spikes this week?", "open anomalies for
search"), show one ("anomaly 5"), and acknowledge one or mark it expected (typed, or the alert's buttons)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot.intent import TurnContext
from bot.models import Choice, IncomingMessage, Reply

if TYPE_CHECKING:
    from bot.costs.tables import CostAnomaly
    from bot.services import Services

_BUTTON = re.compile(r"^anomaly (ack|expected) (\d{1,12})$")
_NUMBER = re.compile(r"(?:#\s*|\bno\.?\s*|\bnumber\s+|\banomal\w*\s+(?:no\.?\s*|number\s+|#\s*)?|\balert\s+#?"
                     r"|\b(?:ack\w*|dismiss\w*)\s+#?)(\d{1,12})\b")
# What a typed action says, once the model has read the message as about anomalies (a closed set of verbs).
_EXPECTED = re.compile(r"\b(expected|planned|intended|false[ -]?positive|dismiss\w*|ignore|known|load ?test)\b")
_ACK = re.compile(r"\b(ack\w*|seen|looked|looking|on it|investigat\w*|confirm\w*|resolv\w*|close)\b")
DEFAULT_DAYS = 30
SHOWN = 10


class CostAnomalyIntent:
    """Spend anomalies (spikes against the weekday baseline) the daily check stored and posted."""

    name = "cost_anomaly"
    summary = "list recent spend anomalies, show one, acknowledge it or mark it expected"
    examples: tuple[str, ...] = ("any cost anomalies this week?", "anomalies for payments", "ack anomaly 3")
    buttons = ("anomaly ack ", "anomaly expected ")  # the alert's buttons (routed by value, not by language)

    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Any, ctx: TurnContext) -> list[Reply]:
        """An action on one anomaly, one anomaly's details, or the list the person may see."""
        text = (msg.action.value if msg.action else msg.text).strip().lower()
        if found := _BUTTON.match(text):
            return await self._act(msg, found.group(1), int(found.group(2)))
        anomaly_id = _anomaly_id(text)
        if anomaly_id is not None:
            action = "expected" if _EXPECTED.search(text) else "ack" if _ACK.search(text) else None
            return await (self._act(msg, action, anomaly_id) if action else self._show(msg, anomaly_id))
        return await self._list(msg, getattr(parse, "entities", None), ctx)

    async def _refusal(self, msg: IncomingMessage, row: CostAnomaly | None) -> Reply | None:
        """Why this person may not see this anomaly (unknown, or another team's), else None."""
        svc = self.services
        if row is None:
            return Reply("I can't find that anomaly alert. Say “anomalies” for the recent ones.", ephemeral=True)
        team = await svc.db.run(svc.teams.get, row.team)
        if team is None or not svc.access.can_view_team(msg.key.user_ref, team):
            return Reply(f"Only {row.team}'s people and FinOps practitioners can see or act on its alerts.",
                         ephemeral=True)
        return None

    async def _act(self, msg: IncomingMessage, action: str, anomaly_id: int) -> list[Reply]:
        """Check the person may see the team, then record the action once."""
        from bot.costs.anomaly_alerts import ACTIONS, get, set_status

        svc, user = self.services, msg.key.user_ref
        row = await svc.db.run(get, svc.db, anomaly_id)
        if (refused := await self._refusal(msg, row)) is not None or row is None:
            return [refused] if refused else []
        if row.status in ACTIONS.values():
            return [Reply(f"This anomaly was already {row.status} by {row.acted_by or 'someone'}.", ephemeral=True)]
        await svc.db.run(set_status, svc.db, anomaly_id, ACTIONS[action], user)
        what = "acknowledged" if action == "ack" else "marked as expected"
        return [Reply(f"{row.service} spike on {row.day:%b %-d} for {row.team} {what} by {msg.user_name or user}.")]

    async def _show(self, msg: IncomingMessage, anomaly_id: int) -> list[Reply]:
        from bot.costs.anomaly_alerts import get

        row = await self.services.db.run(get, self.services.db, anomaly_id)
        if (refused := await self._refusal(msg, row)) is not None or row is None:
            return [refused] if refused else []
        return [Reply(f"{_line(row)}\n{row.detail}".strip(), title=f"Spend anomaly #{row.id}: {row.team}",
                      choices=_buttons(row))]

    async def _list(self, msg: IncomingMessage, entities: Any, ctx: TurnContext) -> list[Reply]:
        from bot.costs.anomaly_alerts import latest_days, recent

        svc, user = self.services, msg.key.user_ref
        teams = await svc.db.run(svc.teams.list)
        visible = [t.name for t in teams if svc.access.can_view_team(user, t)]
        wanted = getattr(entities, "team", None)
        if wanted:
            if wanted not in visible:
                return [Reply(f"Only {wanted}'s people and FinOps practitioners can see its anomalies.")]
            visible = [wanted]
        if not visible:
            return [Reply("You are in no team yet, so there are no anomalies to show you; ask a practitioner to add "
                          "you to your team.")]
        period = getattr(entities, "period", None)
        last = (await svc.db.run(latest_days, svc.db, 1) or [ctx.now.date() if ctx is not None else date.today()])[0]
        start, end = (period.start, period.end) if period else (last - timedelta(days=DEFAULT_DAYS), date.max)
        label = period.label if period else f"the {DEFAULT_DAYS} days to {last:%b %-d} (the latest cost data)"
        rows = await svc.db.run(recent, svc.db, visible, start, end)
        scope = visible[0] if len(visible) == 1 else "your teams" if len(visible) < len(teams) else "all teams"
        if not rows:
            return [Reply(f"No spend anomalies for {scope} in {label}. The daily check compares each day's spend per "
                          "team and service with the same weekday of the previous weeks, and posts spikes to the "
                          "team's channel.")]
        open_rows = [r for r in rows if r.status not in ("acknowledged", "expected")]
        lines = [f"• {_line(r)}" for r in rows[:SHOWN]]
        more = f"\n…and {len(rows) - SHOWN} more; name a team or a shorter period." if len(rows) > SHOWN else ""
        head = (f"{len(rows)} spend anomal{'y' if len(rows) == 1 else 'ies'} for {scope} in {label} "
                f"({len(open_rows)} open):")
        return [Reply("\n".join([head, *lines]) + more, title="Spend anomalies",
                      choices=tuple(c for r in open_rows[:2] for c in _buttons(r))[:4])]


def _anomaly_id(text: str) -> int | None:
    """The anomaly number in a typed action or question ("ack anomaly #7", "the anomaly number 5")."""
    found = _NUMBER.search(text)
    if found is None:
        return None
    return int(found.group(1))


def _line(row: CostAnomaly) -> str:
    from bot.costs.report import money
    from bot.costs.tables import NANO

    amount, base = Decimal(row.amount) / NANO, Decimal(row.baseline) / NANO
    over = f" (+{(amount - base) / base * 100:.0f}% over its usual {money(base, row.currency)})" if base else ""
    who = f" by {row.acted_by}" if row.acted_by and row.status in ("acknowledged", "expected") else ""
    return (f"#{row.id} {row.team}: {row.service} {money(amount, row.currency)} on {row.day:%a %b %-d}{over}; "
            f"{_STATUS.get(row.status, row.status)}{who}")


_STATUS = {"sent": "open (posted)", "failed": "open (not delivered)", "sending": "open",
           "acknowledged": "acknowledged", "expected": "marked expected"}


def _buttons(row: CostAnomaly) -> tuple[Choice, ...]:
    if row.status in ("acknowledged", "expected"):
        return ()
    return (Choice(f"Acknowledge #{row.id}", f"anomaly ack {row.id}", "primary"),
            Choice(f"Expected #{row.id}", f"anomaly expected {row.id}"))
