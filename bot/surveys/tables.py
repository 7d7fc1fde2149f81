"""Tables for surveys: the survey, its invitations, anonymous ballots (double-answer guard) and answers.

Privacy by construction: ``survey_answer`` has no user column for anonymous surveys, no timestamp finer than the
day and a random UUID key; ``survey_ballot`` (a salted hash per answered question) has no link to an answer; the
invitation only says *whether* someone finished, never when. On SQLite both tables are ``WITHOUT ROWID``, so no
hidden insertion counter exists either.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, PrimaryKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel


class Survey(SQLModel, table=True):
    """A pulse survey (1-10 questions) or an assessment invitation; ``status`` draft → open → closed."""

    __tablename__ = "survey"
    id: int | None = Field(default=None, primary_key=True)
    author: str = Field(max_length=255, index=True)
    title: str = Field(max_length=200)
    kind: str = Field(default="pulse", max_length=16)  # pulse | assessment
    team: str | None = Field(default=None, max_length=120)  # the assessed team (assessment surveys)
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channels: bool = False  # also announce in the teams' channels (anyone there may answer)
    anonymous: bool = False
    salt: str = Field(max_length=64)  # random per survey: ballot hash = sha256(salt + user_ref)
    status: str = Field(default="draft", max_length=16, index=True)  # draft | open | closed | cancelled
    deadline: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    remind_every_hours: int = 24
    max_reminders: int = 2
    reminders_sent: int = 0
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    closed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class SurveyInvite(SQLModel, table=True):
    """One invited person: delivery outcome, whether they finished (no time), reminders received."""

    __tablename__ = "survey_invite"
    __table_args__ = (UniqueConstraint("survey_id", "user_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    user_ref: str = Field(max_length=255)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed | joined (from a channel)
    error: str | None = Field(default=None, max_length=500)
    answered: bool = False  # every question answered (or, for assessments, the assessment finished)
    reminders: int = 0


class SurveyBallot(SQLModel, table=True):
    """"This salted hash answered question q": refuses a second answer; deliberately not linked to the answer."""

    __tablename__ = "survey_ballot"
    __table_args__ = (PrimaryKeyConstraint("survey_id", "voter", "question"), {"sqlite_with_rowid": False})
    survey_id: int = Field(foreign_key="survey.id")
    voter: str = Field(max_length=64)
    question: int


class SurveyAnswer(SQLModel, table=True):
    """One answer to one question: chosen option indexes or free text; ``user_ref`` only when not anonymous."""

    __tablename__ = "survey_answer"
    __table_args__ = ({"sqlite_with_rowid": False},)
    id: str = Field(primary_key=True, max_length=32)  # random uuid4 hex: no insertion order
    survey_id: int = Field(foreign_key="survey.id", index=True)
    question: int
    choice: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    text: str | None = Field(default=None, max_length=2000)
    answered_on: date  # the day only
    user_ref: str | None = Field(default=None, max_length=255)  # always NULL for anonymous surveys
