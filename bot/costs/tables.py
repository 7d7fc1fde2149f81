"""Cost tables: import records, daily aggregates (never raw rows), budgets, alert claims, allocation rules.

Amounts are stored as integers in nano-units (1e-9 of the currency): sums stay exact on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

NANO = 10**9  # stored amount units per currency unit


class CostImport(SQLModel, table=True):
    """One imported file: what it contained, what was rejected and the exact totals read."""

    __tablename__ = "cost_import"
    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=512)
    checksum: str = Field(max_length=64, index=True)
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    billing_periods: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rows_total: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    rejected: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    totals: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    focus_version: str = Field(default="", max_length=16)
    data_as_of: datetime | None = None
    replaced_rows: int = 0
    imported_at: datetime


class CostDaily(SQLModel, table=True):
    """Cost of one day for one team/provider/sub-account/service/region/charge category/currency."""

    __tablename__ = "cost_daily"
    __table_args__ = (
        Index("ix_cost_daily_team_day", "team", "day"),
        Index("ix_cost_daily_source_period", "source", "billing_period"),
        Index("ix_cost_daily_day", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="cost_import.id", index=True)
    source: str = Field(max_length=300)  # provider + "|" + billing account id
    billing_period: date
    day: date
    team: str | None = Field(default=None, max_length=120)  # None = unallocated
    alloc_tag: str | None = Field(default=None, max_length=200)  # value of the allocation tag, as found
    provider: str = Field(default="", max_length=120)
    sub_account_id: str = Field(default="", max_length=200)
    sub_account_name: str = Field(default="", max_length=200)
    service: str = Field(default="", max_length=200)
    region: str = Field(default="", max_length=100)
    category: str = Field(default="", max_length=40)
    currency: str = Field(max_length=12)
    billed: int = Field(sa_column=Column(BigInteger, nullable=False))
    effective: int = Field(sa_column=Column(BigInteger, nullable=False))
    rows: int = 0
    service_category: str = Field(default="", max_length=100)  # FOCUS ServiceCategory (migration costq_0002)


class CostBudget(SQLModel, table=True):
    """A team's monthly or quarterly budget in one currency, with its alert thresholds."""

    __tablename__ = "cost_budget"
    __table_args__ = (UniqueConstraint("team_id", "currency"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    currency: str = Field(max_length=12)
    period: str = Field(default="monthly", max_length=16)  # monthly | quarterly
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))  # nano-units
    thresholds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_by: str = Field(default="", max_length=255)
    updated_at: datetime


class CostAlert(SQLModel, table=True):
    """One alert: claimed by a unique insert (budget, period, threshold) so it is sent once across replicas."""

    __tablename__ = "cost_alert"
    __table_args__ = (UniqueConstraint("budget_id", "period_start", "threshold"),)
    id: int | None = Field(default=None, primary_key=True)
    budget_id: int = Field(foreign_key="cost_budget.id", index=True)
    period_start: date
    threshold: str = Field(max_length=32)  # e.g. "actual:80", "forecast:100"
    status: str = Field(default="sending", max_length=16)  # sending | sent | failed
    attempts: int = 0
    error: str | None = Field(default=None, max_length=500)
    detail: str = Field(default="", max_length=1000)
    created_at: datetime
    updated_at: datetime


class CostAllocationRule(SQLModel, table=True):
    """A fallback allocation rule: a sub-account (id or name) or a tag key=value belongs to a team."""

    __tablename__ = "cost_allocation_rule"
    __table_args__ = (UniqueConstraint("kind", "match_key", "match_value"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # account | tag
    match_key: str = Field(default="", max_length=200)  # tag key (normalised); "" for accounts
    match_value: str = Field(max_length=300)  # normalised account id/name or tag value
    team_id: int = Field(foreign_key="team.id", index=True)
    created_at: datetime


class CostAnomaly(SQLModel, table=True):
    """A daily spike of one team's service: claimed by a unique insert so it is posted once; then acted on."""

    __tablename__ = "cost_anomaly"
    __table_args__ = (UniqueConstraint("team", "service", "day", "currency"),)
    id: int | None = Field(default=None, primary_key=True)
    team: str = Field(max_length=120)
    service: str = Field(max_length=200)
    day: date
    currency: str = Field(max_length=12)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))  # nano-units that day
    baseline: int = Field(sa_column=Column(BigInteger, nullable=False))  # nano-units expected
    status: str = Field(default="sending", max_length=16)  # sending | sent | failed | acknowledged | expected
    detail: str = Field(default="", max_length=1000)
    error: str | None = Field(default=None, max_length=500)
    acted_by: str | None = Field(default=None, max_length=255)
    created_at: datetime
    updated_at: datetime


class CostMonthly(SQLModel, table=True):
    """``cost_daily`` summed per calendar month (``day`` is the 1st): whole-month questions read far fewer rows."""

    __tablename__ = "cost_monthly"
    __table_args__ = (Index("ix_cost_monthly_team_day", "team", "day"), Index("ix_cost_monthly_day", "day"))
    id: int | None = Field(default=None, primary_key=True)
    day: date
    import_id: int
    team: str | None = Field(default=None, max_length=120)
    alloc_tag: str | None = Field(default=None, max_length=200)
    provider: str = Field(default="", max_length=120)
    sub_account_id: str = Field(default="", max_length=200)
    sub_account_name: str = Field(default="", max_length=200)
    service: str = Field(default="", max_length=200)
    region: str = Field(default="", max_length=100)
    category: str = Field(default="", max_length=40)
    currency: str = Field(max_length=12)
    billed: int = Field(sa_column=Column(BigInteger, nullable=False))
    effective: int = Field(sa_column=Column(BigInteger, nullable=False))
    service_category: str = Field(default="", max_length=100)


class CostRollup(SQLModel, table=True):
    """The imports the monthly rollup was built from (``count:max id``); a mismatch means "read cost_daily"."""

    __tablename__ = "cost_rollup"
    id: int | None = Field(default=None, primary_key=True)
    signature: str = Field(default="", max_length=64)
    refreshed_at: datetime
