"""``budget_status``: a team's month-to-date spend against its budget, with forecast, chart and data date."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from bot.costs.report import status_reply
from bot.intent import TurnContext
from bot.models import Choice, IncomingMessage, Reply
from bot.text import normalize
from bot.understanding.types import Parse

if TYPE_CHECKING:
    from bot.directory import TeamInfo
    from bot.services import Services

_NAMED = re.compile(r"\b(?:for|of|on) (?:team |the )?(?P<team>[a-z0-9][\w-]{1,40})(?: team)?\b")
_NOT_TEAMS = frozenset({"budget", "budgets", "spend", "spending", "cloud", "month", "quarter", "us", "me", "my", "our",
                        "this", "the", "track", "target", "aws", "azure", "gcp", "it", "so", "far", "now", "today"})


def named_team(text: str) -> str | None:
    """A team named after "for"/"of" that the directory does not know (so the reply can say so and suggest)."""
    m = _NAMED.search(normalize(text))
    return m["team"] if m and m["team"] not in _NOT_TEAMS else None


class BudgetStatusIntent:
    """Answers "budget status for payments", "how are we doing on spend", "are we over budget?"."""

    name = "budget_status"
    summary = "budget status (actual, budget, forecast, chart)"
    examples = ("budget status for payments", "how are we doing on spend?", "are we over budget?",
                "budget status for checkout amortized")

    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Resolve the team (named, fuzzy, or the asker's own), check access, answer with figures and a chart."""
        svc = self.services
        if svc.budgets is None:
            return [Reply("Cost data is not enabled on this bot.")]
        entities = parse.entities
        column, period = entities.column, entities.period
        if entities.team:
            wanted: str | None = entities.team
        elif entities.my_team or period is not None:
            wanted = None  # "budget status for november" names a month, not a team
        else:
            wanted = named_team(msg.text)
        team, ask = await self._team(msg, wanted, column)
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
