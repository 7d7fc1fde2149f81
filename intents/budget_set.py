"""``budget_set``: "set budget for payments to 12000 USD monthly" (team owners, practitioners and admins)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.intent import TurnContext
from bot.models import Choice, Form, IncomingMessage, Input, Reply
from bot.text import form_text, normalize
from bot.understanding.types import Parse

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
_SET = re.compile(
    r"^(?:set|change|update) (?:the |a )?(?:(?P<t1>[\w -]+?) )?(?:monthly |quarterly )?budget"
    r"(?: (?:for|of) (?:team )?(?P<t2>[\w -]+?))? (?:to |at |= ?|of )?(?P<amount>\d[\d,._]*k?)"
    r"(?: ?(?P<cur>[a-z]{3}))?(?: (?P<period>monthly|quarterly|per month|per quarter|a month|a quarter))?"
    r"(?: (?:with )?thresholds? (?P<th>[\d,% :a-z]+))?$")
_OPEN = re.compile(r"^(?:set|change|update|new) (?:the |a )?(?:(?P<t1>[\w -]+?) )?(?:monthly |quarterly )?budget"
                   r"(?: (?:for|of) (?:team )?(?P<t2>[\w -]+?))?$")
FORM_ID = "set budget"
USAGE = ("I couldn't read that budget. Say it like “set budget for payments to 12000 USD monthly” (optionally "
         "“thresholds 50,80,100”), or “set budget” for a form.")
MAX_TEAM_OPTIONS = 100  # Slack's limit for one select; with more teams the team is typed


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
    examples = ("set budget for payments to 12000 USD monthly", "set the checkout budget to 30k EUR quarterly",
                "set budget")

    forms = (FORM_ID,)

    def __init__(self, services: Services) -> None:
        self.services = services

    def read(self, msg: IncomingMessage) -> dict[str, Any] | None:
        """An explicit command, the form's opener ("set budget [for team]") or the filled form."""
        if (values := msg.submitted(FORM_ID)) is not None:
            return {"op": "form_submit", "values": dict(values)}
        if slots := parse_set(msg.text):
            return {"op": "set", **slots}
        if m := _OPEN.match(normalize(msg.text).rstrip(" .!?")):
            return {"op": "form", "team": (m["t2"] or m["t1"] or "").strip()}
        return None

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Check the role, store the budget, confirm with the thresholds; a usage line for a malformed command."""
        svc, slots = self.services, self.read(msg)
        if slots is None:
            return [Reply(USAGE)]
        if svc.budgets is None:
            return [Reply("Cost data is not enabled on this bot.")]
        if slots["op"] == "form":
            if not await svc.db.run(self._manageable, msg.key.user_ref):
                return [Reply("Only team owners, FinOps practitioners and admins can set budgets, and you are "
                              "none of them yet. Say “budget status” to see your team's budget.")]
            team, _close = await svc.db.run(svc.teams.find, slots["team"]) if slots["team"] else (None, [])
            return [await self._form({"team": team.name if team else slots["team"]}, user_ref=msg.key.user_ref)]
        if slots["op"] == "form_submit":
            values = {k: v.strip() for k, v in slots["values"].items()}
            form_slots = {"team": values.get("team", ""), "amount": values.get("amount", ""),
                          "currency": (values.get("currency") or "USD").upper(),
                          "period": values.get("period") or "monthly", "thresholds": values.get("thresholds")}
            if not (form_slots["team"] and form_slots["amount"]):
                return [await self._form(values, "The budget needs a team and an amount.", msg.key.user_ref)]
            replies, done = await self._set(msg, form_slots)
            return replies if done else [await self._form(values, replies[0].text, msg.key.user_ref)]
        return (await self._set(msg, slots))[0]

    def _manageable(self, user_ref: str) -> list[str]:
        """Names of the teams whose budget this person may set."""
        svc = self.services
        return sorted(t.name for t in svc.teams.list() if svc.access.can_manage_team(user_ref, t))

    async def _form(self, values: dict[str, str], problem: str = "", user_ref: str = "") -> Reply:
        names = await self.services.db.run(self._manageable, user_ref) if user_ref else []
        if 0 < len(names) <= MAX_TEAM_OPTIONS and values.get("team", "") in ("", *names):
            team = Input("team", "Team", "choice", tuple(Choice(n, n) for n in names), initial=values.get("team", ""))
        else:
            team = Input("team", "Team", hint="the team's name as in “teams”", initial=values.get("team", ""))
        intro = "A monthly or quarterly budget for one team, in one currency; alerts go to the team's channel."
        text = form_text(problem, intro, "set budget for payments to 12000 USD monthly thresholds 50,80,100")
        return Reply(text, title="Set a budget", form=Form(FORM_ID, "Set a budget", "Save budget", (
            team,
            Input("amount", "Amount", hint="12000, 12,000.50 or 12k", initial=values.get("amount", "")),
            Input("currency", "Currency", hint="a three-letter code: USD, EUR, GBP …",
                  initial=values.get("currency", "") or "USD"),
            Input("period", "Period", "choice", (Choice("Monthly", "monthly"), Choice("Quarterly", "quarterly")),
                  initial=values.get("period", "") or "monthly"),
            Input("thresholds", "Alert at", hint="percent of the budget, e.g. 50, 80, 100, forecast:100 "
                  "(empty: the defaults)", initial=values.get("thresholds", ""), optional=True),
        )))

    async def _set(self, msg: IncomingMessage, slots: dict[str, str | None]) -> tuple[list[Reply], bool]:
        """Store the budget: (replies, whether it was stored)."""
        from bot.costs.budgets import parse_amount, parse_thresholds

        svc, name = self.services, str(slots["team"])
        assert svc.budgets is not None
        team, close = await svc.db.run(svc.teams.find, name)
        if team is None:
            return [Reply(f"I don't know a team called “{name}”.",
                          choices=tuple(Choice(t.name, msg.text.replace(name, t.name)) for t in close))], False
        if not svc.access.can_manage_team(msg.key.user_ref, team):
            return [Reply(f"Only {team.name}'s owners, FinOps practitioners and admins can set its budget.")], False
        try:
            amount, thresholds = parse_amount(str(slots["amount"])), parse_thresholds(slots.get("thresholds"))
            budget = await svc.db.run(svc.budgets.budgets.set_budget, team.name, amount, str(slots["currency"]),
                                      str(slots["period"]), thresholds if slots.get("thresholds") else None,
                                      msg.key.user_ref)
        except UserError as exc:
            return [Reply(f"I couldn't set that budget: {exc}.")], False
        from bot.costs.alerts import ensure_alert_job

        await svc.db.run(ensure_alert_job, svc)
        audit = getattr(svc, "audit", None)
        if audit is not None:
            await svc.db.run(audit.record, msg.key.user_ref, "budget.set", team.name,
                             amount=str(amount), currency=budget.currency, period=budget.period)
        marks = ", ".join(t.replace("actual:", "").replace("forecast:", "forecast ") + "%" for t in budget.thresholds)
        return [Reply(f"Done: the {budget.period} budget of {team.name} is {budget.amount:,.2f} {budget.currency}. "
                      f"I'll alert {team.slack_channel or team.teams_conversation or 'the team'} at {marks}.",
                      choices=(Choice("Budget status", f"budget status for {team.name}"),))], True
