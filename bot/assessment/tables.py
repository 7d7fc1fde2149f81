"""Tables for maturity assessments: one row per assessment, one row per answered (or skipped) question."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class Assessment(SQLModel, table=True):
    """One person's assessment of one team; ``position`` is the next question to ask (== total when done).

    ``status``: open (in progress, possibly interrupted by "cancel"), paused, done, expired, abandoned.
    The last place the person answered from is kept so the expiry reminder can reach them there.
    """

    __tablename__ = "assessment"
    id: int | None = Field(default=None, primary_key=True)
    user_ref: str = Field(max_length=255, index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    team_name: str = Field(max_length=120)
    capabilities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    position: int = 0
    status: str = Field(default="open", max_length=16, index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    reminded_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    platform: str = Field(default="", max_length=16)
    tenant: str = Field(default="", max_length=128)
    channel: str = Field(default="", max_length=512)
    thread: str = Field(default="", max_length=255)


class AssessmentAnswer(SQLModel, table=True):
    """The level (0-4) given for one question; ``level`` is None when the question was skipped."""

    __tablename__ = "assessment_answer"
    __table_args__ = (UniqueConstraint("assessment_id", "question"),)
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    question: int
    capability: str = Field(max_length=64)
    lens: str = Field(max_length=16)
    level: int | None = None
    answered_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
