"""``survey_answer``: answering a survey one question at a time, with buttons or by typing.

Buttons carry ``survey:<id>:<question>:<option>``; the person's progress is read from the survey store (their
salted-hash ballots), so a stale or second click is recognised and only the first answer counts. The
conversation state only holds which question is open and, for multiple choice, the options ticked so far.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from bot.intent import TurnContext
from bot.models import IncomingMessage, Reply
from bot.surveys import render as render
from bot.surveys.access import from_announced_channel
from bot.surveys.send import dm, next_question
from bot.surveys.spec import SurveyInfo
from bot.text import normalize
from bot.understanding.types import Parse

OPEN = re.compile(r"\bsurvey\s+(?:#|no\.?\s*|number\s+)?(\d{1,9})\b")
ELSEWHERE = 0.9  # how sure a reading must be to take a typed answer away from the open question
MAX_TEXT = 2000


def _closed(info: SurveyInfo) -> Reply:
    when = (info.closed_at or info.deadline).strftime("%d %b %Y %H:%M UTC")
    return Reply(f"Thanks for wanting to answer, but the survey “{info.title}” closed on {when} and no longer "
                 "accepts answers.", ephemeral=True)


def _private(msg: IncomingMessage) -> bool:
    """A one-to-one conversation with the bot (Slack DM channels start with D; Teams says "personal")."""
    if msg.key.platform == "slack":
        return msg.key.channel.startswith("D")
    if msg.key.platform == "teams":
        return msg.is_direct
    return True


def _typed_choices(text: str, options: tuple[str, ...]) -> tuple[int, ...] | None:
    """"2", "2, 3", "yes" or "AWS, GCP" → option indexes; None when the text is not a list of options."""
    picked = []
    for part in (p.strip() for p in re.split(r"\s*(?:,|;|\band\b|&)\s*", text.strip()) if p.strip()):
        if part.isdigit() and 1 <= int(part) <= len(options):
            picked.append(int(part) - 1)
            continue
        hit = next((i for i, o in enumerate(options) if o.lower() == part.lower()), None)
        if hit is None:
            return None
        picked.append(hit)
    return tuple(sorted(set(picked))) or None


class SurveyAnswerIntent:
    """Records survey answers: one per person and question, refused politely once the survey closed."""

    name = "survey_answer"
    label = "survey"
    summary = "answer a survey you were sent"
    examples = ("answer survey 3",)

    buttons = ("survey:",)
    interrupted_by = frozenset({"help", "cancel"})

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    def read(self, msg: IncomingMessage) -> dict[str, Any] | None:
        """Survey buttons and "answer survey N"."""
        if m := render.VALUE.match(msg.text.strip()):
            return {"sid": int(m["sid"]), "q": int(m["q"]), "opt": m["opt"]}
        if m := OPEN.search(normalize(msg.text)):
            return {"sid": int(m[1]), "q": None, "opt": "start"}
        return None

    def is_command(self, msg: IncomingMessage, parse: Parse) -> bool:
        """A button or "answer survey N" typed while a question is open (not an answer to it)."""
        return render.VALUE.match(msg.text.strip()) is not None or (
            parse.intent == self.name and OPEN.search(normalize(msg.text)) is not None)

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """A button press or "answer survey N"."""
        store, db, me = ctx.services.surveys, ctx.services.db, msg.key.user_ref
        slots = self.read(msg)
        if slots is None:
            return [Reply("Which survey? Say “answer survey 3” with the survey's number, or press a button of "
                          "the survey message.", ephemeral=True)]
        if store is None:
            return [Reply("Surveys are not enabled on this server.")]
        sid = int(slots["sid"])
        info = await db.run(store.get, sid)
        # Nothing about a survey (not even that it exists) to someone not invited, unless they press its button in
        # a channel it was announced in (Slack/Teams deliver that press only from a member of the channel).
        invited = info is not None and await db.run(store.invite, sid, me) is not None
        joins = info is not None and not invited and from_announced_channel(ctx.services, info, msg.key)
        if info is None or info.status in ("draft", "cancelled") or not (invited or joins):
            return [Reply(f"I can't find an open survey #{sid} for you.", ephemeral=True)]
        if not info.accepting(ctx.now):
            self._leave(ctx, sid)
            return [_closed(info)]
        if info.kind == "assessment":
            return [render.invitation(info, ctx.services.settings.tz)]
        if joins:
            await db.run(store.join, sid, me)
        if not _private(msg):
            return await self._move_to_dm(msg, ctx, info)
        return await self._step(msg, ctx, info, slots["q"], str(slots["opt"]))

    async def _move_to_dm(self, msg: IncomingMessage, ctx: TurnContext, info: SurveyInfo) -> list[Reply]:
        """A press in a channel: answering continues in a direct message, where nobody else sees the clicks."""
        store, db, me = ctx.services.surveys, ctx.services.db, msg.key.user_ref
        assert store is not None
        nxt = await db.run(next_question, store, info, me)
        if nxt is None:
            return [Reply(f"You have already answered every question of “{info.title}”. Thank you!",
                          ephemeral=True)]
        first = render.first_reply(info, nxt, "Your answers to this survey stay in this private chat.")
        result = await ctx.services.delivery.send(dm(me), [first])
        if not result.ok:
            return [Reply("I couldn't open a direct message with you, so please write to me directly and say "
                          f"“answer survey {info.id}”.", ephemeral=True)]
        return [Reply("I sent you the survey in a direct message, so your answers stay private.", ephemeral=True)]

    async def continue_flow(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply] | None:
        """A typed answer to the open question (free text, an option's number or name)."""
        store, data = ctx.services.surveys, ctx.state.data
        if store is None or msg.action is not None or self.is_command(msg, parse) or "sid" not in data:
            return None
        info = await ctx.services.db.run(store.get, int(data["sid"]))
        q = int(data.get("q", 0))
        if info is None or q >= len(info.questions):
            ctx.state.clear()
            return None
        if not info.accepting(ctx.now):
            ctx.state.clear()
            return [_closed(info)]
        question, text = info.questions[q], msg.text.strip()
        if question.kind == "text":
            if not text or self._claimed_elsewhere(parse):
                return None
            if len(text) > MAX_TEXT:
                return [Reply(f"Please keep your answer under {MAX_TEXT:,} characters (yours has {len(text):,}).")]
            return await self._record(msg, ctx, info, q, (), text)
        picked = _typed_choices(text, question.options)
        if picked is None or (question.kind != "multi" and len(picked) != 1):
            return None
        return await self._record(msg, ctx, info, q, picked, None)

    async def _step(self, msg: IncomingMessage, ctx: TurnContext, info: SurveyInfo, q: int | None,
                    opt: str) -> list[Reply]:
        store, db, me = ctx.services.surveys, ctx.services.db, msg.key.user_ref
        assert store is not None
        nxt = await db.run(next_question, store, info, me)
        if nxt is None:
            self._leave(ctx, info.id)
            return [Reply(f"You have already answered every question of “{info.title}”. Thank you!",
                          ephemeral=True)]
        if q is None or opt == "start" or q >= len(info.questions):
            return [self._ask(ctx, info, nxt)]
        if q in await db.run(store.answered, info.id, me):
            return [Reply(f"Your answer to question {q + 1} was already recorded (the first answer counts).",
                          ephemeral=True), self._ask(ctx, info, nxt)]
        question = info.questions[q]
        if question.kind == "text":
            submitted = msg.submitted(render.button(info.id, q, "text"))
            if opt != "text" or submitted is None:
                return [self._ask(ctx, info, q)]
            text = str(submitted.get("answer", "")).strip()
            if not text:
                return [self._ask(ctx, info, q, note="The answer was empty; please write something.")]
            if len(text) > MAX_TEXT:
                return [self._ask(ctx, info, q, note=f"Please keep your answer under {MAX_TEXT:,} characters (yours "
                                                     f"has {len(text):,}).", typed=text[:MAX_TEXT])]
            return await self._record(msg, ctx, info, q, (), text)
        if opt == "text":  # a text form for a question with options (an old or forged value): ask again
            return [self._ask(ctx, info, q)]
        if question.kind == "multi":
            data = ctx.state.data
            same = ctx.state.intent == self.name and data.get("sid") == info.id and data.get("q") == q
            # Anonymous: the ticks so far stay in this process, never in the stored conversation state.
            kept = store.ticks.get((info.id, me, q), ()) if info.anonymous else data.get("picked")
            picked = set(kept or ()) if same else set()
            if opt == "done":
                if not picked:
                    return [self._ask(ctx, info, q, note="Pick at least one option, then press Done.")]
                store.ticks.pop((info.id, me, q), None)
                return await self._record(msg, ctx, info, q, tuple(sorted(picked)), None)
            picked ^= {int(opt)}
            if info.anonymous:
                store.ticks[(info.id, me, q)] = tuple(sorted(picked))
            return [replace(self._ask(ctx, info, q, tuple(sorted(picked))), redraw=True)]
        if opt == "done" or int(opt) >= len(question.options):
            return [self._ask(ctx, info, q)]
        return await self._record(msg, ctx, info, q, (int(opt),), None)

    async def _record(self, msg: IncomingMessage, ctx: TurnContext, info: SurveyInfo, q: int,
                      choice: tuple[int, ...], text: str | None) -> list[Reply]:
        store, db, me = ctx.services.surveys, ctx.services.db, msg.key.user_ref
        assert store is not None
        outcome = await db.run(store.record, info.id, me, q, choice, text, ctx.now)
        if outcome == "closed":
            self._leave(ctx, info.id)
            return [_closed(info)]
        nxt = await db.run(next_question, store, info, me)
        if outcome == "finished" or nxt is None:
            self._leave(ctx, info.id)
            return [Reply(f"Thank you! Your answers to “{info.title}” are recorded. {render.privacy_note(info)}")]
        if outcome == "duplicate":
            return [Reply(f"Your answer to question {q + 1} was already recorded (the first answer counts).",
                          ephemeral=True), self._ask(ctx, info, nxt)]
        return [self._ask(ctx, info, nxt, note="Thanks, recorded.")]

    def _ask(self, ctx: TurnContext, info: SurveyInfo, q: int, picked: tuple[int, ...] = (),
             note: str | None = None, typed: str = "") -> Reply:
        kept = [] if info.anonymous else list(picked)  # anonymous ticks are not stored (see _step)
        ctx.state.start(self.name, info.questions[q].kind, {"sid": info.id, "q": q, "picked": kept})
        return render.question_reply(info, q, picked, note, typed)

    def _leave(self, ctx: TurnContext, sid: int) -> None:
        if ctx.state.intent == self.name and ctx.state.data.get("sid") == sid:
            ctx.state.clear()

    def _claimed_elsewhere(self, parse: Parse) -> bool:
        """A confident command for another intent ("budget status for payments") is not a free-text answer;
        framework questions are (people explain their answers in FinOps words)."""
        return parse.intent not in (self.name, "unknown", "framework_question") and parse.confidence >= ELSEWHERE
