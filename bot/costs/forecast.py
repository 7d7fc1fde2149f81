"""Period-end forecast: a linear run-rate over the last N days of data, projected over the remaining days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Forecast:
    """Projected period-end spend and how it was computed."""

    total: Decimal
    daily_rate: Decimal
    remaining_days: int
    window_days: int
    method: str


def run_rate(per_day: Mapping[date, Decimal], actual: Decimal, last_day: date, period_end: date,
             window: int = 7) -> Forecast:
    """``actual`` plus the average of the last ``window`` days (through ``last_day``) × days after ``last_day``.

    Days without rows inside the window count as zero spend; the window never looks before the first day with data.
    """
    first = min(per_day) if per_day else last_day
    start = max(first, last_day - timedelta(days=window - 1))
    days = (last_day - start).days + 1
    spent = sum((v for d, v in per_day.items() if start <= d <= last_day), Decimal(0))
    rate = spent / days if days > 0 else Decimal(0)
    remaining = max(0, (period_end - last_day).days - 1)
    method = (f"linear run-rate: average of the last {days} day{'s' if days != 1 else ''} × "
              f"{remaining} remaining day{'s' if remaining != 1 else ''}")
    return Forecast(actual + rate * remaining, rate, remaining, days, method)
