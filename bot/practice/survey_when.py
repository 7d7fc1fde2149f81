"""Survey deadlines people type: "friday", "friday 5pm", "tomorrow", "2026-12-01 17:00", "in 3 days"."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
END_OF_DAY = time(17, 0)  # a deadline without a time means the end of the working day, local time
MAX_AHEAD = timedelta(days=90)
_TIME = r"(?:at\s+)?(?P<time>noon|\d{1,2}(?::\d{2}(?::\d{2})?)?\s*(?:am|pm)?)"
_DAY = r"(?P<day>mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
_FORMS = (
    re.compile(rf"^(?:on\s+|next\s+)?{_DAY}(?:\s+{_TIME})?$"),
    re.compile(rf"^(?P<rel>today|tonight|tomorrow)(?:\s+{_TIME})?$"),
    re.compile(rf"^(?P<date>\d{{4}}-\d{{2}}-\d{{2}})(?:[t\s]+{_TIME})?(?P<zone>z|[+-]\d{{2}}:?\d{{2}})?$"),
    re.compile(r"^in\s+(?P<n>\d{1,3})\s+(?P<unit>hour|hours|day|days|week|weeks)$"),
)


def _clock(text: str | None) -> time:
    if not text:
        return END_OF_DAY
    text = text.replace(" ", "")
    if text == "noon":
        return time(12, 0)
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?(am|pm)?", text)
    if not m:
        raise ValueError(f"I can't read the time {text!r}")
    hour, minute = int(m[1]), int(m[2] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time: with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if m[4] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute)


def parse_deadline(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A future deadline (UTC-aware, same tzinfo as ``now``) from a phrase; ValueError says what is wrong."""
    said = " ".join(text.lower().replace(",", " ").split())
    local = now.astimezone(tz)
    due = None
    for form in _FORMS:
        m = form.match(said)
        if m is None:
            continue
        g = m.groupdict()
        if g.get("unit"):
            hours = int(g["n"]) * {"h": 1, "d": 24, "w": 24 * 7}[g["unit"][0]]
            due = now + timedelta(hours=hours)
        elif g.get("day"):
            ahead = (next(i for i, d in enumerate(DAYS) if d.startswith(g["day"][:3])) - local.weekday()) % 7
            due = datetime.combine(local.date() + timedelta(days=ahead), _clock(g["time"]), tz)
            if due <= local:
                due += timedelta(days=7)
        elif g.get("rel"):
            shift = 1 if g["rel"] == "tomorrow" else 0
            at = _clock(g["time"] or ("20:00" if g["rel"] == "tonight" else None))
            due = datetime.combine(local.date() + timedelta(days=shift), at, tz)
        else:
            try:
                day = date.fromisoformat(g["date"])
            except ValueError:
                raise ValueError(f"{g['date']} is not a date") from None
            due = datetime.combine(day, _clock(g["time"]), tz)
            if g.get("zone"):
                due = datetime.fromisoformat(f"{g['date']}T{_clock(g['time']):%H:%M}{g['zone'].upper()}")
        break
    if due is None:
        raise ValueError(f"I can't read “{text}” as a deadline: try “friday”, “friday 17:00”, “tomorrow”, "
                         "“2026-12-01 17:00” or “in 3 days”")
    due = due.astimezone(now.tzinfo)
    if due <= now:
        raise ValueError(f"the deadline {due.astimezone(tz):%Y-%m-%d %H:%M} is in the past")
    if due - now > MAX_AHEAD:
        raise ValueError("a survey deadline is at most 90 days away")
    return due
