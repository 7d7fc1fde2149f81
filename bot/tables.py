"""Core SQLModel tables: conversation state, processed events, the team directory and conversation references."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class ConversationState(SQLModel, table=True):
    """The durable state of one conversation key (the active multi-step flow and its data)."""

    __tablename__ = "conversation_state"
    key: str = Field(primary_key=True, max_length=512)
    intent: str | None = Field(default=None, max_length=64)
    step: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_at: datetime
    expires_at: datetime | None = None


class ProcessedEvent(SQLModel, table=True):
    """An event id claimed by a unique insert, so a redelivered event is answered once across replicas."""

    __tablename__ = "processed_event"
    event_id: str = Field(primary_key=True, max_length=255)
    created_at: datetime = Field(index=True)


class Team(SQLModel, table=True):
    """A team in the directory: costs, budgets and assessments belong to teams."""

    __tablename__ = "team"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    slack_channel: str | None = Field(default=None, max_length=64)
    teams_conversation: str | None = Field(default=None, max_length=512)
    created_at: datetime


class TeamMember(SQLModel, table=True):
    """A person in a team: ``user_ref`` is platform-qualified (``slack:U123``); role is owner or member."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "user_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    user_ref: str = Field(index=True, max_length=255)
    role: str = Field(default="member", max_length=16)


class ConversationRef(SQLModel, table=True):
    """Where the bot can post proactively: a channel, a DM or a Teams conversation reference."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("platform", "tenant", "channel", "user_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    tenant: str = Field(max_length=128)
    channel: str = Field(max_length=512)
    user_ref: str = Field(default="", max_length=255)  # "" for a channel, the user for a DM
    kind: str = Field(default="channel", max_length=16)  # channel | dm | group
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime
