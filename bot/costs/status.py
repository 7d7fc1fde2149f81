"""Budget status of one team: period-to-date actual, budget, forecast, top services, biggest change."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.costs.budgets import Budget, BudgetStore
from bot.costs.forecast import Forecast, best_forecast, run_rate
from bot.costs.store import COLUMN_NAMES, CostStore
from bot.costs.tables import NANO


@dataclass(frozen=True)
class Change:
    """The service whose spend moved most against the same days of the previous month."""

    service: str
    now: Decimal
    before: Decimal
    window: str  # e.g. "Oct 1–22"


@dataclass(frozen=True)
class BudgetStatus:
    """Everything the answer, the chart and App Home show."""

    team: str
    currency: str
    column: str  # billed | effective
    period: str
    period_start: date
    period_end: date  # exclusive
    last_day: date  # last day with data
    data_as_of: datetime
    stale: bool  # the latest data is from an earlier period than today's
    actual: Decimal
    budget: Budget | None
    forecast: Forecast
    days_left: int
    top_services: tuple[tuple[str, Decimal], ...]
    change: Change | None
    cumulative: tuple[tuple[date, Decimal], ...]
    other_currencies: tuple[tuple[str, Decimal], ...]
    asked_past: bool = False  # a past period was asked for by name ("budget status for october")
    demo: bool = False  # the figures come from the generated demo data
    previous: tuple[tuple[int, Decimal], ...] = ()  # the month before: (day index from its start, cumulative)

    @property
    def column_name(self) -> str:
        """The FOCUS column the figures come from."""
        return COLUMN_NAMES[self.column]

    @property
    def used_pct(self) -> Decimal | None:
        """Actual as a percentage of the budget."""
        return self.actual * 100 / self.budget.amount if self.budget else None

    @property
    def forecast_pct(self) -> Decimal | None:
        """Forecast as a percentage of the budget."""
        return self.forecast.total * 100 / self.budget.amount if self.budget else None


def _month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def compute(costs: CostStore, budgets: BudgetStore, team: str, today: date, column: str = "billed",
            window: int = 7, as_of: datetime | None = None, currency: str | None = None,
            within: date | None = None) -> BudgetStatus | None:
    """The team's status in its budget currency (or its main currency); None when no cost data exists at all.

    ``within`` is a day of an earlier period asked for by name: the status is then that period's, complete."""
    as_of = as_of or costs.data_as_of()
    if as_of is None:
        return None
    last_day = (as_of - timedelta(microseconds=1)).date()
    asked_past = within is not None and _month_bounds(within)[1] <= _month_bounds(last_day)[0]
    if asked_past and within is not None:
        last_day = _month_bounds(within)[1] - timedelta(days=1)
    month_start, month_end = _month_bounds(last_day)
    prev_start = _month_bounds(month_start - timedelta(days=1))[0]
    mine = [b for b in budgets.budgets(team) if currency is None or b.currency == currency]
    lo, hi = prev_start, month_end
    for b in mine:  # one query for every currency over the widest window the team's budget periods need
        lo, hi = min(lo, b.period_bounds(last_day)[0]), max(hi, b.period_bounds(last_day)[1])
    window_rows = costs.daily_all(team, lo, hi, column)
    spend: dict[str, int] = defaultdict(int)
    for cur, _d, _s, v in window_rows:
        spend[cur] += abs(v)
    budget = next((b for b in mine if b.currency in spend), mine[0] if mine else None)
    currency = budget.currency if budget else currency or max(spend, key=lambda c: spend[c], default="USD")
    start, end = budget.period_bounds(last_day) if budget is not None else (month_start, month_end)
    rows = [(d, s, v) for cur, d, s, v in window_rows if cur == currency and min(start, prev_start) <= d < end]
    others: dict[str, int] = defaultdict(int)
    for cur, d, _s, v in window_rows:
        if start <= d < end:
            others[cur] += v
    nano_day: dict[date, int] = defaultdict(int)  # sums stay integer nano-units; Decimal only at the end
    per_service: dict[str, int] = defaultdict(int)
    for d, svc, v in rows:
        nano_day[d] += v
        if start <= d <= last_day:
            per_service[svc or "(no service)"] += v
    per_day = {d: Decimal(v) / NANO for d, v in nano_day.items()}
    actual = Decimal(sum(v for d, v in nano_day.items() if start <= d <= last_day)) / NANO
    cumulative, running = [], 0
    for offset in range((last_day - start).days + 1):
        d = start + timedelta(days=offset)
        running += nano_day.get(d, 0)
        cumulative.append((d, Decimal(running) / NANO))
    previous, running = [], 0
    for offset in range((month_start - prev_start).days if start == month_start else 0):
        running += nano_day.get(prev_start + timedelta(days=offset), 0)
        previous.append((offset, Decimal(running) / NANO))
    top = [(s, Decimal(v) / NANO) for s, v in sorted(per_service.items(), key=lambda kv: -kv[1])[:3]]
    return BudgetStatus(
        team=team, currency=currency, column=column, period=budget.period if budget else "monthly",
        period_start=start, period_end=end, last_day=last_day, data_as_of=as_of,
        stale=_month_bounds(today)[0] > month_start and not asked_past, actual=actual, budget=budget,
        forecast=_forecast(per_day, actual, last_day, end, window),
        days_left=max(0, (end - max(today, last_day + timedelta(days=1))).days),
        top_services=tuple(top), change=_change(rows, month_start, last_day, prev_start),
        cumulative=tuple(cumulative),
        other_currencies=tuple((c, Decimal(v) / NANO) for c, v in sorted(others.items()) if c != currency and v),
        asked_past=asked_past, previous=tuple(previous))


def _forecast(per_day: dict[date, Decimal], actual: Decimal, last_day: date, end: date, window: int) -> Forecast:
    """The backtested best method when the history allows it, else the configured run-rate window."""
    fc = best_forecast(per_day, actual, last_day, end)
    return fc if fc.error_pct is not None else run_rate(per_day, actual, last_day, end, window)


def _change(rows: list[tuple[date, str, int]], month_start: date, last_day: date, prev_start: date) -> Change | None:
    """Biggest absolute per-service change: this month through ``last_day`` vs the same days of last month."""
    span = (last_day - month_start).days
    prev_last = min(prev_start + timedelta(days=span), month_start - timedelta(days=1))
    now: dict[str, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    for d, svc, v in rows:
        if month_start <= d <= last_day:
            now[svc or "(no service)"] += v
        elif prev_start <= d <= prev_last:
            before[svc or "(no service)"] += v
    if not before:
        return None
    svc = max(set(now) | set(before), key=lambda s: (abs(now[s] - before[s]), s))
    window = f"{prev_start:%b} {prev_start.day}–{prev_last.day}"
    return Change(svc, Decimal(now[svc]) / NANO, Decimal(before[svc]) / NANO, window)
