"""The nudge table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class Nudge(SQLModel, table=True):
    """A message a practitioner sends to channels, teams or people, now, later or on a recurring schedule."""

    __tablename__ = "nudge"
    id: int | None = Field(default=None, primary_key=True)
    author: str = Field(max_length=255, index=True)
    text: str = Field(max_length=3000)
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # audience specs
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))  # first (next) send
    recurrence: str | None = Field(default=None, max_length=64)  # None | daily | weekdays | weekly | RRULE:…
    status: str = Field(default="draft", max_length=16, index=True)  # draft | scheduled | sent | cancelled
    job_id: int | None = Field(default=None, index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
