"""One-line survey commands typed in chat, e.g. ``survey payments, checkout: How useful is X? scale by friday``.

Forms: ``… <question> scale | text | yes/no | options: a | b | c | multi: a | b | c`` followed by any of
``by <deadline>``, ``anonymous``, ``in channels`` and ``no reminders``; and ``survey assessment <team> [by …]``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.jobs.when import parse_deadline, parse_when
from bot.surveys.spec import DEFAULT_DAYS, MAX_TITLE, SurveyDraft, SurveyError, make_question

PULSE = re.compile(r"^/?survey\s+(?P<aud>.+?):\s+(?P<rest>.+)$", re.IGNORECASE | re.DOTALL)
ASSESSMENT = re.compile(r"^/?survey\s+assessment\s+(?:for\s+)?(?:team\s+)?(?P<team>.+)$", re.IGNORECASE)
INVITE = re.compile(r"^/?invite\s+(?:team\s+)?(?P<team>.+?)\s+to\s+(?:the\s+|a\s+|our\s+)?(?:finops\s+)?"
                    r"(?:maturity\s+)?assessment\b(?P<tail>.*)$", re.IGNORECASE)
_FLAGS = (
    ("anonymous", re.compile(r"\s+(?:and\s+)?anonymous(?:ly)?[.!]?$", re.IGNORECASE)),
    ("channels", re.compile(r"\s+(?:and\s+)?(?:in|to)\s+(?:their\s+|the\s+|team\s+)?channels?[.!]?$", re.IGNORECASE)),
    ("quiet", re.compile(r"\s+(?:and\s+)?(?:with\s+)?no\s+reminders?[.!]?$", re.IGNORECASE)),
)
_CHOICES = re.compile(r"^(?P<q>.+?)\s+(?P<k>options|choices|choice|single|multi|multiple)\s*:\s*(?P<opts>.+)$",
                      re.IGNORECASE | re.DOTALL)
_PLAIN = re.compile(r"^(?P<q>.+?)\s+(?P<k>scale|rating|\(?1\s*(?:-|–|to)\s*5\)?|text|free text|yes/no|yes or no)$",
                    re.IGNORECASE)
HOW = ("say what kind of answer you want after the question: “scale” (or 1-5), “text”, “yes/no”, "
       "“options: A | B | C” or “multi: A | B | C”")


def _canonical(text: str) -> str:
    """``invite payments to the assessment by friday`` → ``survey assessment payments by friday``."""
    text = " ".join(text.split())
    m = INVITE.match(text)
    return f"survey assessment {m['team']}{m['tail']}" if m else text


def is_command(text: str) -> bool:
    """Whether the text has the shape of a survey one-liner (pulse or assessment invitation)."""
    text = _canonical(text)
    return bool(PULSE.match(text) or ASSESSMENT.match(text))


def _strip_flags(rest: str, now: datetime, tz: ZoneInfo) -> tuple[str, dict[str, object]]:
    flags: dict[str, object] = {}
    changed = True
    while changed:
        changed = False
        for name, pattern in _FLAGS:
            if m := pattern.search(rest):
                rest, flags[name], changed = rest[:m.start()], True, True
        for m in reversed(list(re.finditer(r"\s+(?:by|before|until|due)\s+", rest, re.IGNORECASE))):
            try:
                flags["deadline"] = parse_deadline(rest[m.end():].strip(" .!"), now, tz)
            except ValueError as exc:
                if "past" in str(exc) or "90 days" in str(exc):
                    raise SurveyError(f"deadline: {exc}") from None
                continue
            rest, changed = rest[:m.start()], True
            break
        for m in reversed(list(re.finditer(r"\s+(?:send\s+)?(?:at|on)\s+", rest, re.IGNORECASE))):
            try:
                when = parse_when(rest[m.end():].strip(" .!"), now, tz)
            except ValueError:
                continue
            if when.recurrence:
                raise SurveyError("a survey is sent once: give one time, e.g. “at monday 9:00”")
            rest, flags["send_at"], changed = rest[:m.start()], when.due, True
            break
    return rest.strip(), flags


def parse_command(text: str, now: datetime, tz: ZoneInfo, defaults: tuple[int, int] = (24, 2)) -> SurveyDraft:
    """A one-question pulse (or an assessment invitation) from one line; SurveyError names the problem."""
    text = _canonical(text)
    m = PULSE.match(text)
    if m is None:
        a = ASSESSMENT.match(text)
        if a is None:
            raise SurveyError("write it like: survey payments, checkout: How useful is the cost report? scale by "
                              "friday anonymous")
        team, flags = _strip_flags(a["team"], now, tz)
        deadline = flags.get("deadline") or now + timedelta(days=DEFAULT_DAYS)
        return SurveyDraft(f"Maturity assessment: {team}"[:MAX_TITLE], (), (team,), deadline,  # type: ignore[arg-type]
                           False, bool(flags.get("channels")), "assessment", team, defaults[0],
                           0 if flags.get("quiet") else defaults[1], flags.get("send_at"))  # type: ignore[arg-type]
    audience = tuple(a for a in re.split(r"\s*(?:,|;|\band\b|&)\s*", m["aud"].strip()) if a)
    rest, flags = _strip_flags(m["rest"], now, tz)
    if c := _CHOICES.match(rest):
        raw = c["opts"]
        options = [o.strip() for o in (raw.split("|") if "|" in raw else raw.split(","))]
        kind = "multi" if c["k"].lower().startswith("multi") else "single"
        question = make_question(c["q"], kind, options)
    elif p := _PLAIN.match(rest):
        k = p["k"].lower()
        if k.startswith("yes"):
            question = make_question(p["q"], "single", ["Yes", "No"])
        else:
            question = make_question(p["q"], "text" if "text" in k else "scale")
    else:
        raise SurveyError(HOW)
    deadline = flags.get("deadline") or now + timedelta(days=DEFAULT_DAYS)
    return SurveyDraft(question.text[:MAX_TITLE], (question,), audience, deadline,  # type: ignore[arg-type]
                       bool(flags.get("anonymous")), bool(flags.get("channels")), "pulse", None, defaults[0],
                       0 if flags.get("quiet") else defaults[1], flags.get("send_at"))  # type: ignore[arg-type]
