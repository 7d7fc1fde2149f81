"""Conversation state store: load once, save once with an optimistic version check, claim event ids."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.db import Database, as_utc
from bot.tables import ConversationState, ProcessedEvent


class StaleStateError(RuntimeError):
    """Another turn (another replica) saved this conversation first."""


@dataclass
class FlowState:
    """The mutable per-conversation state an intent sees during one turn."""

    intent: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    expires_at: datetime | None = None
    expired: bool = False  # set by the loader when a flow timed out and was reset

    def start(self, intent: str, step: str, data: dict[str, Any] | None = None) -> None:
        """Enter a multi-step flow."""
        self.intent, self.step, self.data = intent, step, dict(data or {})

    def clear(self) -> None:
        """Leave any flow; remembered context (e.g. the last topic) is dropped too."""
        self.intent, self.step, self.data, self.expires_at = None, None, {}, None

    def snapshot(self) -> tuple[Any, ...]:
        """Comparable copy, to skip saving when a turn changed nothing."""
        return (self.intent, self.step, copy.deepcopy(self.data))


class ConversationStore:
    """SQL-backed conversation state and processed-event ids."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def claim_event(self, event_id: str, now: datetime) -> bool:
        """Insert the event id; False when some turn (any replica) already claimed it."""
        try:
            with self.db.session() as s:
                s.execute(insert(ProcessedEvent).values(event_id=event_id[:255], created_at=now))
            return True
        except IntegrityError:
            return False

    def load(self, key: str, now: datetime) -> FlowState:
        """The state for ``key``; an expired flow comes back cleared with ``expired`` set."""
        with self.db.session() as s:
            row = s.exec(select(ConversationState).where(ConversationState.key == key)).first()
        if row is None:
            return FlowState()
        state = FlowState(row.intent, row.step, dict(row.data or {}), row.version, as_utc(row.expires_at))
        if state.expires_at is not None and state.expires_at <= now:
            state.clear()
            state.expired = True
        return state

    def save(self, key: str, state: FlowState, now: datetime, ttl: timedelta) -> None:
        """Write the state if nobody else did since it was loaded; raises StaleStateError otherwise."""
        expires = now + ttl if (state.intent or state.data) else None
        values = dict(intent=state.intent, step=state.step, data=state.data, updated_at=now, expires_at=expires)
        with self.db.session() as s:
            if state.version == 0:
                try:
                    with s.begin_nested():
                        s.execute(insert(ConversationState).values(key=key, version=1, **values))
                except IntegrityError:
                    raise StaleStateError(key) from None
            else:
                result = s.execute(
                    update(ConversationState)
                    .where(ConversationState.key == key, ConversationState.version == state.version)
                    .values(version=ConversationState.version + 1, **values)
                )
                if result.rowcount != 1:
                    raise StaleStateError(key)
        state.version += 1
        state.expires_at = expires

    def forget_events_before(self, cutoff: datetime) -> int:
        """Drop old processed-event ids (platforms stop retrying after minutes)."""
        with self.db.session() as s:
            return s.execute(delete(ProcessedEvent).where(ProcessedEvent.created_at < cutoff)).rowcount
