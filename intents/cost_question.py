"""``cost_question``: spend for a team or the organisation by any cut and period, why it changed, forecasts, trends.

Understanding routes messages here by name and fills ``parse.entities``; the kind of question (total, breakdown,
top N, trend, change, forecast, untagged share) comes from ``parse.slots["kind"]`` when given, else from the words.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.costs.answer import answer_reply
from bot.costs.query import CostQuery, Filters
from bot.intent import TurnContext
from bot.models import Choice, IncomingMessage, Reply
from bot.understanding.types import Entities

if TYPE_CHECKING:
    from bot.directory import TeamInfo
    from bot.services import Services

_KINDS = (
    ("unallocated", re.compile(r"\b(?:untagged|unallocated|unassigned|no team|not tagged|without (?:a )?tags?|"
                               r"missing tags?|untaged|untaggd)\b")),
    ("forecast", re.compile(r"\b(?:forecast|forcast|projected|projection|predict\w*|expect\w* to spend|"
                            r"on track|will (?:we|i|it) (?:spend|end|land|be)|end of (?:the )?(?:month|quarter)|"
                            r"eo[mq]|by month end|month-end|run ?rate)\b")),
    ("change", re.compile(r"\b(?:why|change[sd]?|went up|go up|gone up|increase[sd]?|jump\w*|spike\w*|grew|growth|"
                          r"rose|higher|lower|drop\w*|decrease[sd]?|more than|less than|compared?|vs\.?|versus|"
                          r"diff\w*|delta|mom)\b")),
    ("trend", re.compile(r"\b(?:trend\w*|month by month|month-by-month|monthly|per month|each month|by month|"
                         r"over time|history|last \d+ months|past \d+ months|chart|graph)\b")),
    ("top", re.compile(r"\b(?:top|biggest|largest|most expensive|highest|main|costliest)\b")),
    ("breakdown", re.compile(r"\b(?:by|per|break ?down|split|each|breakdown|which)\b")),
)
_DIMS = (
    ("service", re.compile(r"\bservices?\b")), ("account", re.compile(r"\b(?:accounts?|subscriptions?|projects?)\b")),
    ("region", re.compile(r"\bregions?\b")), ("provider", re.compile(r"\b(?:providers?|clouds?|vendors?)\b")),
    ("charge_category", re.compile(r"\b(?:charge (?:category|categories|type)|charge types?)\b")),
    ("service_category", re.compile(r"\b(?:service )?categor(?:y|ies)\b")),
    ("team", re.compile(r"\bteams?\b")),
)
_QUARTER = re.compile(r"\b(?:quarter|qtr|eoq)\b")


def question_kind(text: str, e: Entities, slots: dict[str, Any] | None = None) -> tuple[str, str | None]:
    """(kind, dimension) of a cost question: entities first, then the words."""
    if slots and slots.get("kind"):
        return str(slots["kind"]), e.dimension
    t = text.lower()
    dim = e.dimension or next((d for d, rx in _DIMS if rx.search(t)), None)
    if e.compare_to is not None:
        return "change", dim
    if dim == "month":
        return "trend", None
    if e.top_n is not None:
        return "top", dim or "service"
    for kind, rx in _KINDS:
        if rx.search(t):
            if kind == "breakdown" and dim is None:
                continue
            if kind in ("top", "breakdown"):
                return kind, dim or "service"
            return kind, dim
    return ("breakdown", dim) if e.dimension else ("total", None)


class CostQuestionIntent:
    """Answers "what did we spend last month on compute?", "top 5 services for payments", "why did costs go up?"."""

    name = "cost_question"
    summary = "cost questions (spend by service/account/region, trends, changes, forecasts, untagged share)"
    # Shown in help; the model learns from intents/training/cost_question.yaml.
    examples = ("what did we spend last month by service?", "why did costs go up?", "forecast for end of quarter")

    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Any, ctx: TurnContext) -> list[Reply]:
        """Map the entities to a query, check scope, answer with figures, warnings, "how I got this" and a chart."""
        svc = self.services
        if svc.budgets is None:
            return [Reply("Cost data is not enabled on this bot.")]
        e: Entities = getattr(parse, "entities", None) or Entities()
        slots = dict(getattr(parse, "slots", {}) or {})
        kind, dim = question_kind(msg.text, e, slots)
        user = msg.key.user_ref
        wide = await svc.db.run(svc.access.is_practitioner, user)
        if kind == "unallocated" and not wide:
            return [Reply("The untagged (unallocated) share is organisation-wide: FinOps practitioners can see it.",
                          ephemeral=not msg.is_direct)]
        teams, ask = await self._scope(msg, e, wide)
        if ask is not None:
            return [ask]
        column = e.column or svc.settings.cost_column
        q = CostQuery(tuple(t.name for t in teams), e.period, Filters(
            service=e.service, service_category=e.service_category, provider=e.provider, region=e.region,
            account=e.account), column, kind, dim, e.top_n or 5, e.compare_to,
            "quarter" if _QUARTER.search(msg.text.lower()) or (e.period and e.period.grain == "quarter") else "month")
        engine = svc.budgets.engine
        answer = await svc.db.run(engine.answer, q)
        grain = _budget_grain(q, answer.asked.grain)
        if len(teams) == 1 and not answer.empty and grain is not None:
            answer = replace(answer, budget=await svc.db.run(svc.budgets.monthly_budget, teams[0].name,
                                                              answer.currency, grain))
        private = not msg.is_direct and not all(_mapped(t, msg) for t in teams) if teams else not msg.is_direct
        from bot.costs.answer_chart import render

        png = await asyncio.to_thread(_safe_render, render, answer) if msg.images else None
        warn = [] if e.service_category is None or not answer.empty else [
            f"Note: no stored cost has the service category “{e.service_category}” then (FOCUS ServiceCategory; "
            f"exports imported before categories were stored have none: import them again)."]
        reply = answer_reply(answer, png, ephemeral=private)
        if warn:
            reply = replace(reply, text=reply.text + "\n" + warn[0])
        return [reply]

    async def _scope(self, msg: IncomingMessage, e: Entities, wide: bool) -> tuple[list[TeamInfo], Reply | None]:
        """The teams the figures are for ([] = organisation), or a question/refusal to send instead."""
        svc, user = self.services, msg.key.user_ref
        if e.team and not e.my_team:
            found, close = await svc.db.run(svc.teams.find, e.team)
            if found is None:
                return [], Reply(f"I don't know a team called “{e.team}”.", choices=tuple(
                    Choice(t.name, f"{msg.text} ({t.name})") for t in close))
            if not svc.access.can_view_team(user, found):
                return [], Reply(f"Only {found.name}'s members, its owners and FinOps practitioners can see its "
                                 "costs.", ephemeral=not msg.is_direct)
            return [found], None
        mine = await svc.db.run(svc.teams.teams_for_user, user)
        if e.my_team or not wide:
            if mine:
                return mine, None
            if wide:
                return [], None
            return [], Reply("I don't know your team yet, and organisation-wide costs are for FinOps practitioners. "
                             "Name a team (e.g. “last month's spend for payments”) or ask an admin to add you "
                             "to yours.", ephemeral=not msg.is_direct)
        return [], None


def _budget_grain(q: CostQuery, asked_grain: str) -> str | None:
    """Which budget line the chart can show: monthly on month charts and trends, quarterly on quarter ones."""
    if q.kind == "trend" or (q.kind == "forecast" and q.horizon == "month"):
        return "month"
    if asked_grain in ("month", "quarter"):
        return asked_grain
    return "quarter" if q.kind == "forecast" else None


def _mapped(team: TeamInfo, msg: IncomingMessage) -> bool:
    return msg.key.channel in {team.slack_channel, team.teams_conversation}


def _safe_render(render: Any, answer: Any) -> bytes | None:
    import logging

    try:
        return render(answer)  # type: ignore[no-any-return]
    except Exception:  # the figures still go out without a picture
        logging.getLogger(__name__).exception("cost chart failed")
        return None
