"""Cost questions as values: a ``CostQuery`` (scope, period, filters, column, kind) and the ``CostAnswer`` it yields.

Periods are resolved against the data's own "as of": "this month" ends on the last day with data, and a partial
period is compared with the same number of days of the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.costs.forecast import Forecast
from bot.understanding.types import Period

KINDS = ("total", "breakdown", "top", "trend", "change", "forecast", "unallocated")
DIMENSIONS = ("service", "service_category", "provider", "region", "account", "charge_category", "team", "month",
              "day")
COLUMN_LABELS = {"billed": "BilledCost", "effective": "EffectiveCost (amortized)"}


@dataclass(frozen=True)
class Filters:
    """Equality filters on stored dimensions (case-insensitive); None = any."""

    service: str | None = None
    service_category: str | None = None
    provider: str | None = None
    region: str | None = None
    account: str | None = None  # sub-account id or name
    charge_category: str | None = None  # Usage | Purchase | Credit | Tax | Adjustment

    def described(self) -> tuple[str, ...]:
        """``("service = Amazon EC2", …)`` for the answer's "how I got this"."""
        return tuple(f"{k.replace('_', ' ')} = {v}" for k, v in vars(self).items() if v)


@dataclass(frozen=True)
class CostQuery:
    """One cost question. ``teams`` empty = the whole organisation (only for people who may see every team)."""

    teams: tuple[str, ...] = ()
    period: Period | None = None
    filters: Filters = field(default_factory=Filters)
    column: str = "billed"
    kind: str = "total"
    dimension: str | None = None  # for breakdown / top (default service)
    top_n: int = 5
    compare_to: Period | None = None  # for change (default: the previous period of the same length)
    horizon: str = "month"  # for forecast: month | quarter
    months: int = 6  # for trend without a period

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown query kind {self.kind!r}")
        if self.column not in COLUMN_LABELS:
            raise ValueError(f"unknown cost column {self.column!r}")
        if self.dimension is not None and self.dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {self.dimension!r}")

    @property
    def scope(self) -> str:
        """Who the figures are for, as said back."""
        return ", ".join(self.teams) if self.teams else "the whole organisation"


@dataclass(frozen=True)
class Driver:
    """One thing that moved between two periods."""

    dimension: str  # service | account | region | team
    name: str
    now: Decimal
    before: Decimal

    @property
    def delta(self) -> Decimal:
        """Change in currency units."""
        return self.now - self.before


@dataclass(frozen=True)
class CostAnswer:
    """The figures for one query and how they were obtained; ``empty`` answers carry ``suggestions`` instead."""

    query: CostQuery
    currency: str
    period: Period  # as resolved against the data (end exclusive, clipped to the last day with data)
    asked: Period  # as asked
    data_as_of: datetime | None
    total: Decimal = Decimal(0)
    rows: tuple[tuple[str, Decimal], ...] = ()  # breakdown, top, trend (month label → amount)
    previous: Period | None = None  # for change
    previous_total: Decimal | None = None
    drivers: tuple[Driver, ...] = ()
    forecast: Forecast | None = None
    forecast_end: date | None = None  # last day the forecast covers
    share: Decimal | None = None  # unallocated share in percent
    cumulative: tuple[tuple[date, Decimal], ...] = ()  # for the chart
    other_currencies: tuple[tuple[str, Decimal], ...] = ()
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    empty: bool = False
    demo: bool = False
    budget: Decimal | None = None  # the team's budget for the chart line (single team, same currency)

    @property
    def column_label(self) -> str:
        """BilledCost or EffectiveCost (amortized)."""
        return COLUMN_LABELS[self.query.column]

    @property
    def partial(self) -> bool:
        """The asked period runs past the last day with data."""
        return self.period.end < self.asked.end


def last_data_day(as_of: datetime) -> date:
    """The last day the data covers (as_of is the exclusive ChargePeriodEnd)."""
    return (as_of - timedelta(microseconds=1)).date()


def month_start(day: date) -> date:
    """First of the month."""
    return day.replace(day=1)


def add_months(day: date, n: int) -> date:
    """The first of the month ``n`` months after ``day``'s month."""
    y, m = divmod(day.month - 1 + n, 12)
    return date(day.year + y, m + 1, 1)


def quarter_start(day: date) -> date:
    """First day of the quarter."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def this_month(last: date) -> Period:
    """The month containing the last day with data, to date."""
    start = month_start(last)
    return Period(start, add_months(start, 1), f"{start:%B %Y}", "month", to_date=True)


def previous_period(p: Period) -> Period:
    """The period of the same shape just before ``p`` (month → month, quarter → quarter, else same length)."""
    if p.grain in ("month", "quarter", "year") and p.start.day == 1:
        n = {"month": 1, "quarter": 3, "year": 12}[p.grain]
        start = add_months(p.start, -n)
        label = {"month": f"{start:%B %Y}", "quarter": f"Q{(start.month - 1) // 3 + 1} {start.year}",
                 "year": f"{start.year}"}[p.grain]
        return Period(start, p.start, label, p.grain)
    days = (p.end - p.start).days
    start = p.start - timedelta(days=days)
    return Period(start, p.start, f"{start:%Y-%m-%d} to {p.start - timedelta(days=1):%Y-%m-%d}", "range")


def like_for_like(before: Period, now: Period, asked: Period) -> Period:
    """The first as many days of ``before`` as ``now`` covers of ``asked`` (partial vs partial)."""
    if now.end >= asked.end:
        return before
    end = min(before.end, before.start + (now.end - now.start))
    return Period(before.start, end, f"{before.start:%b %-d}–{end - timedelta(days=1):%b %-d, %Y}", "range")
