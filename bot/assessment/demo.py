"""Demo assessments: two rounds for payments and checkout, so "what's our maturity" shows a trend at once."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from bot.db import utcnow

if TYPE_CHECKING:
    from bot.assessment.store import AssessmentStore
    from bot.directory import TeamStore

CAPS = ("allocation", "anomaly-management", "budgeting", "usage-optimization")
# (team, respondent, days ago, levels per capability in lens order K, P, M, A, Au)
DEMO_ASSESSMENTS = (
    ("payments", "console:you@local", 120, ((2, 1, 1, 1, 0), (1, 1, 0, 1, 1), (2, 2, 1, 1, 0), (1, 0, 1, 0, 0))),
    ("payments", "console:you@local", 14, ((3, 2, 2, 2, 1), (2, 2, 1, 2, 2), (3, 3, 2, 2, 1), (2, 1, 1, 1, 0))),
    ("payments", "slack:U0DEMO1@T0001", 12, ((3, 2, 3, 2, 1), (2, 1, 1, 1, 0), (3, 2, 2, 3, 1), (3, 1, 0, 2, 0))),
    ("checkout", "slack:U0DEMO2@T0001", 100, ((1, 1, 0, 0, 0), (1, 0, 0, 0, 0), (2, 1, 1, 0, 0), (1, 1, 0, 0, 0))),
    ("checkout", "slack:U0DEMO2@T0001", 21, ((2, 1, 1, 1, 0), (1, 1, 1, 0, 1), (2, 2, 1, 1, 0), (2, 1, 1, 1, 0))),
)


class AssessmentHost(Protocol):
    """What the demo assessments use of the running bot (``bot.services.Services`` satisfies it)."""

    @property
    def teams(self) -> TeamStore: ...
    @property
    def maturity(self) -> AssessmentStore | None: ...


def load_assessments(services: AssessmentHost) -> None:
    """Store the demo assessments (one transaction each, so tests and start-up stay fast)."""
    store = services.maturity
    if store is None:
        return
    now = utcnow()
    for team_name, user, days, levels in DEMO_ASSESSMENTS:
        team = services.teams.get(team_name)
        if team is None:
            continue
        flat: list[int | None] = [level for per_cap in levels for level in per_cap]
        store.add_finished(user, team, CAPS, flat, now - timedelta(days=days))
