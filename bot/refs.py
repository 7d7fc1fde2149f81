"""Conversation references: where the bot may post proactively (channels, DMs, Teams conversations)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import Database, as_utc, rowcount, utcnow
from bot.tables import ConversationRef

KINDS = ("channel", "dm", "group")


@dataclass(frozen=True)
class StoredRef:
    """A read-only conversation reference."""

    platform: str
    tenant: str
    channel: str
    user_ref: str
    kind: str
    payload: dict[str, Any]
    updated_at: datetime


def _view(row: ConversationRef) -> StoredRef:
    return StoredRef(row.platform, row.tenant, row.channel, row.user_ref, row.kind, dict(row.payload or {}),
                     as_utc(row.updated_at) or row.updated_at)


class ConversationRefStore:
    """Upserts and lookups over ``conversation_ref``; repeated identical ``remember`` calls skip the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._known: dict[tuple[str, str, str, str], tuple[str, Any]] = {}

    def remember(self, platform: str, tenant: str, channel: str, user_ref: str = "", kind: str = "channel",
                 payload: dict[str, Any] | None = None) -> bool:
        """Record (or refresh) a reference; True when the database was written."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if not (platform and channel):
            raise ValueError("a conversation reference needs a platform and a channel")
        ident, body = (platform, tenant, channel, user_ref), dict(payload or {})
        if self._known.get(ident) == (kind, body):
            return False
        values = dict(kind=kind, payload=body, updated_at=utcnow())
        where = (col(ConversationRef.platform) == platform, col(ConversationRef.tenant) == tenant,
                 col(ConversationRef.channel) == channel, col(ConversationRef.user_ref) == user_ref)
        with self.db.session() as s:
            if rowcount(s.execute(update(ConversationRef).where(*where).values(**values))) == 0:
                try:
                    with s.begin_nested():
                        s.execute(insert(ConversationRef).values(platform=platform, tenant=tenant, channel=channel,
                                                                 user_ref=user_ref, **values))
                except IntegrityError:  # another replica inserted it first: update theirs
                    s.execute(update(ConversationRef).where(*where).values(**values))
        self._known[ident] = (kind, body)
        return True

    def find(self, platform: str, channel: str | None = None, user_ref: str | None = None,
             tenant: str | None = None) -> StoredRef | None:
        """The most recently refreshed reference matching every given filter, or None."""
        query = select(ConversationRef).where(ConversationRef.platform == platform)
        if channel is not None:
            query = query.where(ConversationRef.channel == channel)
        if user_ref is not None:
            query = query.where(ConversationRef.user_ref == user_ref)
        if tenant is not None:
            query = query.where(ConversationRef.tenant == tenant)
        with self.db.session() as s:
            row = s.exec(query.order_by(col(ConversationRef.updated_at).desc(), col(ConversationRef.id).desc())).first()
        return None if row is None else _view(row)

    def forget(self, platform: str, tenant: str, channel: str | None = None) -> int:
        """Delete the references of an uninstalled app (a whole workspace or tenant, or one conversation);
        later posts there are recorded as failed ("no conversation stored") instead of being attempted."""
        where = [col(ConversationRef.platform) == platform, col(ConversationRef.tenant) == tenant]
        if channel is not None:
            where.append(col(ConversationRef.channel) == channel)
        with self.db.session() as s:
            count = rowcount(s.execute(delete(ConversationRef).where(*where)))
        for ident in [i for i in self._known if i[:2] == (platform, tenant) and channel in (None, i[2])]:
            del self._known[ident]
        return int(count or 0)

    def list(self, platform: str | None = None) -> builtins.list[StoredRef]:
        """All references (of one platform when given), oldest first."""
        query = select(ConversationRef)
        if platform is not None:
            query = query.where(ConversationRef.platform == platform)
        with self.db.session() as s:
            rows = s.exec(query.order_by(col(ConversationRef.id))).all()
        return [_view(r) for r in rows]
