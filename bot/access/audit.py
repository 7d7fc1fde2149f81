"""The audit log: every role change, budget change, nudge and survey action, with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select

from bot.access.tables import AuditEntry
from bot.db import Database, as_utc, utcnow


@dataclass(frozen=True)
class AuditRecord:
    """One audit line."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]

    def line(self) -> str:
        """Compact human form: ``2026-11-23 10:02 slack:U1 role.grant practitioner → slack:U2``."""
        extra = ", ".join(f"{k}={v}" for k, v in self.detail.items())
        subject = f" {self.subject}" if self.subject else ""
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}{subject}" + (f" ({extra})" if extra else "")


class AuditLog:
    """Append-only audit records (never survey answers or message text)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, actor: str, action: str, subject: str = "", **detail: Any) -> None:
        """Append one entry in its own transaction."""
        with self.db.session() as s:
            s.add(AuditEntry(at=utcnow(), actor=actor, action=action, subject=subject[:255], detail=detail))

    def recent(self, limit: int = 20) -> list[AuditRecord]:
        """The newest entries first."""
        with self.db.session() as s:
            rows = s.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
        return [AuditRecord(as_utc(r.at), r.actor, r.action, r.subject, dict(r.detail)) for r in rows]  # type: ignore[arg-type]
