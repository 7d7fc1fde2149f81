"""Recurring schedules in the tenant's time zone, as RFC 5545 rules evaluated by dateutil's rrule: the named
ones (daily, weekdays, weekly) and any ``RRULE:…`` string (every 2 weeks on Friday, the first business day of
the month). Occurrences keep their local wall-clock time across DST changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

RECURRENCES = ("daily", "weekdays", "weekly")
NAMED = {"daily": "FREQ=DAILY", "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "weekly": "FREQ=WEEKLY"}
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_LENGTH = 64  # the scheduled_job.recurrence column
_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def _rule(recurrence: str, start: datetime) -> rrule:
    """The rule with ``start`` (naive local time) as its first occurrence."""
    body = NAMED.get(recurrence) or recurrence.removeprefix("RRULE:")
    rule = rrulestr(f"RRULE:{body}", dtstart=start)
    assert isinstance(rule, rrule)
    return rule


def check(recurrence: str | None) -> str | None:
    """The recurrence itself when valid; ValueError (with a message for people) otherwise."""
    if recurrence is None or recurrence in RECURRENCES:
        return recurrence
    if not recurrence.startswith("RRULE:") or len(recurrence) > MAX_LENGTH:
        raise ValueError(f"unknown recurrence {recurrence!r}: use one of {', '.join(RECURRENCES)} or an RRULE")
    try:
        _rule(recurrence, datetime(2026, 1, 1, 9, 0))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid recurrence {recurrence!r}: {exc}") from None
    if "COUNT=" in recurrence or "UNTIL=" in recurrence:
        raise ValueError("a recurrence here runs until it is cancelled: leave out COUNT and UNTIL")
    return recurrence


def next_occurrence(previous: datetime, recurrence: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first occurrence strictly after both ``after`` and the occurrence ``previous`` it is counted from."""
    check(recurrence)
    after = max(after, previous)
    start = previous.astimezone(tz).replace(tzinfo=None)
    limit = after.astimezone(tz).replace(tzinfo=None)
    found = _rule(recurrence, start).after(limit)
    while found is not None:
        candidate = found.replace(tzinfo=tz)  # wall-clock time kept; a time DST skipped moves forward
        if candidate > after:
            return candidate.astimezone(previous.tzinfo or tz)
        found = _rule(recurrence, start).after(found)
    raise ValueError(f"the recurrence {recurrence!r} has no occurrence after {after:%Y-%m-%d}")


def first_occurrence(at: datetime, recurrence: str, tz: ZoneInfo) -> datetime:
    """The first occurrence at or after ``at``, at ``at``'s local time of day."""
    local = at.astimezone(tz).replace(tzinfo=None)
    first = _rule(check(recurrence) or "daily", local).after(local, inc=True)  # dtstart counts only if it fits
    if first is None:
        raise ValueError(f"the recurrence {recurrence!r} has no occurrence after {local:%Y-%m-%d}")
    return first.replace(tzinfo=tz).astimezone(at.tzinfo or tz)


def describe(recurrence: str) -> str:
    """"every weekday", "every 2 weeks on Friday", "the first business day of each month"."""
    if recurrence in RECURRENCES:
        return {"daily": "every day", "weekdays": "every weekday", "weekly": "every week"}[recurrence]
    parts = dict(p.split("=", 1) for p in recurrence.removeprefix("RRULE:").split(";") if "=" in p)
    freq, interval = parts.get("FREQ", ""), int(parts.get("INTERVAL", "1"))
    days = [DAY_NAMES[DAYS.index(d[-2:])] for d in parts.get("BYDAY", "").split(",") if d[-2:] in DAYS]
    if freq == "MONTHLY" and "BYSETPOS" in parts:
        business = days == list(DAY_NAMES[:5])
        what = "business day" if business else " or ".join(days)
        return f"the {_ORDINAL.get(int(parts['BYSETPOS']), parts['BYSETPOS'])} {what} of each month"
    if freq == "MONTHLY" and "BYMONTHDAY" in parts:
        return f"every month on day {parts['BYMONTHDAY']}"
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month"}.get(freq, freq.lower())
    every = f"every {interval} {unit}s" if interval > 1 else f"every {unit}"
    return every + (f" on {' and '.join(days)}" if days else "")
