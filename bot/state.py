"""Conversation state store: load once, save once with an optimistic version check, claim event ids."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import Database, as_utc, rowcount
from bot.tables import ConversationState, ProcessedEvent

_LOAD = (select(ConversationState.intent, ConversationState.step, ConversationState.data,  # type: ignore[call-overload]
                 ConversationState.version, ConversationState.expires_at)
         .where(col(ConversationState.key) == bindparam("key")))


_STATE_PARAMS = {"intent": bindparam("p_intent"), "step": bindparam("p_step"),
                 "data": bindparam("p_data", type_=ConversationState.__table__.c.data.type),  # type: ignore[attr-defined]
                 "updated_at": bindparam("p_updated"), "expires_at": bindparam("p_expires")}
_UPDATE = (update(ConversationState)
           .where(col(ConversationState.key) == bindparam("p_key"),
                  col(ConversationState.version) == bindparam("p_version"))
           .values(version=ConversationState.version + 1, **_STATE_PARAMS))


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
        dialect_insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
        self._claim = dialect_insert(ProcessedEvent).values(
            event_id=bindparam("event_id"), created_at=bindparam("created_at")
        ).on_conflict_do_nothing().returning(col(ProcessedEvent.event_id))
        self._create = dialect_insert(ConversationState).values(
            key=bindparam("p_key"), version=1, **_STATE_PARAMS
        ).on_conflict_do_nothing().returning(col(ConversationState.key))

    def claim_event(self, event_id: str, now: datetime) -> bool:
        """Insert the event id; False when some turn (any replica) already claimed it."""
        try:
            with self.db.session() as s:
                s.execute(insert(ProcessedEvent).values(event_id=event_id[:255], created_at=now))
            return True
        except IntegrityError:
            return False

    def begin_turn(self, event_id: str, key: str, now: datetime) -> FlowState | None:
        """Claim the event and load the state in one transaction; None when the event was already claimed."""
        # Runs on every turn: prebuilt Core statements on one connection, and INSERT … ON CONFLICT DO NOTHING
        # instead of a savepoint (half the statements; the claim is still a unique insert).
        with self.db.engine.begin() as conn:
            claimed = conn.execute(self._claim, {"event_id": event_id[:255], "created_at": now}).first()
            if claimed is None:  # RETURNING gives no row when the insert hit the conflict
                return None
            row = conn.execute(_LOAD, {"key": key}).first()
        return self._state(row, now)

    def load(self, key: str, now: datetime) -> FlowState:
        """The state for ``key``; an expired flow comes back cleared with ``expired`` set."""
        with self.db.session() as s:
            row = s.exec(select(ConversationState).where(ConversationState.key == key)).first()
        return self._state(row, now)

    @staticmethod
    def _state(row: Any, now: datetime) -> FlowState:
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
        params = {"p_key": key, "p_version": state.version, "p_intent": state.intent, "p_step": state.step,
                  "p_data": state.data, "p_updated": now, "p_expires": expires}
        with self.db.engine.begin() as conn:
            if state.version == 0:
                saved = conn.execute(self._create, params).first() is not None
            else:
                saved = conn.execute(_UPDATE, params).rowcount == 1
        if not saved:
            raise StaleStateError(key)
        state.version += 1
        state.expires_at = expires

    def forget_events_before(self, cutoff: datetime) -> int:
        """Drop old processed-event ids (platforms stop retrying after minutes)."""
        with self.db.session() as s:
            return rowcount(s.execute(delete(ProcessedEvent).where(col(ProcessedEvent.created_at) < cutoff)))
