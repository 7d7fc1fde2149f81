"""Per-recipient delivery records (nudges, surveys and budget alerts) and the daily per-recipient quota."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class DeliveryRecord(SQLModel, table=True):
    """One recipient of one occurrence of a nudge (or budget alert): claimed by a unique insert, so never twice."""

    __tablename__ = "delivery_record"
    __table_args__ = (UniqueConstraint("source", "occurrence", "recipient"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64, index=True)  # "nudge:3", "budget-alert:7"
    nudge_id: int | None = Field(default=None, foreign_key="nudge.id", index=True)
    occurrence: str = Field(max_length=64)  # "once", or the local date of a recurring send
    recipient: str = Field(max_length=255)  # "slack:channel:C123", "teams:dm:teams:29:abc"
    description: str = Field(max_length=255)  # "slack channel C123 (team payments)"
    platform: str = Field(max_length=16)
    status: str = Field(default="sending", max_length=16)  # sending | sent | failed | skipped
    reason: str | None = Field(default=None, max_length=500)
    message_id: str | None = Field(default=None, max_length=255)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class NudgeQuota(SQLModel, table=True):
    """How many nudges a recipient got on one local day (incremented with a conditional update)."""

    __tablename__ = "nudge_quota"
    __table_args__ = (UniqueConstraint("recipient", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=255)
    day: date
    count: int = 0

