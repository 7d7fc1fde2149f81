"""The scheduled job table (the scheduler's queue)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class ScheduledJob(SQLModel, table=True):
    """A unit of work due at a time, claimed by exactly one replica (``status`` moves pending → running → done)."""

    __tablename__ = "scheduled_job"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    status: str = Field(default="pending", max_length=16, index=True)
    recurrence: str | None = Field(default=None, max_length=64)  # None | daily | weekdays | weekly
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    last_error: str | None = Field(default=None, max_length=500)
    created_by: str = Field(default="system", max_length=255)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
