"""The App Home tab: the user's team cards (budget and maturity at a glance), quick actions and help."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Sequence
from typing import Any

from adapters.slack_render import Block, button, escape
from bot.db import UNAVAILABLE_ERRORS
from bot.intent import Intent
from bot.models import Choice
from bot.services import Services

log = logging.getLogger(__name__)
HOME_PREFIX = "finops_home_"
MAX_TEAMS = 5  # cards shown; the directory is the place for more


async def _summary(services: Services, feature: str, team: str) -> str | None:
    """``services.<feature>.summary_line(team)`` when that feature is installed; a failure shows nothing."""
    store = getattr(services, feature, None)
    fn = getattr(store, "summary_line", None) if store is not None else None
    if fn is None:
        return None
    try:
        result = await fn(team) if inspect.iscoroutinefunction(fn) else await services.db.run(fn, team)
    except UNAVAILABLE_ERRORS:
        log.warning("home: %s summary skipped (database unavailable)", feature)
        return None
    except Exception:
        log.exception("home: %s summary failed for a team", feature)
        return None
    return str(result) if result else None


def _quick(team: str | None) -> list[Choice]:
    suffix = f" for {team}" if team else ""
    return [Choice("Budget status", f"budget status{suffix}", "primary"),
            Choice("Maturity status", f"maturity status{suffix}"),
            Choice("Start assessment", "start assessment"), Choice("Help", "help")]


def _buttons(choices: list[Choice], block_id: str) -> Block:
    elements = []
    for n, choice in enumerate(choices):
        element = button(choice, n)
        element["action_id"] = f"{HOME_PREFIX}{n}"
        elements.append(element)
    return {"type": "actions", "block_id": block_id, "elements": elements}


async def _team_card(services: Services, team: str, n: int, owner: bool = False) -> list[Block]:
    lines = [f"*{escape(team)}*"]
    for feature, label in (("budgets", "Budget"), ("maturity", "Maturity")):
        line = await _summary(services, feature, team)
        if line:
            lines.append(f"{label}: {escape(line)}")
    quick = _quick(team)[:2] + ([Choice("Set its budget", f"set budget for {team}")] if owner else [])
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
            _buttons(quick, f"finops_home_team_{n}")]


_PERSON_ID = re.compile(r"\b(?:slack|teams):\S+|<@[^>]+>")


def _help(intents: Sequence[Intent]) -> list[Block]:
    lines = ["*What you can ask me* (in a DM, with an @mention, or with `/finops`):"]
    for intent in intents:
        examples = getattr(intent, "examples", ())  # optional (bot/intent.py)
        if intent.name in ("help", "cancel") or not examples:
            continue
        summary = getattr(intent, "summary", intent.name.replace("_", " "))
        example = _PERSON_ID.sub("@alice", examples[0])  # people are typed as @mentions, not ids
        lines.append(f"• {escape(summary)}: _{escape(example)}_")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}}]


async def home_view(services: Services, intents: Sequence[Intent], user_ref: str) -> dict[str, Any]:
    """The Home tab view for one user (views.publish payload)."""
    teams = await services.db.run(services.teams.teams_for_user, user_ref)
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": "FinOps assistant"}}]
    if teams:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*Your teams at a glance*"}})
        for n, team in enumerate(teams[:MAX_TEAMS]):  # owners set their team's budget from here (a modal)
            blocks.extend(await _team_card(services, team.name, n, owner=user_ref in team.owners))
    else:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
            "You are not in a team of the FinOps directory yet. Ask for a team's status by name, "
            "e.g. _budget status for payments_.")}})
    blocks.append({"type": "divider"})
    blocks.append(_buttons(_quick(None)[2:], "finops_home_actions"))
    if await services.db.run(services.access.is_practitioner, user_ref):  # each opens its form as a modal
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*For FinOps practitioners*"}})
        blocks.append(_buttons([Choice("Compose a nudge", "compose nudge"), Choice("New survey", "compose survey"),
                                Choice("Set a budget", "set budget"), Choice("Surveys", "surveys")],
                               "finops_home_practice"))
    blocks.extend(_help(intents))
    return {"type": "home", "blocks": blocks[:100]}
