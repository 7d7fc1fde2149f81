"""Tables for stored roles and the audit log."""

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
