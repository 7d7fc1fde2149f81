"""Why stores are sync-in-a-thread: one turn's database work (claim event, load, save) both ways.

Runs 2,000 turns at 50 concurrent on SQLite and PostgreSQL through our ConversationStore (sync SQLAlchemy in the
database's worker threads) and through the same SQL on SQLAlchemy's async engine (aiosqlite / psycopg async), and
prints turns per second for both; then the turn as the router does it today (claim and load in one transaction,
then save, through ``Database.run_short``) against the same async baseline. ``python -m bench.db_turn``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import row
from bot.db import Database, utcnow
from bot.state import ConversationStore, StaleStateError
from bot.tables import ConversationState, ProcessedEvent

TURNS, CONCURRENCY, KEYS = 2000, 50, 200
PG_URL = os.environ.get("FINOPS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


async def _sync_turn(db: Database, store: ConversationStore, n: int) -> None:
    now = utcnow()
    if not await db.run(store.claim_event, f"e-{uuid.uuid4().hex}", now):
        return
    state = await db.run(store.load, f"k{n % KEYS}", now)
    state.data["n"] = n
    await db.run(store.save, f"k{n % KEYS}", state, now, timedelta(hours=1))


async def _routed_turn(db: Database, store: ConversationStore, n: int) -> None:
    now, key = utcnow(), f"k{n % KEYS}"
    state = await db.run_short(store.begin_turn, f"e-{uuid.uuid4().hex}", key, now)
    if state is None:
        return
    state.data["n"] = n
    await db.run_short(store.save, key, state, now, timedelta(hours=1))


async def _async_turn(engine: Any, n: int) -> None:
    now, key = utcnow(), f"k{n % KEYS}"
    async with engine.begin() as conn:
        try:
            await conn.execute(insert(ProcessedEvent).values(event_id=f"e-{uuid.uuid4().hex}", created_at=now))
        except IntegrityError:
            return
    async with engine.begin() as conn:
        row = (await conn.execute(select(ConversationState).where(ConversationState.key == key))).first()
    async with engine.begin() as conn:
        if row is None:
            await conn.execute(insert(ConversationState).values(key=key, data={"n": n}, version=1, updated_at=now))
        else:
            await conn.execute(update(ConversationState).where(ConversationState.key == key,
                                                               ConversationState.version == row.version)
                               .values(data={"n": n}, version=row.version + 1, updated_at=now))


async def _drive(turn: Any) -> float:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int) -> None:
        async with sem:
            # Two turns on one key at once (no router lock here) lose a race, as they would in production.
            with contextlib.suppress(IntegrityError, StaleStateError):
                await turn(n)

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(TURNS)))
    return TURNS / (time.perf_counter() - started)


def _measure(sync_url: str, async_url: str, turn: Any = _sync_turn) -> tuple[float, float]:
    db = Database(sync_url)
    db.upgrade()
    store = ConversationStore(db)
    sync_rate = asyncio.run(_drive(lambda n: turn(db, store, n)))
    db.dispose()

    async def run_async() -> float:
        engine = create_async_engine(async_url)
        try:
            return await _drive(lambda n: _async_turn(engine, n))
        finally:
            await engine.dispose()

    return sync_rate, asyncio.run(run_async())


def _pg_schema_urls() -> tuple[str, str, Any]:
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url, url, drop


def run() -> list[dict[str, Any]]:
    """Rows for the benchmark table: sync-in-thread turns/s vs async-engine turns/s, per database."""
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sync_rate, async_rate = _measure(f"sqlite:///{tmp}/a.db", f"sqlite+aiosqlite:///{tmp}/a.db")
        rows.append(("db turn (SQLite) turns/s", sync_rate, async_rate))
        routed, async_rate = _measure(f"sqlite:///{tmp}/b.db", f"sqlite+aiosqlite:///{tmp}/b.db", _routed_turn)
        rows.append(("db turn as routed (SQLite) turns/s", routed, async_rate))
    try:
        url, aurl, drop = _pg_schema_urls()
    except Exception as exc:  # PostgreSQL not running: say so instead of failing the whole suite
        print(f"db_turn: PostgreSQL skipped ({type(exc).__name__})")
    else:
        try:
            sync_rate, async_rate = _measure(url, aurl)
            rows.append(("db turn (PostgreSQL) turns/s", sync_rate, async_rate))
            routed, async_rate = _measure(url, aurl, _routed_turn)
            rows.append(("db turn as routed (PostgreSQL) turns/s", routed, async_rate))
        finally:
            drop()
    # The default database must not be slower than the async alternative; PostgreSQL is reported for the
    # README's trade-off (async psycopg is somewhat faster there), not held to a target.
    return [row(name, ours, base, "≥ 1 × async" if "SQLite" in name else "info (see README)",
                ours >= base if "SQLite" in name else True, "turns/s") for name, ours, base in rows]


if __name__ == "__main__":
    for row in run():
        print(row)
