"""``nudge``: practitioners compose a nudge in one command, see a preview, then send or schedule it; list, edit,
reschedule, cancel and check delivery. Members get the practitioner-role message, never silence."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.access.policy import NEED_PRACTITIONER
from bot.delivery.audience import canonical, parse_specs, resolve
from bot.intent import TurnContext
from bot.jobs.when import When, parse_when, split_schedule
from bot.markup import user_text
from bot.models import Choice, Field, Form, IncomingMessage, Input, Reply
from bot.nudges.service import Plan
from bot.nudges.text import audience_label, list_line, status_text, when_label
from bot.text import form_text, is_question, normalize
from bot.understanding.types import Parse

if TYPE_CHECKING:
    from bot.nudges.service import NudgeService
    from bot.services import Services

_COMPOSE = re.compile(r"^(?:send\s+(?:a\s+)?)?nudge\s+(?:to\s+)?(?!#?\d+\s*:)(?P<rest>\S.*)$",
                      re.IGNORECASE | re.DOTALL)
_LIST = re.compile(r"^(?:list|show)?\s*(?:the\s+|my\s+|all\s+)?(?:scheduled\s+|pending\s+)?nudges\??$")
_CANCEL = re.compile(r"^(?:cancel|delete|stop)\s+nudge\s+#?(\d+)$")
_EDIT = re.compile(r"^(?:edit|change|update)\s+nudge\s+#?(\d+)\s*:\s*(?P<text>\S.*)$", re.IGNORECASE | re.DOTALL)
_MOVE = re.compile(r"^(?:reschedule|move)\s+nudge\s+#?(\d+)\s+(?:to|for|at)\s+(?P<when>.+)$")
_STATUS = re.compile(r"^(?:nudge\s+#?(\d+)(?:\s+(?:status|delivery))?"
                     r"|(?:status|delivery)\s+(?:of\s+)?nudge\s+#?(\d+))$")
_FORM = re.compile(r"^(?:(?:compose|new|create|write|draft)\s+(?:a\s+|new\s+)*|send\s+a\s+(?:new\s+)?)nudge$")
FORM_ID = "compose nudge"
_CONFIRM = ("send", "send nudge", "send it", "yes", "confirm", "schedule", "schedule it", "schedule nudge")
STEP = "preview"
ABOUT = ("Nudges: a FinOps practitioner sends a short message to teams, channels or people, now, later or on a "
         "schedule (“every weekday at 9:00”), and sees who got it. Try “nudge payments, checkout: Tag your resources "
         "by Friday”, “nudges” or “compose nudge”.")
USAGE = ("I couldn't read that nudge command. Try “nudge payments, checkout: Tag your resources by Friday”, "
         "“nudges”, “nudge 3 status”, “edit nudge 3: new text”, “reschedule nudge 3 to friday 10:00” or "
         "“cancel nudge 3”; “compose nudge” opens a form.")


def split_compose(rest: str) -> tuple[str, str] | None:
    """"payments, teams:29:ab: Tag it" → ("payments, teams:29:ab", "Tag it"): the first colon before a space
    separates audience and text (ids like ``slack:U1`` contain colons); else the first colon."""
    m = re.search(r":\s", rest) or re.search(r":", rest)
    if m is None:
        return None
    audience, body = rest[:m.start()].strip(), rest[m.end():].strip()
    return (audience, body) if audience and body else None


class NudgeIntent:
    """Compose → preview (Send / Cancel) → scheduled; plus list, edit, reschedule, cancel and status."""

    name = "nudge"
    label = "nudge preview"
    summary = "send or schedule nudges to teams, channels and people (practitioners)"
    examples = ("nudge payments, checkout: Tag your resources by Friday",
                "nudge payments: Review idle VMs tomorrow 9am", "nudges", "nudge 3 status", "cancel nudge 3",
                "edit nudge 3: new text",
                "reschedule nudge 3 to friday 10:00")

    forms = (FORM_ID,)
    interrupted_by = frozenset({"help", "cancel"})

    def __init__(self, services: Services) -> None:
        self.services = services

    def read(self, msg: IncomingMessage) -> dict[str, Any] | None:
        """Explicit nudge commands only."""
        raw, text = " ".join(msg.text.split()), normalize(msg.text)
        if (values := msg.submitted(FORM_ID)) is not None:
            return {"op": "form_submit", "values": dict(values)}
        if _FORM.match(text.rstrip(".!?")):
            return {"op": "form"}
        if m := _EDIT.match(raw):
            return {"op": "edit", "id": int(m[1]), "text": m["text"]}
        if (m := _COMPOSE.match(raw)) and (parts := split_compose(m["rest"])):
            return {"op": "compose", "audience": parts[0], "body": parts[1]}
        if _LIST.match(text):
            return {"op": "list"}
        if m := _CANCEL.match(text):
            return {"op": "cancel", "id": int(m[1])}
        if m := _MOVE.match(text):
            return {"op": "reschedule", "id": int(m[1]), "when": m["when"]}
        if m := _STATUS.match(text):
            return {"op": "status", "id": int(m[1] or m[2])}
        if text in ("send nudge", "schedule nudge"):
            return {"op": "confirm"}
        return None

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Check the role, then run the command; a usage line when it cannot be read."""
        s, me, slots = self.services, msg.key.user_ref, self.read(msg)
        if slots is None:  # a question about the feature ("what is a survey?") is explained, not read as a command
            return [Reply(ABOUT if is_question(msg.text) else USAGE)]
        op = slots["op"]
        if not await s.db.run(s.access.is_practitioner, me):
            return [Reply(NEED_PRACTITIONER)]
        svc = s.nudges
        if svc is None:
            return [Reply("Nudges are not enabled on this bot.")]
        if op == "form":
            return [compose_form()]
        if op == "form_submit":
            return await self._submitted(msg, slots["values"], ctx, svc)
        if op == "compose":
            try:
                body, when = split_schedule(slots["body"].strip(), ctx.now, s.settings.tz)
            except ValueError as exc:
                return [Reply(f"{exc}.")]
            return await self._preview(msg, slots["audience"], body, when, ctx, svc)
        if op == "confirm":
            return [Reply("There is no nudge preview waiting. Compose one like: "
                          "nudge payments, checkout: Tag your resources by Friday")]
        if op == "list":
            nudges = await s.db.run(svc.store.list)
            lines = [await s.db.run(list_line, svc, n) for n in nudges]
            return [Reply("\n".join(lines) if lines else "No nudges are scheduled.", title="Scheduled nudges")]
        return [await self._change(op, slots, ctx, svc, me)]

    async def continue_flow(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply] | None:
        """Send pressed (or typed) on the preview; anything else is routed normally."""
        if ctx.state.step != STEP or normalize(msg.text).rstrip(".!") not in _CONFIRM:
            return None
        data, s = dict(ctx.state.data), self.services
        ctx.state.clear()
        if not await s.db.run(s.access.is_practitioner, msg.key.user_ref):
            return [Reply(NEED_PRACTITIONER)]
        assert s.nudges is not None
        due = ctx.now if data.get("immediate") else datetime.fromisoformat(data["due"])
        when = When(due, data.get("recurrence"))
        nudge, plan = await s.db.run(s.nudges.schedule, msg.key.user_ref, data["text"], data["audience"], when)
        now = bool(data.get("immediate")) and not plan.deferred
        head = (f"Nudge {nudge.id} is on its way (job {nudge.job_id}): it goes out within a few seconds."
                if now else f"Nudge {nudge.id} is scheduled (job {nudge.job_id}) for "
                            f"{when_label(s.nudges, plan)}.")
        return [Reply(f"{head} Say “nudge {nudge.id} status” to see delivery per recipient.",
                      choices=(Choice("Delivery status", f"nudge {nudge.id} status"),
                               *(() if now else (Choice("Cancel it", f"cancel nudge {nudge.id}", "danger"),))))]

    async def _submitted(self, msg: IncomingMessage, values: dict[str, str], ctx: TurnContext,
                         svc: NudgeService) -> list[Reply]:
        """A filled compose form: the same checks and preview as the one-line command; a problem sends the form
        back with what was typed, so nothing has to be typed twice."""
        audience, body = values.get("audience", "").strip(), values.get("message", "").strip()
        when_text = values.get("when", "").strip()
        if not audience or not body:
            missing = " and ".join(n for n, v in (("who gets it", audience), ("the message", body)) if not v)
            return [compose_form(values, f"The nudge needs {missing}.")]
        when = None
        if when_text and normalize(when_text) not in ("now", "right now", "immediately"):
            try:
                when = parse_when(when_text, ctx.now, self.services.settings.tz)
            except ValueError as exc:
                return [compose_form(values, f"{exc}.")]  # the message already quotes what was typed
        replies = await self._preview(msg, audience, body, when, ctx, svc)
        if (ctx.state.intent, ctx.state.step) != (self.name, STEP):  # no preview: nobody to send to, or no text
            return [compose_form(values, replies[0].text)]
        return replies

    async def _preview(self, msg: IncomingMessage, audience: str, body: str, when: When | None, ctx: TurnContext,
                       svc: NudgeService) -> list[Reply]:
        s = self.services
        if ctx.state.intent == self.name:
            ctx.state.clear()  # a new compose replaces an unsent preview
        specs = parse_specs(audience, msg.key.platform, msg.key.tenant, self.services.settings.home_tenants)
        kept: list[str] = []
        problems: list[str] = []
        targets: list[str] = []
        for spec in specs:
            spec = await s.db.run(canonical, spec, s.teams)
            found = await s.db.run(resolve, [spec], s.teams, s.settings.nudge_channels)
            problems.extend(found.problems)
            if found.recipients and spec not in kept:
                kept.append(spec)
                targets.extend(r.description for r in found.recipients)
        if not body.strip():
            return [Reply("The nudge has no text. Write it after the colon: nudge payments: Tag your resources")]
        if not kept:
            return [Reply("Nobody to send that to. " + " ".join(problems))]
        plan, immediate = svc.plan(when or When(ctx.now)), when is None or when.due <= ctx.now
        ctx.state.start(self.name, STEP, {"text": body.strip(), "audience": kept, "due": plan.due.isoformat(),
                                          "recurrence": plan.recurrence, "immediate": immediate})
        return [self._preview_reply(svc, body.strip(), kept, targets, problems, plan, immediate)]

    @staticmethod
    def _preview_reply(svc: NudgeService, body: str, kept: list[str], targets: list[str], problems: list[str],
                       plan: Plan, immediate: bool) -> Reply:
        when = when_label(svc, plan, immediate)
        lines = [f"Preview of your nudge:\n> {user_text(body)}", f"To: {'; '.join(targets)}",
                 f"When: {when}"]
        lines += [f"⚠ {p} (left out)" for p in problems]
        lines.append("Send it? Press Send, or Cancel.")
        return Reply("\n".join(lines), title="Nudge preview", fields=(Field("To", audience_label(kept)),
                                                                     Field("When", when)),
                     choices=(Choice("Send", "send nudge", "primary"), Choice("Cancel", "cancel")))

    async def _change(self, op: str, slots: dict[str, Any], ctx: TurnContext, svc: NudgeService, me: str) -> Reply:
        s, nudge_id = self.services, slots["id"]
        try:
            if op == "status":
                nudge = await s.db.run(svc.store.get, nudge_id)
                if nudge is None:
                    return Reply(f"There is no nudge {nudge_id}. Say “nudges” to list the scheduled ones.")
                records = await s.db.run(svc.delivery, nudge_id)
                return Reply(await s.db.run(status_text, svc, nudge, records), title=f"Nudge {nudge_id}")
            if op == "cancel":
                await s.db.run(svc.cancel, me, nudge_id)
                return Reply(f"Nudge {nudge_id} is cancelled; it will not be sent.")
            if op == "edit":
                nudge = await s.db.run(svc.edit, me, nudge_id, slots["text"])
                return Reply(f"Nudge {nudge_id} now says: “{user_text(nudge.text)}”.")
            when = parse_when(slots["when"], ctx.now, s.settings.tz)
            moved, plan = await s.db.run(svc.reschedule, me, nudge_id, when)
            return Reply(f"Nudge {nudge_id} now goes out {when_label(svc, plan)} (job {moved.job_id}).")
        except (LookupError, ValueError) as exc:
            return Reply(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")


def compose_form(values: dict[str, str] | None = None, problem: str = "") -> Reply:
    """The compose form (filled with ``values`` when it comes back with a ``problem`` to fix)."""
    values = values or {}
    intro = "Who gets the nudge, what it says and when it goes out. You see a preview before anything is sent."
    text = form_text(problem, intro, "nudge payments, #finops: Tag your resources by Friday tomorrow 9:00")
    return Reply(text, title="Compose a nudge", form=Form(FORM_ID, "Compose a nudge", "Preview", (
        Input("audience", "To", hint="teams and #channels, separated by commas: payments, checkout, #finops",
              initial=values.get("audience", "")),
        Input("message", "Message", "multiline", initial=values.get("message", "")),
        Input("when", "When", hint="now, tomorrow 9:00, friday 14:30, every monday 9:00 (empty: now)",
              initial=values.get("when", ""), optional=True),
    )))
