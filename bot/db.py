"""Database engine, sessions and migrations. One code path for SQLite (default) and PostgreSQL.

Stores are synchronous SQLAlchemy code; async callers hop to a worker thread with ``Database.run``.
Why not async sessions: see the README's architecture section (measured, simpler, same speed here).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x66696E6F7073  # PostgreSQL advisory lock key held while migrating ("finops")

# Errors that mean "the database is not reachable right now" rather than a bug in our SQL.
# Database worker threads per process (== pooled connections). SQLite has one writer at a time: more threads only
# sleep in its busy handler (bench/slack_load: one thread gave +20-30 % throughput and half the p99).
THREADS = {"sqlite": 1, "postgresql": 12}

UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, DBAPIError, ConnectionError)


def utcnow() -> datetime:
    """Timezone-aware now in UTC (all stored times are UTC)."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: treat them as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """Create an engine with the per-dialect settings we rely on (WAL and busy timeout on SQLite)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    size = THREADS["postgresql"]
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=size, pool_recycle=1800)


class Database:
    """The engine plus helpers to open sessions and to run blocking store calls off the event loop."""

    def __init__(self, url: str, *, inline: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name  # "sqlite" | "postgresql"
        # Our own pool, sized to the connection pool: the loop's default executor (cores + 4 threads) is
        # shared with DNS and file I/O and starves PostgreSQL concurrency on small machines.
        # Terminal commands (chat, ask) serve one person: a thread hop per call costs more than the query. The server
        # keeps worker threads, so a write lock held by another process (a cost import) never blocks its event loop.
        self.inline = inline
        self._executor = ThreadPoolExecutor(max_workers=THREADS.get(self.dialect, 4), thread_name_prefix="db")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking store call in one of the database worker threads (or inline, for terminal commands)."""
        if self.inline:
            return fn(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except UNAVAILABLE_ERRORS:
            return False

    def upgrade(self) -> None:
        """Apply every Alembic migration (all heads: features add their own branches)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":  # replicas starting together: one migrates, the others wait and no-op
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")

    def dispose(self) -> None:
        """Close pooled connections and stop the worker threads."""
        self._executor.shutdown(wait=False)
        self.engine.dispose()
