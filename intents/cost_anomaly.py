"""``cost_anomaly``: the Acknowledge / Mark expected buttons of a spend anomaly alert."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.intent import TurnContext
from bot.models import IncomingMessage, Reply

if TYPE_CHECKING:
    from bot.services import Services

_ACTION = re.compile(r"^anomaly (ack|expected) (\d{1,12})$")


class CostAnomalyIntent:
    """Records who acknowledged a spike or marked it expected (the alert's buttons send these commands)."""

    name = "cost_anomaly"
    summary = "acknowledge a spend anomaly or mark it expected"
    examples: tuple[str, ...] = ()  # button commands only: not offered as Teams commands
    buttons = ("anomaly ack ", "anomaly expected ")  # the alert's buttons (routed by value, not by language)

    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Any, ctx: TurnContext) -> list[Reply]:
        """Check the person may see the team, then record the action once."""
        from bot.costs.anomaly_alerts import ACTIONS, get, set_status

        found = _ACTION.match((msg.action.value if msg.action else msg.text).strip().lower())
        action, anomaly_id = (found.group(1), int(found.group(2))) if found else (None, None)
        svc, user = self.services, msg.key.user_ref
        row = await svc.db.run(get, svc.db, int(anomaly_id or 0))
        if row is None or action not in ACTIONS:
            return [Reply("I can't find that anomaly alert.", ephemeral=True)]
        team = await svc.db.run(svc.teams.get, row.team)
        if team is None or not svc.access.can_view_team(user, team):
            return [Reply(f"Only {row.team}'s people and FinOps practitioners can act on its alerts.",
                          ephemeral=True)]
        if row.status in ACTIONS.values():
            return [Reply(f"This anomaly was already {row.status} by {row.acted_by or 'someone'}.", ephemeral=True)]
        await svc.db.run(set_status, svc.db, row.id, ACTIONS[action], user)  # type: ignore[arg-type]
        what = "acknowledged" if action == "ack" else "marked as expected"
        return [Reply(f"{row.service} spike on {row.day:%b %-d} for {row.team} {what} by {msg.user_name or user}.")]
