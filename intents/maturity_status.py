"""``maturity_status``: a team's maturity per capability (latest, trend, respondents); an overview for practitioners."""

from __future__ import annotations

import re

from bot.assessment.model import Capability, find_capability
from bot.assessment.rollup import team_status
from bot.assessment.summary import overview_reply, status_reply
from bot.models import Choice, IncomingMessage, Match, Reply
from bot.teams import TeamInfo
from intents.base import TurnContext
from intents.text import normalize

_TAIL = r"(?:\s+(?:for|of|on|in|at)\s+(?:the\s+)?(?P<rest>[^?!]{1,80}?))?\s*[?!.]*$"
_END = r"\s*[?!.]*$"
_WORDS = r"(?:status|score|scores|levels?|report|results)"
PATTERNS = (
    re.compile(r"^(?:(?:what|wat|wht|how)(?:'?s|\s+is|\s+are)?\s+|show\s+(?:me\s+)?|check\s+|tell me\s+)?"
               r"(?:our|my team'?s?|my|"
               r"the team'?s?|team)\s+(?:finops\s+)?maturity(?:\s+" + _WORDS + r")?" + _TAIL),
    re.compile(r"^(?:show\s+(?:me\s+)?|get\s+)?(?:the\s+)?(?:finops\s+|team\s+)?maturity\s+" + _WORDS + _TAIL),
    re.compile(r"^(?:show\s+(?:me\s+)?)?maturity\s+(?:for|of)\s+(?:team\s+)?(?P<rest>[^?!]{1,80}?)" + _END),
    re.compile(r"^how\s+mature\s+(?:are\s+we|is\s+(?:our\s+team|my\s+team|the\s+team|(?:team\s+)?"
               r"(?P<team>[\w .&-]{1,60}?)))(?:\s+(?:on|in|at|for|with|when it comes to)\s+(?P<cap>[^?!]{1,80}?))?"
               + _END),
    re.compile(r"^(?P<team>[a-z0-9][\w&.-]*(?:\s[\w&.-]+)?)\s+maturity\s+" + _WORDS + _END),
)
OVERVIEW = re.compile(
    r"^(?:show\s+(?:me\s+)?)?(?:the\s+)?(?:maturity\s+(?:overview|across (?:all )?teams|by team|of all teams|"
    r"for all teams)|(?:which|what)\s+teams?\s+(?:is|are)\s+(?:the\s+)?(?:weakest|least mature|lowest)|"
    r"weakest teams)(?:\s+(?:on|in|at|for)\s+(?P<cap>[^?!]{1,80}?))?" + _END)
_NOT_TEAMS = {"we", "finops", "the", "it", "this", "that"}


class MaturityStatusIntent:
    """Answers "what's our maturity", "maturity for payments", "how mature are we on anomaly management"."""

    name = "maturity_status"
    summary = "your team's maturity"
    examples = ("what's our maturity?", "maturity for payments", "how mature are we on anomaly management?")

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    def match(self, msg: IncomingMessage) -> Match | None:
        """Requests for our/a team's maturity data; "what is the maturity model" is a framework question."""
        said = normalize(msg.text)
        if (m := OVERVIEW.match(said)) is not None:
            return Match(self.name, 0.95, slots={"overview": True, **_clean(m)})
        for pattern in PATTERNS:
            if (m := pattern.match(said)) is not None:
                slots = _clean(m)
                if slots.get("team", "").lower() in _NOT_TEAMS:
                    return None
                return Match(self.name, 0.95, slots=slots)
        return None

    async def handle(self, msg: IncomingMessage, match: Match, ctx: TurnContext) -> list[Reply]:
        """Resolve team and capability, check access, combine the finished assessments."""
        store, db, user = ctx.services.maturity, ctx.services.db, msg.key.user_ref
        if store is None:
            return [Reply("Maturity assessments are not enabled on this server.")]
        team, cap, problem = await self._resolve(ctx, dict(match.slots))
        if problem is not None:
            return [problem]
        practitioner = await db.run(ctx.services.access.is_practitioner, user)
        mine = await db.run(ctx.services.teams.teams_for_user, user)
        if match.slots.get("overview") or (team is None and not mine and practitioner):
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
            cap, suggestions = find_capability(cap_text)
            if cap is None:
                hint = f" Did you mean {', '.join(c.name for c in suggestions)}?" if suggestions else ""
                return None, None, Reply(f"I don't know a capability called “{cap_text[:60]}”.{hint}")
        return team, cap, None

    async def _overview(self, ctx: TurnContext, cap: Capability | None) -> Reply:
        finished = await ctx.services.db.run(ctx.services.maturity.finished)  # type: ignore[union-attr]
        by_team: dict[str, list] = {}
        for a in finished:
            by_team.setdefault(a.team_name, []).append(a)
        statuses = [s for name, items in sorted(by_team.items()) if (s := team_status(name, items)) is not None]
        return overview_reply(statuses, cap)


def _clean(m: re.Match[str]) -> dict[str, str]:
    return {k: v.strip() for k, v in m.groupdict().items() if v and v.strip()}

