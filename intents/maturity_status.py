"""``maturity_status``: a team's maturity per capability (latest, trend, respondents); an overview for practitioners."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from bot.assessment.model import Capability, find_capability
from bot.assessment.rollup import team_status
from bot.assessment.summary import overview_reply, status_reply
from bot.directory import TeamInfo
from bot.intent import TurnContext
from bot.models import Choice, IncomingMessage, Reply
from bot.text import normalize
from bot.understanding.types import Parse

_OVERVIEW = re.compile(r"\b(?:overview|all teams|across (?:the )?teams|every team|by team|each team|weakest|"
                       r"least mature|lowest|compare (?:the )?teams)\b")
_NAMED = re.compile(r"\bmaturity (?:status |score |levels? )?(?:for|of) (?:team )?(?P<team>[a-z0-9][\w-]{1,40})\b")
_NOT_TEAMS = frozenset({"our", "my", "the", "us", "all", "each", "every", "me", "we"})
_CAP = re.compile(r"\b(?:on|in|at|for|with|when it comes to|regarding) (?:the )?(?P<cap>[a-z][a-z &-]{3,60}?)\s*$")


def read_request(text: str, team: str | None) -> dict[str, object]:
    """The request's shape: an overview across teams or one team, and the capability it names, if any."""
    said = normalize(text).rstrip(" ?!.")
    slots: dict[str, object] = {"overview": bool(_OVERVIEW.search(said)) and team is None}
    if team:
        slots["team"] = team
    elif (named := _NAMED.search(said)) is not None and named["team"] not in _NOT_TEAMS:
        slots["team"] = named["team"]  # not in the directory: the reply says so and suggests
    if (m := _CAP.search(said)) is not None and m["cap"] != slots.get("team"):
        cap = find_capability(m["cap"])[0]
        if cap is None and "team" not in slots and m.group(0).startswith("for "):  # "maturity for paymnts": a
            # (misspelt) team, matched fuzzily later; "how mature are we on wibble" stays an unknown capability
            slots["team"] = m["cap"]
        elif cap is None and "team" in slots and fuzz.ratio(m["cap"], str(slots["team"])) >= 80:
            pass  # the words understanding already read as the (misspelt) team
        else:
            slots["cap"] = cap.name if cap is not None else m["cap"]  # unknown: the reply says so and suggests
    return slots


class MaturityStatusIntent:
    """Answers "what's our maturity", "maturity for payments", "how mature are we on anomaly management"."""

    name = "maturity_status"
    summary = "your team's maturity"
    examples = ("what's our maturity?", "maturity for payments", "how mature are we on anomaly management?")

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Resolve team and capability, check access, combine the finished assessments."""
        store, db, user = ctx.services.maturity, ctx.services.db, msg.key.user_ref
        if store is None:
            return [Reply("Maturity assessments are not enabled on this server.")]
        slots = read_request(msg.text, parse.entities.team)
        team, cap, problem = await self._resolve(ctx, {k: str(v) for k, v in slots.items() if k != "overview"})
        if problem is not None:
            return [problem]
        practitioner = await db.run(ctx.services.access.is_practitioner, user)
        mine = await db.run(ctx.services.teams.teams_for_user, user)
        if slots["overview"] or (team is None and not mine and practitioner):
            if practitioner:
                return [await self._overview(ctx, cap)]
            if not mine:
                return [Reply("The overview across teams is for FinOps practitioners. Ask for one team instead, "
                              "e.g. “maturity for payments”.")]
        if team is None:
            if not mine:
                return [Reply("You're not in a team of the directory, so I don't know whose maturity to show. "
                              "Name the team, e.g. “maturity for payments”.")]
            team = mine[0]
        if not await db.run(ctx.services.access.can_view_team, user, team):
            return [Reply(f"Only people in {team.name}, its owners and FinOps practitioners can see its maturity.")]
        status = team_status(team.name, await db.run(store.finished, team.id))
        others = [t.name for t in mine if t.name != team.name]
        if status is None:
            return [Reply(f"{team.name} has no finished maturity assessment yet. Say “start assessment for "
                          f"{team.name}” to take one (about 15 questions).",
                          choices=(Choice("Start assessment", f"start assessment for {team.name}", "primary"),))]
        reply = status_reply(status, cap, others)
        if practitioner:
            reply = Reply(reply.text, reply.title, (*reply.choices, Choice("Overview of all teams",
                                                                          "maturity overview")),
                          reply.fields, footer=reply.footer)
        return [reply]

    async def _resolve(self, ctx: TurnContext, slots: dict[str, str]) -> tuple[TeamInfo | None, Capability | None,
                                                                                Reply | None]:
        """Team and capability from the slots ("payments", "anomaly management", "payments on budgeting")."""
        team_text, cap_text = slots.get("team", ""), slots.get("cap", "")
        if rest := slots.get("rest", ""):
            parts = re.split(r"\s+(?:on|for|in|at)\s+", rest, maxsplit=1)
            team_text, cap_text = (parts[0], parts[1]) if len(parts) == 2 else (rest, "")
        team = cap = None
        db, teams = ctx.services.db, ctx.services.teams
        if team_text:
            team = await db.run(teams.get, team_text)
            if team is None and not cap_text:
                cap, _ = find_capability(team_text)
            if team is None and cap is None:
                team, suggestions = await db.run(teams.find, team_text)
                if team is None:
                    hint = f" Did you mean {', '.join(t.name for t in suggestions)}?" if suggestions else ""
                    return None, None, Reply(f"I don't know a team or capability called “{team_text[:60]}”.{hint}",
                                             choices=tuple(Choice(t.name, f"maturity status for {t.name}")
                                                           for t in suggestions))
        if cap_text:
            cap, close = find_capability(cap_text)
            if cap is None:
                hint = f" Did you mean {', '.join(c.name for c in close)}?" if close else ""
                return None, None, Reply(f"I don't know a capability called “{cap_text[:60]}”.{hint}")
        return team, cap, None

    async def _overview(self, ctx: TurnContext, cap: Capability | None) -> Reply:
        finished = await ctx.services.db.run(ctx.services.maturity.finished)  # type: ignore[union-attr]
        by_team: dict[str, list] = {}
        for a in finished:
            by_team.setdefault(a.team_name, []).append(a)
        statuses = [s for name, items in sorted(by_team.items()) if (s := team_status(name, items)) is not None]
        return overview_reply(statuses, cap)

