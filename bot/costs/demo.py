"""Demo cost data: three months of FOCUS-shaped daily costs for the demo teams, imported the normal way."""

from __future__ import annotations

import csv
import json
import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.costs.alerts import CostHost
    from bot.costs.service import BudgetService

HEADER = ("BilledCost", "EffectiveCost", "ListCost", "BillingCurrency", "BillingAccountId", "BillingPeriodStart",
          "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ProviderName",
          "ServiceName", "SubAccountId", "SubAccountName", "RegionId", "Tags", "ServiceCategory")
# team -> (provider, account, [(service, region, daily cost)]); tag key spelt like real exports do
SPEND = {
    "payments": ("AWS", "111122223333", [("Amazon EC2", "us-east-1", 260), ("Amazon RDS", "us-east-1", 140),
                                         ("Amazon S3", "us-east-1", 35)]),
    "checkout": ("AWS", "444455556666", [("Amazon EC2", "eu-west-1", 180), ("Amazon CloudFront", "global", 60),
                                         ("Amazon DynamoDB", "eu-west-1", 45)]),
    "data-platform": ("Google Cloud", "gcp-analytics", [("BigQuery", "us", 210), ("Cloud Storage", "us", 40)]),
    "ml-platform": ("Microsoft", "sub-ml-0001", [("Virtual Machines", "eastus", 320), ("Azure Machine Learning",
                                                                                       "eastus", 90)]),
}
TAG_SPELLINGS = ("team", "Team", " team ", "TEAM")
CATEGORY = {"Amazon EC2": "Compute", "Amazon RDS": "Databases", "Amazon S3": "Storage",
            "Amazon CloudFront": "Networking", "Amazon DynamoDB": "Databases", "BigQuery": "Analytics",
            "Cloud Storage": "Storage", "Virtual Machines": "Compute",
            "Azure Machine Learning": "AI and Machine Learning", "AWS Support": "Other"}  # FOCUS ServiceCategory values
# team -> forecast / budget the demo aims at: payments on track, checkout over, data-platform well under
BUDGET_USE = {"payments": Decimal("0.85"), "checkout": Decimal("1.15"), "data-platform": Decimal("0.70")}


def _bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def _ts(d: date) -> str:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_demo_csv(path: Path, today: date, seed: int = 7) -> None:
    """Write three months (ending yesterday, or today on the 1st) of daily FOCUS rows to ``path``."""
    rng = random.Random(seed)
    last = today if today.day == 1 else today - timedelta(days=1)
    start = _bounds(_bounds(last)[0] - timedelta(days=40))[0]
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        d = start
        while d <= last:
            bp, bp_end = _bounds(d)
            growth = 1 + 0.004 * (d - start).days
            for n, (team, (provider, account, services)) in enumerate(SPEND.items()):
                for service, region, base in services:
                    jump = 1.35 if team == "payments" and service == "Amazon RDS" and d >= _bounds(last)[0] else 1
                    cost = Decimal(str(round(base * growth * jump * rng.uniform(0.85, 1.15), 6)))
                    tags = json.dumps({TAG_SPELLINGS[(n + d.day) % 4]: team, "env": "prod"})
                    out.writerow((cost, cost, cost, "USD", account, _ts(bp), _ts(bp_end), _ts(d),
                                  _ts(d + timedelta(days=1)), "Usage", "", provider, service,
                                  f"{account}-{team}", f"{team} ({provider})", region, tags, CATEGORY[service]))
            out.writerow((Decimal("12.500000"), Decimal("12.500000"), Decimal("12.500000"), "USD", "111122223333",
                          _ts(bp), _ts(bp_end), _ts(d), _ts(d + timedelta(days=1)), "Usage", "", "AWS",
                          "AWS Support", "111122223333-shared", "shared", "global", "NULL", "Other"))
            if d.day == 15:
                out.writerow((Decimal("-40"), Decimal("-40"), "0", "USD", "111122223333", _ts(bp), _ts(bp_end),
                              _ts(d), _ts(d + timedelta(days=1)), "Credit", "", "AWS", "Amazon EC2",
                              "111122223333-payments", "payments (AWS)", "us-east-1", '{"team": "payments"}',
                              "Compute"))
            d += timedelta(days=1)


def load_costs(services: CostHost, today: date | None = None) -> None:
    """Import the generated file through the normal import path, then set demo budgets from the data."""
    budgets = services.budgets
    if budgets is None:
        return
    today = today or datetime.now(services.settings.tz).date()
    with tempfile.TemporaryDirectory(prefix="finops-demo-") as tmp:
        path = Path(tmp) / "demo-focus-1.0.csv"
        write_demo_csv(path, today)
        budgets.import_file(path)
    for team, use in BUDGET_USE.items():
        amount = demo_budget(budgets, team, today, use)
        if amount is not None:
            budgets.budgets.set_budget(team, amount, "USD", "monthly", by="demo")


def demo_budget(budgets: BudgetService, team: str, today: date, use: Decimal) -> Decimal | None:
    """A monthly budget from the last complete month's spend (so it is realistic on any day of the month): the
    month's expected spend (last month plus the demo's growth) divided by the share of it the demo aims at."""
    from bot.costs.engine import CostEngine
    from bot.costs.query import CostQuery, add_months, month_start
    from bot.understanding.types import Period

    start = add_months(month_start(today), -1)
    full = CostEngine(budgets.db).answer(CostQuery((team,), Period(start, month_start(today), "last month", "month")))
    if full.empty or full.total <= 0:
        return None
    return max((full.total * Decimal("1.12") / use).quantize(Decimal("10")), Decimal(100))
