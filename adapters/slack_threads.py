"""Threads the bot replied in, so follow-ups there are answered without a new @mention."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

from bot.db import Database, utcnow

CACHE_SIZE = 10_000


class SlackThread(SQLModel, table=True):
    """A Slack thread (tenant, channel, root ts) the bot has replied in."""

    __tablename__ = "slack_thread"
    tenant: str = Field(primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=64)
    thread_ts: str = Field(primary_key=True, max_length=32)
    created_at: datetime = Field(index=True)


class SlackThreadStore:
    """Remembers bot threads in SQL (shared by replicas) with a small in-process cache of known threads."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    def _cached(self, ident: tuple[str, str, str]) -> None:
        self._cache[ident] = None
        self._cache.move_to_end(ident)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def remember(self, tenant: str, channel: str, thread_ts: str) -> None:
        """Record that the bot is in this thread (idempotent)."""
        ident = (tenant, channel, thread_ts)
        if not thread_ts or ident in self._cache:
            return
        try:
            with self.db.session() as s:
                s.execute(insert(SlackThread).values(tenant=tenant, channel=channel, thread_ts=thread_ts,
                                                     created_at=utcnow()))
        except IntegrityError:
            pass  # already known (another replica, or before a restart)
        self._cached(ident)

    def cached(self, tenant: str, channel: str, thread_ts: str) -> bool:
        """Known without asking the database (no thread hop on the hot path)."""
        return (tenant, channel, thread_ts) in self._cache

    def is_known(self, tenant: str, channel: str, thread_ts: str) -> bool:
        """Whether the bot replied in this thread."""
        ident = (tenant, channel, thread_ts)
        if ident in self._cache:
            return True
        t = SlackThread
        with self.db.session() as s:
            row = s.execute(select(t.thread_ts).where(t.tenant == tenant, t.channel == channel,
                                                      t.thread_ts == thread_ts)).first()
        if row is not None:
            self._cached(ident)
        return row is not None

    def forget_before(self, cutoff: datetime) -> int:
        """Drop threads older than the cutoff (old threads go quiet)."""
        with self.db.session() as s:
            return s.execute(delete(SlackThread).where(SlackThread.created_at < cutoff)).rowcount
