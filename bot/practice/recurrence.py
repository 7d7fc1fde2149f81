"""Recurring schedules in the tenant's time zone: daily, weekdays, weekly (same local wall-clock time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

RECURRENCES = ("daily", "weekdays", "weekly")


def next_occurrence(previous: datetime, recurrence: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first occurrence strictly after ``after``, keeping ``previous``'s local time across DST changes."""
    if recurrence not in RECURRENCES:
        raise ValueError(f"unknown recurrence {recurrence!r}: use one of {', '.join(RECURRENCES)}")
    local = previous.astimezone(tz)
    step = timedelta(days=7 if recurrence == "weekly" else 1)
    candidate = local
    while True:
        naive = candidate.replace(tzinfo=None) + step
        candidate = naive.replace(tzinfo=tz)  # re-attach: keeps wall-clock time when the offset changes
        if recurrence == "weekdays" and candidate.weekday() >= 5:
            continue
        if candidate > after:
            return candidate.astimezone(previous.tzinfo or tz)
