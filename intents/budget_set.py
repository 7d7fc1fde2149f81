"""``budget_set``: "set budget for payments to 12000 USD monthly" (team owners, practitioners and admins)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from bot.errors import UserError
from bot.models import Choice, IncomingMessage, Match, Reply
from intents.base import TurnContext
from intents.text import normalize

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
_SET = re.compile(
    r"^(?:set|change|update) (?:the |a )?(?:(?P<t1>[\w -]+?) )?(?:monthly |quarterly )?budget"
    r"(?: (?:for|of) (?:team )?(?P<t2>[\w -]+?))? (?:to |at |= ?|of )?(?P<amount>\d[\d,._]*k?)"
    r"(?: ?(?P<cur>[a-z]{3}))?(?: (?P<period>monthly|quarterly|per month|per quarter|a month|a quarter))?"
    r"(?: (?:with )?thresholds? (?P<th>[\d,% :a-z]+))?$")


def parse_set(text: str) -> dict[str, str | None] | None:
    """The slots of a set-budget command, or None."""
    m = _SET.match(normalize(text).rstrip(" .!"))
    if not m or not (m.group("t1") or m.group("t2")):
        return None
    period = m.group("period") or ""
    return {"team": (m.group("t2") or m.group("t1") or "").strip(), "amount": m.group("amount"),
            "currency": (m.group("cur") or "usd").upper(),
            "period": "quarterly" if "quarter" in period else "monthly", "thresholds": m.group("th")}


class BudgetSetIntent:
    """Sets a team's monthly or quarterly budget in one currency."""

    name = "budget_set"
    summary = "set a team budget (owners, practitioners)"
    examples = ("set budget for payments to 12000 USD monthly", "set the checkout budget to 30k EUR quarterly")

    def __init__(self, services: Services) -> None:
        self.services = services

    def match(self, msg: IncomingMessage) -> Match | None:
        """An explicit command only."""
        slots = parse_set(msg.text)
        return Match(self.name, 0.97, slots=slots) if slots else None

    async def handle(self, msg: IncomingMessage, match: Match, ctx: TurnContext) -> list[Reply]:
        """Check the role, store the budget, confirm with the thresholds."""
        from bot.costs.budgets import parse_amount, parse_thresholds

        svc, slots = self.services, match.slots
        if svc.budgets is None:
            return [Reply("Cost data is not enabled on this bot.")]
        team, close = await svc.db.run(svc.teams.find, slots["team"])
        if team is None:
            return [Reply(f"I don't know a team called “{slots['team']}”.",
                          choices=tuple(Choice(t.name, msg.text.replace(slots["team"], t.name)) for t in close))]
        if not svc.access.can_manage_team(msg.key.user_ref, team):
            return [Reply(f"Only {team.name}'s owners, FinOps practitioners and admins can set its budget.")]
        try:
            amount, thresholds = parse_amount(slots["amount"]), parse_thresholds(slots.get("thresholds"))
            budget = await svc.db.run(svc.budgets.budgets.set_budget, team.name, amount, slots["currency"],
                                      slots["period"], thresholds if slots.get("thresholds") else None,
                                      msg.key.user_ref)
        except UserError as exc:
            return [Reply(f"I couldn't set that budget: {exc}.")]
        from bot.costs.alerts import ensure_alert_job

        await svc.db.run(ensure_alert_job, svc)
        audit = getattr(svc, "audit", None)
        if audit is not None:
            await svc.db.run(audit.record, msg.key.user_ref, "budget.set", team.name,
                             amount=str(amount), currency=budget.currency, period=budget.period)
        marks = ", ".join(t.replace("actual:", "").replace("forecast:", "forecast ") + "%" for t in budget.thresholds)
        return [Reply(f"Done: the {budget.period} budget of {team.name} is {budget.amount:,.2f} {budget.currency}. "
                      f"I'll alert {team.slack_channel or team.teams_conversation or 'the team'} at {marks}.",
                      choices=(Choice("Budget status", f"budget status for {team.name}"),))]
