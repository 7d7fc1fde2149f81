"""Demo data for a fresh database, so ``finops-bot chat`` gives real answers right after install."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# The console user: `finops-bot chat` speaks as this person (owner of the payments team in the demo).
CONSOLE_USER = "you"

DEMO_TEAMS = (
    # Slack people of the demo are in workspace T0001 (the id the local Slack fake uses too)
    ("payments", ("payment", "pay", "billing-svc"), "C0PAYMENTS", ("console:you@local", "slack:U0DEMO1@T0001")),
    ("checkout", ("cart", "checkout-web"), "C0CHECKOUT", ("slack:U0DEMO2@T0001",)),
    ("data-platform", ("data", "analytics", "dp"), "C0DATAPLAT", ("slack:U0DEMO3@T0001",)),
    ("ml-platform", ("ml", "machine learning", "ai"), "C0MLPLATFORM", ("slack:U0DEMO4@T0001",)),
)


def load_teams(services: Services) -> None:
    """A few teams with owners and channels."""
    for name, aliases, channel, owners in DEMO_TEAMS:
        services.teams.upsert(name, aliases, slack_channel=channel)
        for owner in owners:
            services.teams.add_member(name, owner, "owner")
    services.teams.add_member("checkout", "console:you@local", "member")


# Feature issues append their loaders (costs, budgets, assessments) here, in order.
from bot.assessment.demo import load_assessments  # noqa: E402  (two rounds of maturity assessments)
from bot.costs.demo import load_costs  # noqa: E402  (three months of FOCUS costs and budgets)

DEMO_LOADERS: tuple[Callable[[Services], None], ...] = (load_teams, load_costs, load_assessments)


def is_pristine(services: Services) -> bool:
    """True when the database holds no teams, costs, budgets or assessments (the only place the demo may go)."""
    from sqlalchemy import select

    from bot.assessment.tables import Assessment
    from bot.costs.tables import CostBudget, CostDaily, CostImport

    if not services.teams.is_empty():
        return False
    with services.db.engine.connect() as conn:
        return all(conn.execute(select(t.id).limit(1)).first() is None  # type: ignore[attr-defined]
                   for t in (CostImport, CostDaily, CostBudget, Assessment))


def load_demo(services: Services) -> bool:
    """Load the demo into a pristine database only, never beside real data; True when it did."""
    if not is_pristine(services):
        log.info("demo data not loaded: the database already holds teams, costs, budgets or assessments")
        return False
    for loader in DEMO_LOADERS:
        loader(services)
    log.info("demo data loaded (%d loaders)", len(DEMO_LOADERS))
    return True
