"""``start_assessment``: a maturity assessment in chat, one question at a time, resumable anywhere.

The answers live in the assessment tables (``services.maturity``), keyed by person and team; the conversation
state only points at the assessment being answered (``data["aid"]``), so "cancel", a restart or another channel
lose nothing and "resume" continues where the person was.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.assessment.flow import (
    Answer,
    Press,
    capabilities_prompt,
    explain_lens,
    parse_answer,
    parse_button,
    pick_capabilities,
    question_reply,
)
from bot.assessment.info import AssessmentInfo
from bot.assessment.kb import snippet
from bot.assessment.model import question_at
from bot.assessment.store import UNFINISHED, AssessmentStore
from bot.assessment.summary import finish_replies
from bot.directory import TeamInfo
from bot.intent import TurnContext
from bot.models import Choice, IncomingMessage, Reply
from bot.text import normalize
from bot.understanding.types import Parse

log = logging.getLogger(__name__)
_TEAM = r"(?:\s+(?:for|of|in|on)\s+(?:the\s+)?(?:team\s+)?(?P<team>[^?!.]{1,80}?))?"
_END = r"\s*[?!.]*$"
START = re.compile(
    r"^(?:/?finops\s+assess|(?:let'?s\s+|can we\s+|i want to\s+|please\s+)?(?:start|begin|take|do|run|launch|new|"
    r"open)\s+(?:an?\s+|the\s+|our\s+|my\s+)?(?:finops\s+)?(?:maturity\s+)?assessment|assess(?:\s+maturity)?|"
    r"assess\s+(?:our|my|the)\s+team(?:'?s maturity)?|assess\s+us|"
    r"(?:re-?start|start over)(?:\s+(?:the|my|our))?\s+(?:maturity\s+)?assessment)" + _TEAM + _END)
ASSESS_TEAM = re.compile(r"^assess\s+(?!our\b|my\b|the\b|us\b|maturity\b)(?P<team>[a-z0-9][\w .&-]{0,60}?)" + _END)
RESUME = re.compile(r"^(?:resume|continue)(?P<what>(?:\s+(?:my|our|the))?\s+(?:finops\s+)?(?:maturity\s+)?"
                    r"assessment)?" + _TEAM + _END)
RESTART = re.compile(r"\b(?:re-?start|start over|from scratch|start again)\b")
RESUME_WORD = re.compile(r"\b(?:resume|continue|pick up|carry on|finish)\b")
COMMAND_CONFIDENCE = 0.5  # a typed start/resume command mid-flow goes to ``handle``
ELSEWHERE_CONFIDENCE = 0.8  # a message that is not an answer yields to another intent read this surely
QUESTION = re.compile(r"\?\s*$|^(?:what|who|how|why|when|where|which|is|are|can|do|does|should)\b")
NO_TEAM = {"our team", "my team", "us", "the team", "team", "our", "my"}


class StartAssessmentIntent:
    """Runs the assessment conversation: team, capabilities, then one question at a time."""

    name = "start_assessment"
    label = "assessment (say “resume” to continue it later)"
    summary = "take a maturity assessment"
    examples = ("start assessment", "assess our team", "resume assessment", "start assessment for payments")

    buttons = ("assess:",)
    interrupted_by = frozenset({"help", "cancel"})

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    def read(self, msg: IncomingMessage, parse: Parse) -> dict[str, Any]:
        """A button press, or a start/resume request with the team it names (the directory's, else as typed)."""
        raw = msg.text.strip()
        if parse_button(raw) is not None:
            return {"press": raw}
        said = normalize(raw)
        m = RESUME.match(said) or START.match(said) or ASSESS_TEAM.match(said)
        team = {"team": parse.entities.team} if parse.entities.team else (_team(m) if m else {})
        if RESUME_WORD.search(said):
            return {"resume": True, **team}
        return {"restart": bool(RESTART.search(said)), **team}

    def is_command(self, msg: IncomingMessage, parse: Parse) -> bool:
        """A start/resume request or a button typed during the flow (not an answer to the current step)."""
        if parse_button(msg.text.strip()) is not None:
            return True
        said = normalize(msg.text)
        return parse.intent == self.name and parse.confidence >= COMMAND_CONFIDENCE and bool(
            RESUME.match(said) or START.match(said) or ASSESS_TEAM.match(said) or RESTART.search(said))

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Start, resume, or take a button press."""
        store, slots = ctx.services.maturity, self.read(msg, parse)
        if store is None:
            return [Reply("Maturity assessments are not enabled on this server.")]
        if "press" in slots:
            press = parse_button(str(slots["press"]))
            assert press is not None
            return await self._press(msg, press, store, ctx)
        if slots.get("resume"):
            return await self._resume(msg, ctx, store, slots.get("team"))
        team, replies = await self._team(msg, ctx, slots.get("team"))
        if team is None:
            return replies
        return await self._start(msg, ctx, store, team, bool(slots.get("restart")))

    async def continue_flow(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply] | None:
        """The next step: a team name, the capabilities, or an answer to the current question."""
        store = ctx.services.maturity
        if store is None or self.is_command(msg, parse):
            return None  # commands and buttons are routed to ``handle``
        step = ctx.state.step
        if step == "team":
            exact = await ctx.services.db.run(ctx.services.teams.get, msg.text.strip()[:80])
            if exact is None and self._claimed_elsewhere(msg, parse):
                return None  # e.g. "maturity for payments" typed instead of a team name
            team, replies = await self._team(msg, ctx, msg.text, typed=True)
            return replies if team is None else await self._start(msg, ctx, store, team, False)
        if step == "caps":
            return await self._capabilities(msg, parse, ctx, store)
        if step == "question":
            info = await ctx.services.db.run(store.get, int(ctx.state.data.get("aid", 0)))
            if info is None or info.status not in UNFINISHED or info.user_ref != msg.key.user_ref:
                ctx.state.clear()
                return None
            _, lens = question_at(info.capabilities, info.position)
            answer = parse_answer(msg.text, lens)
            if answer.kind == "unclear" and self._claimed_elsewhere(msg, parse):
                return None
            return await self._act(msg, ctx, store, info, info.position, answer)
        ctx.state.clear()
        return None

    # --- steps ---------------------------------------------------------------------------------------------
    async def _team(self, msg: IncomingMessage, ctx: TurnContext, text: object,
                    typed: bool = False) -> tuple[TeamInfo | None, list[Reply]]:
        teams, user = ctx.services.teams, msg.key.user_ref
        wanted = str(text or "").strip()
        if wanted and wanted.lower() not in NO_TEAM:
            found, suggestions = await ctx.services.db.run(teams.find, wanted[:80])
            if found is not None:
                return found, []
            choices = tuple(Choice(t.name, f"start assessment for {t.name}") for t in suggestions)
            hint = f" Did you mean {', '.join(t.name for t in suggestions)}?" if suggestions else ""
            ctx.state.start(self.name, "team")
            return None, [Reply(f"I don't know a team called “{wanted[:60]}”.{hint} Which team should we assess?",
                                choices=choices)]
        mine = await ctx.services.db.run(teams.teams_for_user, user)
        if len(mine) == 1 and not typed:
            return mine[0], []
        ctx.state.start(self.name, "team")
        options = mine or (await ctx.services.db.run(teams.list))[:5]
        text_ = ("Which team should we assess?" if mine else
                 "You're not in a team of the directory yet. Which team should we assess? Type its name.")
        return None, [Reply(text_, choices=tuple(Choice(t.name, f"start assessment for {t.name}") for t in options))]

    async def _start(self, msg: IncomingMessage, ctx: TurnContext, store: AssessmentStore, team: TeamInfo,
                     restart: bool) -> list[Reply]:
        user, db = msg.key.user_ref, ctx.services.db
        if not await db.run(ctx.services.access.can_view_team, user, team):
            ctx.state.clear()
            return [Reply(f"Only people in {team.name}, its owners and FinOps practitioners can assess it. "
                          "Ask a team owner to add you.")]
        for old in await db.run(store.unfinished, user, ctx.now, team.id):
            if not restart:
                ctx.state.clear()
                return [Reply(f"You have an unfinished assessment of {team.name} (question {old.position + 1} / "
                              f"{old.total}, answers saved). Resume it, or start over?",
                              choices=(Choice("Resume", f"resume assessment for {team.name}", "primary"),
                                       Choice("Start over", f"restart assessment for {team.name}", "danger")))]
            await db.run(store.abandon, old.id, ctx.now)
        previous = await db.run(store.finished, team.id)
        last = next((a.capabilities for a in reversed(previous) if a.user_ref == user), ())
        ctx.state.start(self.name, "caps", {"team": team.name, "previous": list(last)})
        return [capabilities_prompt(team.name, last)]

    async def _capabilities(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext,
                            store: AssessmentStore) -> list[Reply] | None:
        data, db = ctx.state.data, ctx.services.db
        previous = tuple(data.get("previous") or ())
        pick = pick_capabilities(msg.text, previous)
        if pick.problem is not None:
            if not pick.capabilities and self._claimed_elsewhere(msg, parse):
                return None
            return [capabilities_prompt(str(data.get("team")), previous, note=pick.problem)]
        team = await db.run(ctx.services.teams.get, str(data.get("team", "")))
        if team is None:
            ctx.state.clear()
            return [Reply("That team is no longer in the directory. Say “start assessment” to pick another.")]
        info = await db.run(store.create, msg.key.user_ref, team, pick.capabilities, ctx.now, msg.key)
        await db.run(store.ensure_reminder_job, ctx.services.scheduler, ctx.now)
        ctx.state.start(self.name, "question", {"aid": info.id})
        log.info("assessment %s started (%d questions)", info.id, info.total)
        note = f"{info.total} questions. Your answers are saved as you go; say “pause” to stop and “resume” later."
        return [question_reply(info, note=note)]

    async def _resume(self, msg: IncomingMessage, ctx: TurnContext, store: AssessmentStore,
                      team_text: object) -> list[Reply]:
        db, user = ctx.services.db, msg.key.user_ref
        items = await db.run(store.unfinished, user, ctx.now)
        if team_text and str(team_text).lower() not in NO_TEAM:
            found, _ = await db.run(ctx.services.teams.find, str(team_text)[:80])
            items = [i for i in items if found is not None and i.team_id == found.id]
        if not items:
            days = store.ttl.days
            return [Reply(f"You have no unfinished assessment to resume (paused ones expire after {days} days). "
                          "Say “start assessment” to begin one.", choices=(Choice("Start assessment",
                                                                                  "start assessment"),))]
        if len({i.team_id for i in items}) > 1 and not team_text:
            return [Reply("Which assessment should we continue?", choices=tuple(
                Choice(f"{i.team_name} ({i.position + 1} / {i.total})", f"resume assessment for {i.team_name}")
                for i in items[:5]))]
        info = items[0]
        await db.run(store.resume, info.id, ctx.now, msg.key)
        ctx.state.start(self.name, "question", {"aid": info.id})
        return [question_reply(info, note=f"Welcome back: continuing your assessment of {info.team_name}.")]

    async def _press(self, msg: IncomingMessage, press: Press, store: AssessmentStore,
                     ctx: TurnContext) -> list[Reply]:
        info = await ctx.services.db.run(store.get, press.assessment)
        if info is None or info.user_ref != msg.key.user_ref:
            return [Reply("Those buttons belong to someone else's assessment. Say “start assessment” to take your "
                          "own.", ephemeral=True)]
        if info.status in UNFINISHED:
            ctx.state.start(self.name, "question", {"aid": info.id})
        return await self._act(msg, ctx, store, info, press.question, press.answer)

    async def _act(self, msg: IncomingMessage, ctx: TurnContext, store: AssessmentStore, info: AssessmentInfo,
                   q: int, answer: Answer) -> list[Reply]:
        db, now = ctx.services.db, ctx.now
        if answer.kind in ("level", "skip"):
            outcome = await db.run(store.record, info.id, q, answer.level, now, msg.key)
            return await self._after(ctx, store, info, q, outcome)
        if answer.kind == "why":
            cap, lens = question_at(info.capabilities, min(q, info.total - 1))
            found = snippet(ctx.services.knowledge, f"assessment/lens-{lens.id}")
            text = found.text if found else explain_lens(lens, cap)
            return [Reply(text, title=f"{lens.name} lens", sources=found.sources if found else ()),
                    *([question_reply(info)] if info.status in UNFINISHED else [])]
        if info.status not in UNFINISHED:
            ctx.state.clear()
            return [Reply(f"Your assessment of {info.team_name} is already {info.status}.", ephemeral=True)]
        if q != info.position:
            return [Reply(f"That button was for question {q + 1}; you are at question {info.position + 1}."),
                    question_reply(info)]
        if answer.kind == "back":
            if not await db.run(store.back, info.id, q, now):
                return [question_reply(info, note="This is the first question; there is nothing before it.")]
            return [question_reply(await self._reload(ctx, store, info), note="Going back one question.")]
        if answer.kind == "pause":
            await db.run(store.pause, info.id, now)
            ctx.state.clear()
            return [Reply(f"Paused at question {q + 1} / {info.total}. Your answers are saved; say “resume” "
                          f"here or anywhere else within {store.ttl.days} days to continue.",
                          choices=(Choice("Resume", f"resume assessment for {info.team_name}"),))]
        note = {"out_of_range": "Levels go from 0 to 4 (whole numbers).",
                "unclear": "I didn't catch that, so I recorded nothing."}.get(answer.kind)
        return [question_reply(info, note=note)]

    async def _after(self, ctx: TurnContext, store: AssessmentStore, info: AssessmentInfo, q: int,
                     outcome: str) -> list[Reply]:
        fresh = await self._reload(ctx, store, info)
        if outcome == "finished":
            ctx.state.clear()
            log.info("assessment %s finished", info.id)
            return finish_replies(fresh, ctx.services.knowledge)
        if outcome == "recorded":
            return [question_reply(fresh)]
        if outcome == "duplicate":
            return [Reply(f"Your answer to question {q + 1} was already recorded.", ephemeral=True)]
        if outcome == "stale":
            return [Reply(f"Question {q + 1} already has an answer; say “back” to change the previous one."),
                    question_reply(fresh)]
        ctx.state.clear()
        return [Reply(f"Your assessment of {info.team_name} is already {fresh.status}; say “start assessment” "
                      "for a new one.", ephemeral=True)]

    @staticmethod
    async def _reload(ctx: TurnContext, store: AssessmentStore, info: AssessmentInfo) -> AssessmentInfo:
        fresh = await ctx.services.db.run(store.get, info.id)
        return fresh or info

    def _claimed_elsewhere(self, msg: IncomingMessage, parse: Parse) -> bool:
        """True when the message that is not an answer reads confidently as something else (the flow then steps
        aside for one turn): any other intent, or a framework question phrased as a question."""
        if parse.intent in (self.name, "unknown") or parse.confidence < ELSEWHERE_CONFIDENCE:
            return False
        return parse.intent != "framework_question" or QUESTION.search(normalize(msg.text)) is not None


def _team(m: re.Match[str]) -> dict[str, str]:
    team = (m.groupdict().get("team") or "").strip()
    return {"team": team} if team and team not in NO_TEAM else {}
