"""Survey values and validation: questions (single, multi, 1–5 scale, free text), drafts from chat or YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.jobs.when import parse_deadline

KINDS = ("single", "multi", "scale", "text")
KIND_ALIASES = {"choice": "single", "single": "single", "options": "single", "multi": "multi", "multiple": "multi",
                "scale": "scale", "rating": "scale", "text": "text", "free text": "text", "open": "text"}
SCALE = ("1", "2", "3", "4", "5")
MAX_QUESTIONS, MIN_OPTIONS, MAX_OPTIONS = 10, 2, 10
MAX_QUESTION_TEXT, MAX_OPTION_TEXT, MAX_TITLE = 300, 60, 120
DEFAULT_DAYS = 7


class SurveyError(ValueError):
    """A survey definition is invalid; the message names the problem (``questions[2].options: …``)."""


@dataclass(frozen=True)
class Question:
    """One question; ``options`` are the labels people choose from (1–5 for a scale, none for text)."""

    text: str
    kind: str
    options: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON form stored with the survey."""
        return {"text": self.text, "kind": self.kind, "options": list(self.options)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Question:
        """Read the stored JSON form."""
        return cls(str(raw["text"]), str(raw["kind"]), tuple(str(o) for o in raw.get("options") or ()))


@dataclass(frozen=True)
class SurveyDraft:
    """A validated survey before it is stored."""

    title: str
    questions: tuple[Question, ...]
    audience: tuple[str, ...]  # team names and platform-qualified user ids, as written
    deadline: datetime
    anonymous: bool = False
    channels: bool = False
    kind: str = "pulse"  # pulse | assessment
    team: str | None = None
    remind_every_hours: int = 24
    max_reminders: int = 2
    send_at: datetime | None = None  # "… at monday 9:00": Send schedules it instead of sending now


@dataclass(frozen=True)
class SurveyInfo:
    """A stored survey as the rest of the bot sees it."""

    id: int
    author: str
    title: str
    kind: str
    team: str | None
    questions: tuple[Question, ...]
    audience: tuple[str, ...]
    channels: bool
    anonymous: bool
    status: str
    deadline: datetime
    remind_every_hours: int
    max_reminders: int
    reminders_sent: int
    created_at: datetime
    sent_at: datetime | None = None
    closed_at: datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def accepting(self, now: datetime) -> bool:
        """Open and before its deadline."""
        return self.status == "open" and now < self.deadline

    def state(self, now: datetime) -> str:
        """The status people see: an open survey past its deadline is shown closed."""
        return "closed" if self.status == "open" and now >= self.deadline else self.status


def make_question(text: str, kind: str, options: list[str] | tuple[str, ...] = (), where: str = "question") -> Question:
    """Validate one question: text 1–300 characters, 2–10 options for choices, none for scale and text."""
    text = " ".join(str(text or "").split())
    if not text:
        raise SurveyError(f"{where}: the question text is empty")
    if len(text) > MAX_QUESTION_TEXT:
        raise SurveyError(f"{where}: the question is {len(text)} characters long (at most {MAX_QUESTION_TEXT})")
    resolved = KIND_ALIASES.get(str(kind or "").strip().lower())
    if resolved is None:
        raise SurveyError(f"{where}: unknown type {kind!r}; use single, multi, scale or text")
    labels = [" ".join(str(o).split()) for o in options or ()]
    if resolved in ("scale", "text"):
        if labels:
            raise SurveyError(f"{where}: a {resolved} question takes no options")
        return Question(text, resolved, SCALE if resolved == "scale" else ())
    if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
        raise SurveyError(f"{where}.options: need {MIN_OPTIONS} to {MAX_OPTIONS} options, got {len(labels)}")
    for n, label in enumerate(labels, start=1):
        if not label or len(label) > MAX_OPTION_TEXT:
            raise SurveyError(f"{where}.options[{n}]: an option needs 1 to {MAX_OPTION_TEXT} characters")
    if len({label.lower() for label in labels}) != len(labels):
        raise SurveyError(f"{where}.options: two options have the same text")
    return Question(text, resolved, tuple(labels))


def check_count(questions: tuple[Question, ...] | list[Question]) -> None:
    """A survey has 1 to 10 questions."""
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise SurveyError(f"questions: a survey has 1 to {MAX_QUESTIONS} questions, got {len(questions)}")


MAX_YAML_CHARS = 64 * 1024  # a survey of 10 questions is a few KB


def from_yaml(text: str, now: datetime, tz: ZoneInfo, defaults: tuple[int, int] = (24, 2)) -> SurveyDraft:
    """A draft from a YAML document (title, audience, deadline, anonymous, channels, reminders, questions)."""
    import yaml

    if len(text) > MAX_YAML_CHARS:
        raise SurveyError(f"the survey file is too large ({len(text):,} characters; at most {MAX_YAML_CHARS:,})")
    try:
        # Aliases (&a / *a) are refused before anything is built: a 600-byte "billion laughs" would expand to GBs.
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise SurveyError("YAML aliases (*name) are not allowed in a survey file; write the values out")
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SurveyError(f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(doc, dict):
        raise SurveyError("the file must be a YAML mapping with title, audience and questions")
    unknown = set(doc) - {"title", "audience", "deadline", "anonymous", "channels", "reminders", "questions",
                          "kind", "team"}
    if unknown:
        raise SurveyError(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    kind = str(doc.get("kind") or "pulse")
    if kind not in ("pulse", "assessment"):
        raise SurveyError(f"kind: use pulse or assessment, got {kind!r}")
    deadline = _deadline(doc.get("deadline"), now, tz)
    every, most = _reminders(doc.get("reminders"), defaults)
    if kind == "assessment":
        team = str(doc.get("team") or "").strip()
        if not team:
            raise SurveyError("team: an assessment survey names the team to invite")
        title = str(doc.get("title") or f"Maturity assessment: {team}")[:MAX_TITLE]
        return SurveyDraft(title, (), (team,), deadline, False, bool(doc.get("channels")), "assessment", team,
                           every, most)
    audience = doc.get("audience")
    if isinstance(audience, str):
        audience = [a.strip() for a in audience.split(",")]
    if not audience or not isinstance(audience, list):
        raise SurveyError("audience: list at least one team or person (slack:U0123, teams:29:…)")
    raw_questions = doc.get("questions")
    if not isinstance(raw_questions, list):
        raise SurveyError("questions: a list of 1 to 10 questions is required")
    questions = [_question(q, n) for n, q in enumerate(raw_questions, start=1)]
    check_count(questions)
    title = " ".join(str(doc.get("title") or questions[0].text).split())[:MAX_TITLE]
    return SurveyDraft(title, tuple(questions), tuple(str(a).strip() for a in audience if str(a).strip()), deadline,
                       bool(doc.get("anonymous")), bool(doc.get("channels")), "pulse", None, every, most)


def _question(raw: object, n: int) -> Question:
    where = f"questions[{n}]"
    if not isinstance(raw, dict):
        raise SurveyError(f"{where}: write each question as a mapping with text and type")
    options = raw.get("options") or []
    if not isinstance(options, list):
        raise SurveyError(f"{where}.options: a list of options is required")
    return make_question(raw.get("text", ""), raw.get("type") or raw.get("kind") or "", options, where)


def _deadline(raw: object, now: datetime, tz: ZoneInfo) -> datetime:
    if raw is None:
        return now + timedelta(days=DEFAULT_DAYS)
    if isinstance(raw, datetime):
        raw = raw.isoformat(sep=" ")
    try:
        return parse_deadline(str(raw), now, tz)
    except ValueError as exc:
        raise SurveyError(f"deadline: {exc}") from None


def _reminders(raw: object, defaults: tuple[int, int]) -> tuple[int, int]:
    if raw is None:
        return defaults
    if raw is False or raw == "none":
        return defaults[0], 0
    if not isinstance(raw, dict):
        raise SurveyError("reminders: write {every_hours: 24, max: 2} or none")
    try:
        every, most = int(raw.get("every_hours", defaults[0])), int(raw.get("max", defaults[1]))
    except (TypeError, ValueError):
        raise SurveyError("reminders: every_hours and max are whole numbers") from None
    if not 1 <= every <= 24 * 14 or not 0 <= most <= 10:
        raise SurveyError("reminders: every_hours is 1 to 336 and max is 0 to 10")
    return every, most
