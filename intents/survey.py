"""``survey``: practitioners compose, send, list, close, read and export surveys in chat.

``survey payments, checkout: How useful is the cost report? scale by friday anonymous`` stores a draft and shows
a preview with Send and Cancel; ``surveys``, ``survey close 3``, ``survey results 3``, ``survey export 3``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.access.policy import NEED_PRACTITIONER
from bot.identity import IdentityError
from bot.intent import TurnContext
from bot.models import Choice, ConversationKey, Form, IncomingMessage, Input, Reply
from bot.people import is_person, person_ref
from bot.surveys import render as render
from bot.surveys.compose import is_command, parse_command
from bot.surveys.results import compute, results_replies, to_csv
from bot.surveys.send import close, plan_send, progress, refresh_assessment, resolve, send_survey
from bot.surveys.spec import SurveyDraft, SurveyError, SurveyInfo
from bot.text import form_text, is_question, normalize
from bot.understanding.types import Parse

_OP = re.compile(r"^/?(?:survey\s+(?P<op>send|discard|close|results|result|export|cancel|status)\s+#?(?P<id>\d{1,9})"
                 r"|(?P<op2>close|export)\s+survey\s+#?(?P<id2>\d{1,9})"
                 r"|(?:show\s+)?results\s+(?:of|for)\s+survey\s+#?(?P<id3>\d{1,9})"
                 r"|survey\s+#?(?P<id4>\d{1,9})\s+results)[.!?]*$")
_LIST = re.compile(r"^/?(?:(?:list|show)\s+(?:all\s+|my\s+|the\s+)?surveys|surveys|survey\s+list|my\s+surveys)[.!?]*$")
MAX_CSV_IN_CHAT = 3500
FORM_ID = "compose survey"
ABOUT = ("Surveys: a FinOps practitioner asks people or teams one question (yes/no, a 1–5 scale, options or free "
         "text), named or anonymous, by a deadline; answers come back here and the results are shown once enough "
         "people answered. Try “survey payments: Do you tag resources? yes/no by friday”, “surveys” or “new survey”.")
USAGE = ("I couldn't read that survey command. Try “survey payments: Do you tag resources? yes/no by friday”, "
         "“surveys”, “survey results 3”, “survey export 3” or “survey close 3”; “new survey” opens a form.")
_FORM = re.compile(r"^(?:(?:compose|new|create|write|draft|start)\s+(?:a\s+|new\s+)*|send\s+a\s+(?:new\s+)?)"
                   r"(?:pulse\s+)?survey$")
_KINDS = (Choice("Scale 1–5", "scale"), Choice("Yes / no", "yes/no"), Choice("One of some options", "options"),
          Choice("Several of some options", "multi"), Choice("Free text", "text"))


def _op(m: re.Match[str]) -> tuple[str, int]:
    if m["op"]:
        op = {"result": "results", "cancel": "discard"}.get(m["op"], m["op"])
        return op, int(m["id"])
    if m["op2"]:
        return m["op2"], int(m["id2"])
    return "results", int(m["id3"] or m["id4"])


class SurveyIntent:
    """Survey composition and management for practitioners (results also for the survey's author)."""

    name = "survey"
    summary = "send pulse surveys and read their results (practitioners)"
    examples = ("survey payments, checkout: How useful is the cost report? scale by friday anonymous",
                "survey payments: Do you tag resources? options: yes | no | not sure", "surveys",
                "survey results 1", "survey export 1", "survey close 1", "survey assessment checkout by friday")

    forms = (FORM_ID,)

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    def read(self, msg: IncomingMessage) -> dict[str, Any] | None:
        """Explicit survey commands only."""
        said = normalize(msg.text)
        if (values := msg.submitted(FORM_ID)) is not None:
            return {"op": "form_submit", "values": dict(values)}
        if _FORM.match(said.rstrip(".!?")):
            return {"op": "form"}
        if m := _OP.match(said):
            op, sid = _op(m)
            return {"op": op, "id": sid}
        if _LIST.match(said):
            return {"op": "list"}
        if is_command(msg.text.strip()):
            return {"op": "compose"}
        return None

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Run the command when the asker may; a usage line when it cannot be read."""
        s, me, slots = ctx.services, msg.key.user_ref, self.read(msg)
        if slots is None:  # a question about the feature ("what is a survey?") is explained, not read as a command
            return [Reply(ABOUT if is_question(msg.text) else USAGE)]
        op = slots["op"]
        if s.surveys is None:
            return [Reply("Surveys are not enabled on this server.")]
        practitioner = await s.db.run(s.access.is_practitioner, me)
        if op == "results":
            return await self._results(ctx, int(slots["id"]), me, practitioner, msg.images)
        if not practitioner:
            return [Reply(NEED_PRACTITIONER)]
        if op == "form":
            return [compose_form()]
        if op == "form_submit":
            values = {k: v.strip() for k, v in slots["values"].items()}
            line, problem = form_command(values)
            if problem:
                return [compose_form(values, problem)]
            replies, drafted = await self._compose(replace(msg, text=line), ctx)
            return replies if drafted else [compose_form(values, replies[0].text)]
        if op == "compose":
            return (await self._compose(msg, ctx))[0]
        if op == "list":
            return await self._list(ctx)
        sid = int(slots["id"])
        if op == "send":
            return await self._send(ctx, sid, me)
        if op == "discard":
            if not await s.db.run(s.surveys.discard, sid):
                return [Reply(f"Survey #{sid} is not a draft any more (it was sent or discarded).")]
            await s.db.run(s.audit.record, me, "survey.cancel", f"survey {sid}")
            return [Reply(f"Discarded the draft survey #{sid}; nothing was sent.")]
        if op == "status":
            return [Reply(await s.db.run(progress, s.surveys, sid), title=f"Survey #{sid}")]
        if op == "close":
            if not await close(s, s.surveys, sid, me):
                return [Reply(f"Survey #{sid} is not open, so there is nothing to close.")]
            return [Reply(f"Closed survey #{sid}: it no longer accepts answers. Say “survey results {sid}”.")]
        return await self._export(ctx, sid)

    async def _compose(self, msg: IncomingMessage, ctx: TurnContext) -> tuple[list[Reply], bool]:
        """A draft and its preview: (replies, whether a draft was stored)."""
        s, me = ctx.services, msg.key.user_ref
        defaults = (s.settings.survey_reminder_hours, s.settings.survey_max_reminders)
        try:
            draft = parse_command(msg.text, ctx.now, s.settings.tz, defaults)
        except SurveyError as exc:
            return [Reply(f"I couldn't set up that survey: {exc}.")], False
        draft = _with_people(draft, msg.key, s.settings.home_tenants)
        assert s.surveys is not None
        if draft.send_at is not None and draft.send_at >= draft.deadline:
            return [Reply("I couldn't set up that survey: it would close before it is sent; give a later "
                          "deadline (“by …”).")], False
        info = await s.db.run(s.surveys.create, draft, me, ctx.now)
        await s.db.run(s.audit.record, me, "survey.create", f"survey {info.id}", kind=info.kind,
                       questions=len(info.questions), anonymous=info.anonymous)
        audience = await s.db.run(resolve, s, info)
        preview = render.preview(info, len(audience.people), len(audience.channels), audience.problems,
                                 s.settings.tz, s.settings.survey_min_responses)
        if draft.send_at is not None:  # Send schedules it for then
            await s.db.run(plan_send, s, info.id, me, draft.send_at)
            local = draft.send_at.astimezone(s.settings.tz)
            preview = replace(preview, text=f"{preview.text}\nSend schedules it for {local:%a %d %b %H:%M}.")
        return [preview], True

    async def _send(self, ctx: TurnContext, sid: int, me: str) -> list[Reply]:
        s = ctx.services
        assert s.surveys is not None
        report = await send_survey(s, s.surveys, sid, me)
        if not report.sent:
            return [Reply(f"Survey #{sid} was not sent: {'; '.join(report.problems)}.")]
        info = await s.db.run(s.surveys.get, sid)
        assert info is not None
        if report.at is not None:
            return [Reply(f"Survey #{sid} “{info.title}” will be sent "
                          f"{report.at.astimezone(s.settings.tz):%a %d %b %H:%M}.", title="Survey scheduled")]
        lines = [f"Sending survey #{sid} “{info.title}” to {report.invited} people"
                 + (f" and {report.channels} channel(s)" if report.channels else "")
                 + f" now. Say “survey status {sid}” to follow it; I'll tell you when every invitation is out."]
        lines.extend(f"Not delivered to {who}: {why}" for who, why in report.failed)
        lines.extend(f"⚠ {p}" for p in report.problems)
        if info.max_reminders:
            lines.append(f"People who have not answered get a reminder every {info.remind_every_hours} h "
                         f"(at most {info.max_reminders}).")
        lines.append(f"It closes {info.deadline.astimezone(s.settings.tz):%a %d %b %H:%M}. "
                     f"Say “survey results {sid}” any time.")
        return [Reply("\n".join(lines), title="Survey sent")]

    async def _list(self, ctx: TurnContext) -> list[Reply]:
        s = ctx.services
        assert s.surveys is not None
        items = await s.db.run(s.surveys.list, 20)
        if not items:
            return [Reply("No surveys yet. Try: survey payments: How useful is the cost report? scale by friday")]
        lines = []
        for info in items:
            invites = await s.db.run(s.surveys.invites, info.id)
            lines.append(render.summary_line(info, len(invites), sum(i.answered for i in invites), s.settings.tz,
                                             ctx.now))
        return [Reply("\n".join(lines), title="Surveys")]

    async def _results(self, ctx: TurnContext, sid: int, me: str, practitioner: bool,
                       images: bool = True) -> list[Reply]:
        s = ctx.services
        assert s.surveys is not None
        info = await s.db.run(s.surveys.get, sid)
        if info is None:
            return [Reply(f"There is no survey #{sid}.")]
        if not (practitioner or info.author == me):
            return [Reply("Only the survey's author and practitioners can see its results. " + NEED_PRACTITIONER)]
        if info.kind == "assessment":
            await s.db.run(refresh_assessment, s, s.surveys, info)
        invites = await s.db.run(s.surveys.invites, sid)
        answers = await s.db.run(s.surveys.answers, sid)
        results = compute(info, invites, answers, s.settings.survey_min_responses, now=ctx.now)
        return await asyncio.to_thread(results_replies, results, images)  # the chart is drawn off the event loop

    async def _export(self, ctx: TurnContext, sid: int) -> list[Reply]:
        s = ctx.services
        assert s.surveys is not None
        info: SurveyInfo | None = await s.db.run(s.surveys.get, sid)
        if info is None:
            return [Reply(f"There is no survey #{sid}.")]
        text = to_csv(info, await s.db.run(s.surveys.answers, sid), s.settings.survey_min_responses, now=ctx.now)
        rows = text.count("\n") - 1
        if rows == 0:
            why = (f" (anonymous: answers appear once the survey has closed and {s.settings.survey_min_responses} "
                   "people answered a question)" if info.anonymous else "")
            return [Reply(f"Survey #{sid} has no answers to export yet{why}.")]
        if len(text) > MAX_CSV_IN_CHAT:
            return [Reply(f"Survey #{sid} has {rows} answers, too many for a chat message. On the server run: "
                          f"finops-bot survey export {sid} --out survey-{sid}.csv")]
        plural = "s" if rows != 1 else ""
        return [Reply(f"CSV export of survey #{sid} ({rows} answer{plural}):\n```\n{text}```",
                      title=f"survey-{sid}.csv")]


def _with_people(draft: SurveyDraft, key: ConversationKey, home: Mapping[str, str]) -> SurveyDraft:
    """People in the audience (mentions ``<@U1>``, typed ``slack:U1``) become user refs of the asker's workspace;
    one that cannot be placed stays as typed and the send reports it."""
    people = tuple(_person_or_as_is(a, key, home) for a in draft.audience)
    return replace(draft, audience=people) if people != draft.audience else draft



def form_command(values: dict[str, str]) -> tuple[str, str]:
    """The one-line survey command a filled form stands for, or a problem to fix (one parser for both)."""
    audience, question = values.get("audience", ""), " ".join(values.get("question", "").split())
    kind, options = values.get("kind") or "scale", values.get("options", "")
    if not audience or not question:
        missing = " and ".join(n for n, v in (("who is asked", audience), ("the question", question)) if not v)
        return "", f"The survey needs {missing}."
    if kind in ("options", "multi"):
        parts = [o.strip() for o in re.split(r"\s*[|\n,;]\s*", options) if o.strip()]
        if len(parts) < 2:
            return "", "List at least two options (one per line, or separated by commas)."
        kind = f"{kind}: {' | '.join(parts)}"
    line = f"survey {audience}: {question} {kind}"
    if values.get("deadline"):
        line += f" by {values['deadline']}"
    if values.get("anonymous") == "yes":
        line += " anonymous"
    return line, ""


def compose_form(values: dict[str, str] | None = None, problem: str = "") -> Reply:
    """The survey form (filled with ``values`` when it comes back with a ``problem`` to fix)."""
    values = values or {}
    intro = "One question to some teams or people. You see a preview before anything is sent."
    example = "survey payments, checkout: How useful is the cost report? scale by friday anonymous"
    text = form_text(problem, intro, example)
    return Reply(text, title="New survey", form=Form(FORM_ID, "New survey", "Preview", (
        Input("audience", "Ask", hint="teams (or people), separated by commas: payments, checkout",
              initial=values.get("audience", "")),
        Input("question", "Question", "multiline", initial=values.get("question", "")),
        Input("kind", "Answer", "choice", _KINDS, initial=values.get("kind", "") or "scale"),
        Input("options", "Options", "multiline", hint="for option answers: one per line, or separated by commas",
              initial=values.get("options", ""), optional=True),
        Input("deadline", "Closes", hint="friday, in 3 days, 2026-12-01 (empty: in a week)",
              initial=values.get("deadline", ""), optional=True),
        Input("anonymous", "Anonymous", "choice", (Choice("No, show who answered", "no"),
                                                    Choice("Yes, anonymous", "yes")),
              initial=values.get("anonymous", "") or "no"),
    )))


def _person_or_as_is(token: str, key: ConversationKey, home: Mapping[str, str]) -> str:
    if not is_person(token):
        return token
    try:
        return person_ref(token, key, home)
    except IdentityError:
        return token
