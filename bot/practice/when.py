"""Schedules people type ("tomorrow 9am", "at 2026-11-27 09:00", "every weekday at 9:00") and quiet hours,
all in the tenant's time zone; results are UTC datetimes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
_TIME = r"(?:noon|midnight|\d{1,2}(?::\d{2})?\s*(?:am|pm)?)"
_WHEN = re.compile(
    rf"^(?:(?P<now>now|right now|immediately)"
    rf"|(?:every|each)\s+(?P<every>day|weekday|working day|{_DAY})(?:\s+(?:at\s+)?(?P<etime>{_TIME}))?"
    rf"|(?P<daily>daily|weekdays)(?:\s+(?:at\s+)?(?P<dtime>{_TIME}))?"
    rf"|(?:(?:at|on)\s+)?(?P<date>\d{{4}}-\d{{2}}-\d{{2}})(?:\s+(?:at\s+)?(?P<datetime>{_TIME}))?"
    rf"|(?P<rel>today|tonight|tomorrow)(?:\s+(?:at\s+)?(?P<rtime>{_TIME}))?"
    rf"|(?:on\s+)?(?:next\s+)?(?P<day>{_DAY})(?:\s+(?:at\s+)?(?P<wtime>{_TIME}))?"
    rf"|at\s+(?P<time>{_TIME}))$")
_STARTS = ("now", "right", "immediately", "every", "each", "daily", "weekdays", "at", "on", "today", "tonight",
           "tomorrow", "next")
_DEADLINE_WORDS = ("by", "before", "until", "till", "due", "from", "after")
DEFAULT_TIME = time(9, 0)


@dataclass(frozen=True)
class When:
    """A parsed schedule: the first due time (UTC) and an optional recurrence."""

    due: datetime
    recurrence: str | None = None


def parse_time(text: str) -> time:
    """``9am``, ``9:30``, ``21:00``, ``noon`` → a wall-clock time."""
    text = text.strip().lower().replace(" ", "")
    if text in ("noon", "midnight"):
        return time(12 if text == "noon" else 0, 0)
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", text)
    if not m:
        raise ValueError(f"I can't read the time {text!r}: write it like 9:00, 9am or 17:30")
    hour, minute = int(m[1]), int(m[2] or 0)
    if m[3]:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time: with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if m[3] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute)


def _day_index(word: str) -> int:
    return next(i for i, d in enumerate(DAYS) if d.startswith(word[:3]))


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """Read a schedule relative to ``now`` (UTC); raises ValueError with a message for the person."""
    m = _WHEN.match(" ".join(text.lower().replace(",", " ").split()))
    if not m:
        raise ValueError(f"I can't read “{text}” as a time: try “now”, “tomorrow 9am”, “friday 10:00”, "
                         "“at 2026-11-27 09:00” or “every weekday at 9:00”")
    g, today = m.groupdict(), now.astimezone(tz)
    if g["now"]:
        return When(now)
    at = parse_time(next((g[k] for k in ("etime", "dtime", "datetime", "rtime", "wtime", "time") if g[k]), "")
                    or DEFAULT_TIME.strftime("%H:%M"))
    if g["every"] or g["daily"]:
        kind = g["every"] or g["daily"]
        recurrence = ("daily" if kind in ("day", "daily")
                      else "weekdays" if kind.startswith(("week", "working")) else "weekly")
        first = _local(today.date(), at, tz)
        while first <= today or (recurrence == "weekdays" and first.weekday() >= 5) or (
                recurrence == "weekly" and first.weekday() != _day_index(kind)):
            first = _local(first.date() + timedelta(days=1), at, tz)
        return When(first.astimezone(now.tzinfo), recurrence)
    if g["date"]:
        try:
            due = _local(date.fromisoformat(g["date"]), at, tz)
        except ValueError:
            raise ValueError(f"{g['date']} is not a date") from None
    elif g["rel"]:
        due = _local(today.date() + timedelta(days=1 if g["rel"] == "tomorrow" else 0),
                     parse_time("20:00") if g["rel"] == "tonight" and not g["rtime"] else at, tz)
    elif g["day"]:
        ahead = (_day_index(g["day"]) - today.weekday()) % 7
        due = _local(today.date() + timedelta(days=ahead), at, tz)
        if due <= today:
            due = _local(due.date() + timedelta(days=7), at, tz)
    else:
        due = _local(today.date(), at, tz)
        if due <= today:
            due = _local(due.date() + timedelta(days=1), at, tz)
    if due < today - timedelta(minutes=1):
        raise ValueError(f"{due:%Y-%m-%d %H:%M} is in the past")
    return When(due.astimezone(now.tzinfo), None)


def split_schedule(text: str, now: datetime, tz: ZoneInfo) -> tuple[str, When | None]:
    """Split a trailing schedule off a message: ("Tag your resources", When(...)) or (text, None)."""
    words = text.split()
    for i in range(1, len(words)):
        head = words[i].lower().strip(",")
        if head not in _STARTS and not re.fullmatch(_DAY, head) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", head):
            continue
        if words[i - 1].lower() in _DEADLINE_WORDS:
            continue  # "by Friday" is part of the message, not its schedule
        try:
            return " ".join(words[:i]).rstrip(" ,;-"), parse_when(" ".join(words[i:]), now, tz)
        except ValueError:
            if _WHEN.match(" ".join(w.lower().strip(",") for w in words[i:])):
                raise  # it is a schedule, just an impossible one ("at 2020-01-01 09:00")
    return text, None


@dataclass(frozen=True)
class QuietHours:
    """A daily quiet window in local time, e.g. 20:00-08:00 (may wrap past midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"20:00-08:00"`` → QuietHours; empty → None."""
        if not text:
            return None
        a, b = text.split("-")
        return cls(parse_time(a), parse_time(b))

    def contains(self, local: datetime) -> bool:
        """Whether a local time falls in the window."""
        t = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def defer(self, due: datetime, tz: ZoneInfo) -> datetime:
        """``due`` itself, or the end of the quiet window it falls in (same tz as ``due``)."""
        local = due.astimezone(tz)
        if not self.contains(local):
            return due
        day = local.date() if local.time().replace(tzinfo=None) < self.end else local.date() + timedelta(days=1)
        return _local(day, self.end, tz).astimezone(due.tzinfo)

    def label(self) -> str:
        """``20:00–08:00``."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"
