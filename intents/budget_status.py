"""``budget_status``: a team's month-to-date spend against its budget, with forecast, chart and data date."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from bot.costs.report import status_reply
from bot.models import Choice, IncomingMessage, Match, Reply
from intents.base import TurnContext
from intents.text import normalize

if TYPE_CHECKING:
    from bot.services import Services
    from bot.teams import TeamInfo

_COLUMN = re.compile(r"\b(?:amorti[sz]ed|effective)(?: ?costs?)?\b|\b(?:billed|invoiced|actual)(?: ?costs?)\b")
_CONCEPT = re.compile(r"^(?:what|why|explain|define|tell me about)\b.*\b(?:budgeting|a budget|budgets)\b(?! status)")
_PATTERNS = (
    re.compile(r"^(?:show |get |what'?s |what is )?(?:the |our |my )?budget status(?: (?:for|of) (?P<team>.+))?$"),
    re.compile(r"^(?:show(?: me)? |get |give me |check )?(?:the )?(?:cloud |monthly )?(?:budget|spend|spending|costs?)"
               r"(?: status)? (?:for|of) (?:team |the )?(?P<team>.+?)(?: team)?$"),
    re.compile(r"^(?:are|is) (?:we|i|us) (?:over|under|within|on) (?:the |our )?budget (?:on|for|in|with) "
               r"(?:team |the )?(?P<team>.+?)(?: team)?$"),
    re.compile(r"^how much (?:did|have|has|is) (?P<team>we|i|.+?) (?:team )?(?:spend|spent|spending)(?: so far)?"
               r"(?: (?:this|so far this) (?:month|quarter))?(?: on (?:cloud|aws|azure|gcp))?$"),
    re.compile(r"^how'?s (?:our|my|the team'?s) (?:cloud )?(?:budget|spend|spending|costs?)(?: looking| doing)?$"),
    re.compile(r"^how (?:is|are) (?:the )?(?P<team>.+?) (?:team )?doing (?:on|against|with|vs) "
               r"(?:the |our |its |their )?(?:budget|spend|spending|costs?)$"),
    re.compile(r"^(?:are|is) (?P<team>we|i|.+?) (?:team )?(?:over|under|within|on) (?:the |our |its |their )?budget$"),
    re.compile(r"^(?:what'?s|what is|wats|show(?: me)?) (?:our|my|the team'?s) (?:cloud )?"
               r"(?:spend|spending|costs?|budget)(?: (?:this|so far this) (?:month|quarter))?$"),
    re.compile(r"^(?!(?:a|an|the|my|our|what|how|why|which|is|are|do|does|can)\b)(?P<team>[\w-]+(?: [\w-]+)?) "
               r"(?:team )?budget(?: status)?$"),
)
_SELF = {"we", "i", "us", "our team", "my team", "me"}


def _parse(text: str) -> tuple[str | None, str | None, bool] | None:
    """(team text or None, column or None, matched) for a budget status request."""
    t = normalize(text).rstrip(" ?!.")
    if t.startswith(("set ", "change ", "update ")) or _CONCEPT.match(t):
        return None
    col = _COLUMN.search(t)
    column = None if col is None else ("effective" if col.group(0).startswith(("amort", "effect")) else "billed")
    t = " ".join(_COLUMN.sub(" ", t).split()).replace(" in ", " ").strip()
    for pattern in _PATTERNS:
        m = pattern.match(t)
        if m:
            team = (m.groupdict().get("team") or "").strip() or None
            if team and (team in _SELF or len(team) > 40):
                team = None if team in _SELF else team
            return team, column, True
    return None


class BudgetStatusIntent:
    """Answers "budget status for payments", "how are we doing on spend", "are we over budget?"."""

    name = "budget_status"
    summary = "budget status (actual, budget, forecast, chart)"
    examples = ("budget status for payments", "how are we doing on spend?", "are we over budget?",
                "budget status for checkout amortized")

    def __init__(self, services: Services) -> None:
        self.services = services

    def match(self, msg: IncomingMessage) -> Match | None:
        """Clear requests about a team's own spend only; concept questions go to the knowledge base."""
        parsed = _parse(msg.text)
        if parsed is None:
            return None
        team, column, _ = parsed
        return Match(self.name, 0.95, slots={"team": team, "column": column})

    async def handle(self, msg: IncomingMessage, match: Match, ctx: TurnContext) -> list[Reply]:
        """Resolve the team (named, fuzzy, or the asker's own), check access, answer with figures and a chart."""
        svc = self.services
        if svc.budgets is None:
            return [Reply("Cost data is not enabled on this bot.")]
        column, team_text, period = match.slots.get("column"), match.slots.get("team"), None
        entities = getattr(match, "entities", None)  # a Parse from understanding: its entities win over the regex
        if entities is not None:
            column, period = entities.column or column, entities.period
            if entities.team:
                team_text = entities.team
            elif entities.my_team or period is not None:
                team_text = None  # "budget status for november" names a month, not a team
        team, ask = await self._team(msg, team_text, column)
        if team is None:
            return [ask] if ask else []
        if not svc.access.can_view_team(msg.key.user_ref, team):
            return [Reply(f"Only {team.name}'s members, its owners and FinOps practitioners can see its budget.")]
        today = ctx.now.astimezone(svc.settings.tz).date()
        within = period.start if period is not None and not period.to_date else None
        status = await svc.db.run(svc.budgets.status, team.name, today, column, None, within)
        if status is None:
            return [Reply("No cost data has been imported yet, so I can't report spend. An admin can load a FOCUS "
                          "export with `finops-bot costs import FILE`.")]
        # The chart is drawn in a plain thread: database threads stay free for other turns.
        png = await asyncio.to_thread(svc.budgets.chart, status) if msg.images else None
        return [status_reply(status, png)]

    async def _team(self, msg: IncomingMessage, text: str | None, column: str | None) -> tuple[
            TeamInfo | None, Reply | None]:
        teams = self.services.teams
        suffix = f" {column}" if column == "effective" else ""
        if text:
            found, close = await self.services.db.run(teams.find, text)
            if found is not None:
                return found, None
            options = close or (await self.services.db.run(teams.list))[:5]
            return None, Reply(f"I don't know a team called “{text}”. Did you mean one of these?",
                               choices=tuple(Choice(t.name, f"budget status for {t.name}{suffix}") for t in options))
        mine = await self.services.db.run(teams.teams_for_user, msg.key.user_ref)
        if len(mine) == 1:
            return mine[0], None
        options = mine or (await self.services.db.run(teams.list))[:5]
        if not options:
            return None, Reply("There are no teams yet. An admin can add one with `finops-bot team add NAME`.")
        lead = "You are in several teams" if mine else "I don't know your team yet"
        names = ", ".join(t.name for t in options)
        return None, Reply(f"{lead}: which one? ({names}) Say e.g. “budget status for {options[0].name}”.",
                           choices=tuple(Choice(t.name, f"budget status for {t.name}{suffix}") for t in options))
