"""Database engine, sessions and migrations. One code path for SQLite (default) and PostgreSQL.

Stores are synchronous SQLAlchemy code; async callers hop to a worker thread with ``Database.run``.
Why not async sessions: see the README's architecture section (measured, simpler, same speed here).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
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
SQLITE_BUSY_MS = 30_000  # how long a worker thread waits for another writer (a cost import in another process)
_ON_LOOP: ContextVar[bool] = ContextVar("finops_db_on_loop", default=False)  # set while run_short runs inline


def utcnow() -> datetime:
    """Timezone-aware now in UTC (all stored times are UTC)."""
    return datetime.now(UTC)


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE changed (``CursorResult.rowcount``; the generic ``Result`` type does not declare it)."""
    return int(result.rowcount)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: treat them as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _owner_only(url: str) -> None:
    """Create the SQLite file readable by its owner only (0600; SQLite gives -wal/-shm the same mode)."""
    path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
    if not path or path == ":memory:":
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        os.chmod(path, 0o600)
    except OSError:  # a read-only or missing folder: SQLite itself will say so
        pass


def make_engine(url: str, *, busy_ms: int = SQLITE_BUSY_MS) -> Engine:
    """Create an engine with the per-dialect settings we rely on (WAL and busy timeout on SQLite)."""
    if url.startswith("sqlite"):
        _owner_only(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cur.close()

        return engine
    size = THREADS["postgresql"]
    engine = create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=size, pool_recycle=1800)

    @event.listens_for(engine, "connect")
    def _session(dbapi_conn: Any, _record: Any) -> None:
        # The bot's queries are short index lookups over large tables: PostgreSQL's JIT would compile them (its
        # cost estimate passes jit_above_cost) and that alone took ~10 ms per question (bench.cost_queries).
        with dbapi_conn.cursor() as cur:
            cur.execute("SET jit = off")
        dbapi_conn.commit()

    return engine


class Database:
    """The engine plus helpers to open sessions and to run blocking store calls off the event loop."""

    def __init__(self, url: str, *, inline: bool = False) -> None:
        self.url = url
        self._engine = make_engine(url)
        self.dialect = self._engine.dialect.name  # "sqlite" | "postgresql"
        # SQLite in the server: short calls run on the event loop through connections that never wait for the write
        # lock (see run_short). Not for ":memory:" databases, where each engine would see a database of its own.
        self._no_wait_engine = (make_engine(url, busy_ms=0)
                                if self.dialect == "sqlite" and not inline and ":memory:" not in url else None)
        # Our own pool, sized to the connection pool: the loop's default executor (cores + 4 threads) is
        # shared with DNS and file I/O and starves PostgreSQL concurrency on small machines.
        # Terminal commands (chat, ask) serve one person: a thread hop per call costs more than the query. The server
        # keeps worker threads, so a write lock held by another process (a cost import) never blocks its event loop.
        self.inline = inline
        self._executor = ThreadPoolExecutor(max_workers=THREADS.get(self.dialect, 4), thread_name_prefix="db")

    @property
    def engine(self) -> Engine:
        """The engine for the calling code: the no-wait one inside ``run_short`` on SQLite, else the usual one."""
        if self._no_wait_engine is not None and _ON_LOOP.get():
            return self._no_wait_engine
        return self._engine

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

    async def run_short(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a short store call (a few rows by key, one transaction that changes nothing before it fails).

        PostgreSQL: a worker thread, like ``run``. SQLite: on the event loop itself, which saves the thread hop and
        the GIL hand-offs that cost more than the query (``bench/slack_load``: +15-25 % events/s) — through a
        connection that never waits: when another writer holds the lock (a cost import in another process), the
        call fails at once, rolls back and runs again in a worker thread that may wait, so the loop never blocks
        on a lock.
        """
        if self.inline or self._no_wait_engine is None:
            return await self.run(fn, *args, **kwargs)
        token = _ON_LOOP.set(True)
        try:
            return fn(*args, **kwargs)
        except OperationalError as exc:
            if not _locked(exc):
                raise
        finally:
            _ON_LOOP.reset(token)
        return await self.run(fn, *args, **kwargs)  # run_in_executor does not copy the context: the waiting engine

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except UNAVAILABLE_ERRORS:
            return False

    def upgrade(self, *revisions: str) -> None:
        """Apply every Alembic migration (all heads: features add their own branches), or up to ``revisions``."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":  # replicas starting together: one migrates, the others wait and no-op
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            if not revisions and _applied(conn) == _heads():
                return  # at every head already: no need to load and walk the migration scripts (~30 ms a start)
            cfg.attributes["connection"] = conn
            for revision in revisions or ("heads",):
                command.upgrade(cfg, revision)

    def dispose(self) -> None:
        """Close pooled connections and stop the worker threads."""
        self._executor.shutdown(wait=False)
        self._engine.dispose()
        if self._no_wait_engine is not None:
            self._no_wait_engine.dispose()


@functools.lru_cache(maxsize=1)
def _heads() -> frozenset[str]:
    """The head revision of every migration branch (the scripts do not change while a process runs)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def _applied(conn: Any) -> frozenset[str]:
    """The revisions recorded in ``alembic_version`` (empty before the first migration). The table is looked up
    in the catalog (an Inspector costs more than the query, and a failed query would abort a PostgreSQL
    transaction)."""
    if conn.dialect.name == "postgresql":
        exists = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
    elif conn.dialect.name == "sqlite":
        exists = conn.execute(text("SELECT count(*) > 0 FROM sqlite_master "
                                   "WHERE type = 'table' AND name = 'alembic_version'")).scalar()
    else:
        from sqlalchemy import inspect

        exists = inspect(conn).has_table("alembic_version")
    if not exists:
        return frozenset()
    return frozenset(r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version")))


def _locked(exc: OperationalError) -> bool:
    """SQLite's "database is locked" / "database table is locked" (SQLITE_BUSY / SQLITE_LOCKED)."""
    return "locked" in str(exc.orig)
