"""Threads the bot replied in (Slack threads, Teams channel threads), so follow-ups there are answered without a
new @mention.

Writes are batched: ``add`` records a thread in process memory at once (this replica knows it immediately) and
``flush`` (run by the adapter every ``FLUSH_SECONDS`` and at shutdown) stores the batch in one statement that
ignores threads already stored, so a mention costs no database round trip of its own. One store class, one table
per platform (their ids differ in shape and length).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, SQLModel

from bot.db import Database, utcnow

CACHE_SIZE = 10_000
FLUSH_SECONDS = 0.25

Thread = tuple[str, str, str]  # tenant, channel, thread_ts


class SlackThread(SQLModel, table=True):
    """A Slack thread (tenant, channel, root ts) the bot has replied in."""

    __tablename__ = "slack_thread"
    tenant: str = Field(primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=64)
    thread_ts: str = Field(primary_key=True, max_length=32)
    created_at: datetime = Field(index=True)


class TeamsThread(SQLModel, table=True):
    """A Teams channel thread (tenant id, channel ``19:…@thread.tacv2``, root message id) the bot replied in."""

    __tablename__ = "teams_thread"
    tenant: str = Field(primary_key=True, max_length=64)
    channel: str = Field(primary_key=True, max_length=255)
    thread_ts: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(index=True)


class ThreadStore:
    """Bot threads in SQL (shared by replicas), a bounded in-process cache, and a batch of unsaved threads."""

    table: type[SlackThread] | type[TeamsThread] = SlackThread

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: OrderedDict[Thread, None] = OrderedDict()
        self._pending: list[Thread] = []
        insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
        self._insert = insert(self.table.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]

    def _cached(self, ident: Thread) -> None:
        self._cache[ident] = None
        self._cache.move_to_end(ident)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def add(self, tenant: str, channel: str, thread_ts: str) -> None:
        """Remember a thread now (in memory); it is stored with the next ``flush``. Never blocks."""
        ident = (tenant, channel, thread_ts)
        if thread_ts and ident not in self._cache:
            self._cached(ident)
            self._pending.append(ident)

    @property
    def pending(self) -> int:
        """Threads not stored yet."""
        return len(self._pending)

    def flush(self) -> int:
        """Store the pending threads in one statement (already-stored ones are skipped); returns how many."""
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        now = utcnow()
        rows = [{"tenant": t, "channel": c, "thread_ts": ts, "created_at": now} for t, c, ts in dict.fromkeys(batch)]
        try:
            with self.db.engine.begin() as conn:  # Core executemany: a tenth of the ORM's bulk-insert cost
                conn.execute(self._insert, rows)
        except Exception:
            self._pending = batch + self._pending  # keep them for the next try
            raise
        return len(rows)

    def remember(self, tenant: str, channel: str, thread_ts: str) -> None:
        """Record and store at once (for callers without a flush loop)."""
        self.add(tenant, channel, thread_ts)
        self.flush()

    def cached(self, tenant: str, channel: str, thread_ts: str) -> bool:
        """Known without asking the database (no thread hop on the hot path)."""
        return (tenant, channel, thread_ts) in self._cache

    def is_known(self, tenant: str, channel: str, thread_ts: str) -> bool:
        """Whether the bot replied in this thread (this replica's memory, then the database)."""
        ident = (tenant, channel, thread_ts)
        if ident in self._cache:
            return True
        t = self.table
        with self.db.session() as s:
            row = s.execute(select(t.thread_ts).where(t.tenant == tenant, t.channel == channel,
                                                      t.thread_ts == thread_ts)).first()
        if row is not None:
            self._cached(ident)
        return row is not None

    def forget(self, tenant: str, channel: str | None = None) -> int:
        """Drop the threads of a workspace (or of one channel) that uninstalled the app: memory, batch and table."""
        def gone(ident: Thread) -> bool:
            return ident[0] == tenant and channel in (None, ident[1])

        self._pending = [t for t in self._pending if not gone(t)]
        for ident in [i for i in self._cache if gone(i)]:
            del self._cache[ident]
        where = [self.table.tenant == tenant] + ([self.table.channel == channel] if channel is not None else [])
        with self.db.session() as s:
            return s.execute(delete(self.table).where(*where)).rowcount

    def forget_before(self, cutoff: datetime) -> int:
        """Drop threads older than the cutoff (old threads go quiet)."""
        with self.db.session() as s:
            return s.execute(delete(self.table).where(self.table.created_at < cutoff)).rowcount


class SlackThreadStore(ThreadStore):
    """Slack threads the bot replied in."""

    table = SlackThread


class TeamsThreadStore(ThreadStore):
    """Teams channel threads the bot replied in."""

    table = TeamsThread
