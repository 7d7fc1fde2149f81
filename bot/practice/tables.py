"""Tables for roles, the audit log and scheduled jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class RoleGrant(SQLModel, table=True):
    """A stored role (admin or practitioner) for a platform-qualified user id."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_ref", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    user_ref: str = Field(index=True, max_length=255)
    role: str = Field(max_length=32)
    granted_by: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AuditEntry(SQLModel, table=True):
    """Who did what, when: role changes, budget changes, nudges and surveys."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    actor: str = Field(max_length=255)
    action: str = Field(max_length=64)
    subject: str = Field(default="", max_length=255)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


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
