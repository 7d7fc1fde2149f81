"""Stored nudges: create, read, list, edit, change status (synchronous; call through ``db.run``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from bot.db import Database, as_utc, utcnow
from bot.nudges.tables import Nudge

MAX_TEXT = 3000
STATUSES = ("draft", "scheduled", "sent", "cancelled")


@dataclass(frozen=True)
class NudgeView:
    """A read-only nudge."""

    id: int
    author: str
    text: str
    audience: tuple[str, ...]
    due_at: datetime
    recurrence: str | None
    status: str
    job_id: int | None
    created_at: datetime


def _view(row: Nudge) -> NudgeView:
    assert row.id is not None
    return NudgeView(row.id, row.author, row.text, tuple(row.audience or ()), as_utc(row.due_at) or row.due_at,
                     row.recurrence, row.status, row.job_id, as_utc(row.created_at) or row.created_at)


def check_text(text: str) -> str:
    """The nudge text, stripped; ValueError when empty or too long."""
    text = text.strip()
    if not text:
        raise ValueError("the nudge has no text")
    if len(text) > MAX_TEXT:
        raise ValueError(f"the nudge is {len(text):,} characters long; the limit is {MAX_TEXT:,}")
    return text


class NudgeStore:
    """CRUD over the ``nudge`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, author: str, text: str, audience: list[str], due_at: datetime,
               recurrence: str | None = None) -> NudgeView:
        """A new draft nudge."""
        if not audience:
            raise ValueError("the nudge has no audience")
        now = utcnow()
        with self.db.session() as s:
            row = Nudge(author=author, text=check_text(text), audience=list(audience), due_at=due_at,
                        recurrence=recurrence, status="draft", created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            return _view(row)

    def get(self, nudge_id: int) -> NudgeView | None:
        """A nudge by id."""
        with self.db.session() as s:
            row = s.get(Nudge, nudge_id)
            return None if row is None else _view(row)

    def update(self, nudge_id: int, **values: Any) -> NudgeView | None:
        """Change fields (text, due_at, recurrence, status, job_id); None when the nudge does not exist."""
        if "text" in values:
            values["text"] = check_text(values["text"])
        if values.get("status", "draft") not in STATUSES:
            raise ValueError(f"unknown nudge status {values['status']!r}")
        with self.db.session() as s:
            row = s.get(Nudge, nudge_id)
            if row is None:
                return None
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            s.add(row)
            s.flush()
            return _view(row)

    def list(self, statuses: tuple[str, ...] = ("scheduled",), limit: int = 50) -> list[NudgeView]:
        """Nudges in the given statuses, soonest due first."""
        with self.db.session() as s:
            rows = s.exec(select(Nudge).where(col(Nudge.status).in_(statuses))
                          .order_by(col(Nudge.due_at), col(Nudge.id)).limit(limit)).all()
        return [_view(r) for r in rows]
