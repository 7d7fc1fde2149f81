"""Time spans in questions ("last month", "in October", "Q3", "since Monday", "YTD", "last 30 days") as ``Period``."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.understanding.types import Period

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTH = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {m: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = {d: i for i, d in enumerate(_DAYS)} | {d[:3]: i for i, d in enumerate(_DAYS)}
_M = r"(?P<mon>" + "|".join(sorted(_MONTH, key=len, reverse=True)) + r")\.?"
_ISO = r"\d{4}-\d{1,2}-\d{1,2}"
_DATE = rf"(?:{_ISO}|\d{{1,2}}(?:st|nd|rd|th)? {_M[:-3].replace('?P<mon>', '?:')}(?: \d{{4}})?|" \
        rf"{_M[:-3].replace('?P<mon>', '?:')} \d{{1,2}}(?:st|nd|rd|th)?(?: \d{{4}})?)"
COMPARE = re.compile(r"\b(?:vs\.?|versus|compared (?:to|with)|against|relative to)\s+(?P<rest>.+)$")
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(p)) for name, p in (
    ("between", rf"\b(?:between|from) (?P<a>{_DATE}) (?:and|to|until|-) (?P<b>{_DATE})"),
    ("since_date", rf"\bsince (?P<a>{_DATE})"),
    ("since_day", r"\bsince (?:last )?(?P<day>" + "|".join(sorted(_DAY, key=len, reverse=True)) + r")\b"),
    ("last_n", r"\b(?:last|past|previous) (?P<n>\d{1,3}|a|one|two|three|six|twelve) (?P<unit>days?|weeks?|months?)\b"),
    ("to_date", r"\b(?P<what>ytd|year to date|mtd|month to date|qtd|quarter to date|"
                r"so far this (?:year|month|quarter))\b"),
    ("quarter", r"\b(?:(?P<rel>this|last|previous|next) quarter|q(?P<q>[1-4])(?:[ ']?(?P<y>\d{4}|\d{2}))?)\b"),
    ("month_rel", r"\b(?P<rel>this|last|previous|past|next) month\b"),
    ("month_name", rf"\b(?P<pre>in |for |during |since |of )?{_M}(?: (?P<y>\d{{4}}))?\b(?! \d)"),
    ("year_rel", r"\b(?P<rel>this|last|previous) year\b|\b(?:in )?(?P<y>20\d{2})\b"),
    ("week_rel", r"\b(?P<rel>this|last|previous) week\b"),
    ("day_rel", r"\b(?P<rel>today|yesterday)\b"),
))
_SMALL = {"a": 1, "one": 1, "two": 2, "three": 3, "six": 6, "twelve": 12}


def _month_start(d: date, back: int = 0) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - back, 12)
    return date(y, m + 1, 1)


def _parse_date(text: str, today: date) -> date | None:
    text = text.replace("st ", " ").replace("nd ", " ").replace("rd ", " ").replace("th ", " ")
    if re.fullmatch(_ISO, text):
        y, m, d = (int(x) for x in text.split("-"))
        return date(y, m, d)
    words = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(".", "")).split()
    mon = next((_MONTH[w] for w in words if w in _MONTH), None)
    nums = [int(w) for w in words if w.isdigit()]
    day = next((n for n in nums if n <= 31), None)
    year = next((n for n in nums if n > 31), today.year)
    if mon is None or day is None:
        return None
    try:
        return date(year, mon, day)
    except ValueError:
        return None


def _quarter(year: int, q: int, label: str, to_date: bool = False) -> Period:
    start = date(year, 3 * (q - 1) + 1, 1)
    return Period(start, _month_start(start, -3), label, "quarter", to_date)


def _span(name: str, m: re.Match[str], today: date) -> Period | None:
    g = m.groupdict()
    tomorrow = today + timedelta(days=1)
    if name == "between":
        a, b = _parse_date(g["a"], today), _parse_date(g["b"], today)
        return Period(a, b + timedelta(days=1), f"{a} to {b}") if a and b and a <= b else None
    if name == "since_date":
        a = _parse_date(g["a"], today)
        return Period(a, tomorrow, f"since {a}", to_date=True) if a and a <= today else None
    if name == "since_day":
        back = (today.weekday() - _DAY[g["day"]]) % 7 or 7
        start = today - timedelta(days=back)
        return Period(start, tomorrow, f"since {_DAYS[_DAY[g['day']]].title()}", "day", True)
    if name == "last_n":
        n = int(g["n"]) if g["n"].isdigit() else _SMALL[g["n"]]
        unit = g["unit"].rstrip("s")
        if unit == "month":
            return Period(_month_start(today, n), _month_start(today), f"last {n} months", "month")
        days = n * (7 if unit == "week" else 1)
        return Period(today - timedelta(days=days), today, f"last {days} days", "day")
    if name == "to_date":
        what = g["what"]
        if what.startswith(("y", "so far this year")) or "year" in what:
            return Period(date(today.year, 1, 1), tomorrow, f"{today.year} to date", "year", True)
        if "quarter" in what or what == "qtd":
            q = (today.month - 1) // 3 + 1
            return _quarter(today.year, q, f"Q{q} {today.year} to date", True)
        return Period(_month_start(today), tomorrow, "this month", "month", True)
    if name == "quarter":
        q_now = (today.month - 1) // 3 + 1
        if g["rel"]:
            shift = {"this": 0, "last": -1, "previous": -1, "next": 1}[g["rel"]]
            y, q = divmod(today.year * 4 + q_now - 1 + shift, 4)
            return _quarter(y, q + 1, f"{g['rel']} quarter (Q{q + 1} {y})", g["rel"] == "this")
        q = int(g["q"])
        y = int(g["y"]) if g["y"] else (today.year if q <= q_now else today.year - 1)
        y = y + 2000 if y < 100 else y
        return _quarter(y, q, f"Q{q} {y}")
    if name == "month_rel":
        back = {"this": 0, "next": -1}.get(g["rel"], 1)
        start = _month_start(today, back)
        label = "this month" if back == 0 else ("next month" if back < 0 else "last month")
        return Period(start, _month_start(start, -1), label, "month", back == 0)
    if name == "year_rel":
        if g["y"]:
            y = int(g["y"])
            return Period(date(y, 1, 1), date(y + 1, 1, 1), str(y), "year")
        y = today.year - (0 if g["rel"] == "this" else 1)
        return Period(date(y, 1, 1), date(y + 1, 1, 1), f"{g['rel']} year ({y})", "year", g["rel"] == "this")
    if name == "week_rel":
        start = today - timedelta(days=today.weekday() + (0 if g["rel"] == "this" else 7))
        return Period(start, start + timedelta(days=7), f"{g['rel']} week", "week", g["rel"] == "this")
    if name == "day_rel":
        day = today if g["rel"] == "today" else today - timedelta(days=1)
        return Period(day, day + timedelta(days=1), g["rel"], "day")
    if g["mon"] in ("may", "mar", "march") and not (g["pre"] or g["y"]):
        return None  # "how may I…": a verb, not the month
    mon = _MONTH[g["mon"]]
    y = int(g["y"]) if g["y"] else (today.year if mon <= today.month else today.year - 1)
    start = date(y, mon, 1)
    return Period(start, _month_start(start, -1), f"{MONTHS[mon - 1].title()} {y}", "month")


def find_period(text: str, today: date) -> Period | None:
    """The first time span named in normal (lower-case) text, or None."""
    for name, pattern in _RULES:
        if (m := pattern.search(text)) is not None and (p := _span(name, m, today)) is not None:
            return p
    return None


def periods(text: str, today: date) -> tuple[Period | None, Period | None]:
    """(the period asked about, the period to compare with) from "… last month vs the month before"."""
    m = COMPARE.search(text)
    if m is None:
        return find_period(text, today), None
    return find_period(text[: m.start()], today), find_period(m["rest"], today)
