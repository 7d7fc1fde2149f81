"""Helpers for the cost tests: FOCUS files of several shapes and an independent Decimal sum."""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bot.config import Settings
from bot.costs.service import BudgetService
from bot.db import Database
from bot.directory import TeamStore

V10 = ["BilledCost", "EffectiveCost", "ListCost", "BillingCurrency", "BillingAccountId", "BillingPeriodStart",
       "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ProviderName", "ServiceName",
       "SubAccountId", "SubAccountName", "RegionId", "Tags", "x_ProviderSpecific"]
V12_EXTRA = ["InvoiceId", "PricingCurrency", "BillingAccountType", "ServiceSubcategory"]


def row(billed: str, team: str | None = "payments", day: str = "2024-09-01", currency: str = "USD",
        service: str = "EC2", effective: str | None = None, account: str = "acc-1", category: str = "Usage",
        provider: str = "AWS", tags: str | None = None, cls: str = "", **extra: str) -> dict[str, str]:
    """One FOCUS row as CSV cells."""
    end = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    return {"BilledCost": billed, "EffectiveCost": billed if effective is None else effective, "ListCost": billed,
            "BillingCurrency": currency, "BillingAccountId": "ba-1", "BillingPeriodStart": f"{day[:8]}01T00:00:00Z",
            "ChargePeriodStart": f"{day}T00:00:00Z", "ChargePeriodEnd": f"{end}T00:00:00Z",
            "ChargeCategory": category, "ChargeClass": cls, "ProviderName": provider, "ServiceName": service,
            "SubAccountId": account, "SubAccountName": account.upper(), "RegionId": "us-east-1",
            "Tags": tags if tags is not None else (json.dumps({"team": team}) if team else "{}"),
            "x_ProviderSpecific": "z", **extra}


def write(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    """Write rows as CSV with the given columns (missing cells empty)."""
    columns = columns or V10
    with path.open("w", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        out.writeheader()
        for r in rows:
            out.writerow({c: r.get(c, "") for c in columns})
    return path


def random_rows(n: int, seed: int = 1, days: int = 28) -> list[dict[str, str]]:
    """Random valid rows: 9-decimal costs, credits, corrections, three currencies, tag spellings."""
    rng = random.Random(seed)
    teams = ["payments", "checkout", "data-platform", None, "unknown-team"]
    keys = ["team", "Team", " TEAM ", "team "]
    out = []
    for _ in range(n):
        team = rng.choice(teams)
        value = Decimal(rng.randint(-2_000_000_000, 90_000_000_000)) / Decimal(10**9)
        tags = "{}" if team is None else json.dumps({rng.choice(keys): team, "env": "prod"})
        out.append(row(f"{value}", team, day=f"2024-09-{rng.randint(1, days):02d}",
                       currency=rng.choice(["USD", "USD", "EUR", "JPY"]), service=rng.choice(["EC2", "S3", "RDS"]),
                       effective=f"{value * Decimal('0.9')}", category=rng.choice(["Usage", "Usage", "Credit"]),
                       tags=tags, cls=rng.choice(["", "", "Correction"])))
    return out


def decimal_sums(path: Path, column: str = "BilledCost") -> dict[str, Decimal]:
    """An independent sum of a CSV file per currency, with Python's Decimal."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            cell = (r[column] or "").strip()
            if cell and cell.upper() != "NULL":
                sums[r["BillingCurrency"].strip().upper()] += Decimal(cell)
    return dict(sums)


def service_for(url: str, teams: tuple[str, ...] = ("payments", "checkout", "data-platform"),
                **settings: object) -> BudgetService:
    """A migrated database with a few teams, and the cost service over it."""
    from tests.conftest import make_settings

    cfg: Settings = make_settings(url, **settings)
    db = Database(url)
    db.upgrade()
    store = TeamStore(db)
    for name in teams:
        store.upsert(name, (name[:3] + "-alias",), slack_channel=f"C-{name}")
    return BudgetService(db, cfg)
