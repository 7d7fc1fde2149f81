"""The one grammar for times people type, in the tenant's time zone: moments ("now", "in 1 hour", "tomorrow 9am",
"friday 10:00", "2026-11-27 09:00:30", "2026-12-01T17:00Z") and recurrences ("every weekday at 9:00", "every
Monday 9:00", "every 2 weeks on Friday", "the first business day of the month", "every month on the 15th") —
read here, evaluated by dateutil's rrule (``recurrence``). Nudge schedules and survey send times use
``parse_when``, survey deadlines ``parse_deadline``; results are UTC datetimes. Also quiet hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.jobs.recurrence import DAYS, first_occurrence, next_occurrence

_DAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
_TIME = r"(?:noon|midnight|\d{1,2}(?::\d{2}(?::\d{2})?)?\s*(?:am|pm)?)"
_UNIT = r"(?:sec|secs|second|seconds|min|mins|minute|minutes|hour|hours|day|days|week|weeks)"


def _at(name: str) -> str:
    return rf"(?:\s+(?:at\s+)?(?P<{name}>{_TIME}))?"


_WHEN = re.compile(
    rf"^(?:(?P<now>now|right now|immediately)"
    rf"|in\s+(?P<n>\d{{1,4}}|an?|one)\s+(?P<unit>{_UNIT})"
    rf"|(?:every|each)\s+(?P<every>day|weekday|working day|business day|{_DAY}){_at('etime')}"
    rf"|(?P<daily>daily|weekdays){_at('dtime')}"
    rf"|(?:every|each)\s+(?P<en>\d{{1,2}}|other)\s+(?P<eunit>days?|weeks?)(?:\s+on\s+(?P<eday>{_DAY}))?{_at('ntime')}"
    rf"|(?:on\s+)?(?:the\s+)?(?P<pos>first|last)\s+(?:business|working)\s+day\s+of\s+(?:the|each|every)\s+month"
    rf"{_at('mtime')}"
    rf"|(?:every\s+month|monthly)\s+on\s+(?:the\s+)?(?P<mday>\d{{1,2}})(?:st|nd|rd|th)?{_at('ytime')}"
    rf"|(?:(?:at|on)\s+)?(?P<date>\d{{4}}-\d{{2}}-\d{{2}})(?:(?:t|\s+(?:at\s+)?)(?P<datetime>{_TIME}))?"
    rf"(?P<zone>z|[+-]\d{{2}}:?\d{{2}})?"
    rf"|(?P<rel>today|tonight|tomorrow){_at('rtime')}"
    rf"|(?:on\s+)?(?:next\s+)?(?P<day>{_DAY}){_at('wtime')}"
    rf"|at\s+(?P<time>{_TIME}))(?P<once>\s+(?:only\s+)?once)?$")
_TIMES = ("etime", "dtime", "ntime", "mtime", "ytime", "datetime", "rtime", "wtime", "time")
_STARTS = ("now", "right", "immediately", "every", "each", "daily", "weekdays", "at", "on", "today", "tonight",
           "tomorrow", "next", "in", "the", "first", "last", "monthly")
_DEADLINE_WORDS = ("by", "before", "until", "till", "due", "from", "after")
DEFAULT_TIME = time(9, 0)  # a schedule without a time of day
END_OF_DAY = time(17, 0)  # a deadline without a time means the end of the working day
MAX_DEADLINE = timedelta(days=90)
WEEKDAYS = "MO,TU,WE,TH,FR"


@dataclass(frozen=True)
class When:
    """A parsed schedule: the first due time (UTC), an optional recurrence, and whether "once" was said."""

    due: datetime
    recurrence: str | None = None
    once: bool = False


def parse_time(text: str) -> time:
    """``9am``, ``9:30``, ``21:00:15``, ``noon`` → a wall-clock time."""
    text = text.strip().lower().replace(" ", "")
    if text in ("noon", "midnight"):
        return time(12 if text == "noon" else 0, 0)
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?(am|pm)?", text)
    if not m:
        raise ValueError(f"I can't read the time {text!r}: write it like 9:00, 9am or 17:30")
    hour, minute, second = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time: with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if m[4] == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute, second)


def _day_index(word: str) -> int:
    return next(i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")) if word.startswith(d))


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def _recurrence(g: dict[str, str | None]) -> str | None:
    """The recurrence a phrase names (a named one or an RRULE), or None for a one-off."""
    kind = g["every"] or g["daily"]
    if kind:
        if kind in ("day", "daily"):
            return "daily"
        if kind.startswith(("week", "working", "business")):
            return "weekdays"
        return f"RRULE:FREQ=WEEKLY;BYDAY={DAYS[_day_index(kind)]}"
    if g["eunit"]:
        n = 2 if g["en"] == "other" else int(g["en"] or 1)
        if n < 1:
            raise ValueError("a recurrence repeats at least every 1 day or week")
        freq = "DAILY" if g["eunit"].startswith("day") else "WEEKLY"
        day = f";BYDAY={DAYS[_day_index(g['eday'])]}" if g["eday"] and freq == "WEEKLY" else ""
        return f"RRULE:FREQ={freq};INTERVAL={n}{day}"
    if g["pos"]:
        return f"RRULE:FREQ=MONTHLY;BYDAY={WEEKDAYS};BYSETPOS={1 if g['pos'] == 'first' else -1}"
    if g["mday"]:
        if not 1 <= int(g["mday"]) <= 31:
            raise ValueError(f"there is no day {g['mday']} in a month")
        return f"RRULE:FREQ=MONTHLY;BYMONTHDAY={int(g['mday'])}"
    return None


def _moment(g: dict[str, str | None], now: datetime, tz: ZoneInfo, at: time) -> datetime:
    """A one-off time (local, aware) from the matched groups."""
    today = now.astimezone(tz)
    if g["n"]:
        n = 1 if g["n"] in ("a", "an", "one") else int(g["n"])
        unit = str(g["unit"])
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit[0]]
        return (now + timedelta(seconds=n * seconds)).astimezone(tz)
    if g["date"]:
        try:
            day = date.fromisoformat(g["date"])
        except ValueError:
            raise ValueError(f"{g['date']} is not a date") from None
        if g["zone"]:
            zone = "+00:00" if g["zone"] == "z" else g["zone"]
            return datetime.fromisoformat(f"{day.isoformat()}T{at.isoformat()}{zone}").astimezone(tz)
        return _local(day, at, tz)
    if g["rel"]:
        return _local(today.date() + timedelta(days=1 if g["rel"] == "tomorrow" else 0),
                      time(20, 0) if g["rel"] == "tonight" and not g["rtime"] else at, tz)
    if g["day"]:
        due = _local(today.date() + timedelta(days=(_day_index(g["day"]) - today.weekday()) % 7), at, tz)
        return due if due > today else _local(due.date() + timedelta(days=7), at, tz)
    due = _local(today.date(), at, tz)
    return due if due > today else _local(due.date() + timedelta(days=1), at, tz)


def _read(text: str, now: datetime, tz: ZoneInfo, default: time) -> When:
    m = _WHEN.match(" ".join(text.lower().replace(",", " ").split()))
    if not m:
        raise ValueError(f"I can't read “{text}” as a time: try “now”, “in 1 hour”, “tomorrow 9am”, “friday 10:00”, "
                         "“2026-11-27 09:00”, “every weekday at 9:00” or “the first business day of the month”")
    g = m.groupdict()
    once = bool(g["once"])
    if g["now"]:
        return When(now, None, once)
    said = next((g[k] for k in _TIMES if g[k]), None)
    at = parse_time(said) if said else default
    recurrence = _recurrence(g)
    if recurrence is None:
        return When(_moment(g, now, tz, at).astimezone(now.tzinfo), None, once)
    start = _local(now.astimezone(tz).date(), at, tz)
    first = first_occurrence(start, recurrence, tz)
    if first <= now:
        first = next_occurrence(first, recurrence, tz, now)
    if recurrence.startswith("RRULE:FREQ=WEEKLY;BYDAY=") and recurrence.count(";") == 1:
        recurrence = "weekly"  # the named weekly recurrence keeps the first occurrence's weekday
    return When(first.astimezone(now.tzinfo), recurrence, once)


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """Read a schedule relative to ``now`` (UTC); raises ValueError with a message for the person."""
    when = _read(text, now, tz, DEFAULT_TIME)
    if when.due < now - timedelta(minutes=1):
        raise ValueError(f"{when.due.astimezone(tz):%Y-%m-%d %H:%M} is in the past")
    return when


def parse_deadline(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A future deadline (same tzinfo as ``now``) from a phrase; ValueError says what is wrong."""
    try:
        when = _read(text, now, tz, END_OF_DAY)
    except ValueError as exc:
        if "can't read “" in str(exc):
            raise ValueError(f"I can't read “{text}” as a deadline: try “friday”, “friday 17:00”, “tomorrow”, "
                             "“2026-12-01 17:00” or “in 3 days”") from None
        raise
    if when.recurrence:
        raise ValueError("a deadline is one moment, not a recurring schedule")
    if when.due <= now:
        raise ValueError(f"the deadline {when.due.astimezone(tz):%Y-%m-%d %H:%M} is in the past")
    if when.due - now > MAX_DEADLINE:
        raise ValueError("a survey deadline is at most 90 days away")
    return when.due


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
