"""``Database.run_short``: SQLite short calls on the event loop that never wait for another writer's lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.db import Database, utcnow
from bot.state import ConversationStore, FlowState


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'short.db'}")
    db.upgrade()
    yield db
    db.dispose()


async def test_short_calls_run_on_the_loop_thread(sqlite_db: Database) -> None:
    store = ConversationStore(sqlite_db)
    seen: list[str] = []

    def claim(event_id: str) -> FlowState | None:
        seen.append(threading.current_thread().name)
        return store.begin_turn(event_id, "k", utcnow())

    assert await sqlite_db.run_short(claim, "e1") is not None
    assert await sqlite_db.run_short(claim, "e1") is None  # claimed once, on either engine
    assert seen == [threading.current_thread().name] * 2


async def test_a_held_write_lock_sends_the_call_to_a_worker_thread_without_blocking_the_loop(
    sqlite_db: Database, tmp_path: Path
) -> None:
    store = ConversationStore(sqlite_db)
    other = sqlite3.connect(tmp_path / "short.db", isolation_level=None)  # another process's cost import, say
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO processed_event (event_id, created_at) VALUES ('theirs', '2026-01-01')")
    threads: list[str] = []

    def claim() -> FlowState | None:
        threads.append(threading.current_thread().name)
        return store.begin_turn("mine", "k", utcnow())

    turn = asyncio.create_task(sqlite_db.run_short(claim))
    ticks = 0
    started = time.monotonic()
    while time.monotonic() - started < 0.3:  # the loop keeps running while the turn waits for the lock
        await asyncio.sleep(0.01)
        ticks += 1
    assert not turn.done()
    assert ticks >= 3  # a blocked loop would tick at most once in those 0.3 s; a loaded machine still ticks a few
    other.execute("COMMIT")
    other.close()
    state = await asyncio.wait_for(turn, timeout=10)
    assert state is not None and state.version == 0
    assert threads[0] == threading.current_thread().name and threads[1].startswith("db")
    assert await sqlite_db.run_short(store.begin_turn, "mine", "k", utcnow()) is None  # stored exactly once


async def test_a_failed_save_on_the_loop_is_retried_whole_in_a_thread(sqlite_db: Database, tmp_path: Path) -> None:
    store = ConversationStore(sqlite_db)
    state = await sqlite_db.run_short(store.begin_turn, "e1", "key", utcnow())
    assert state is not None
    state.intent, state.data = "assessment", {"answers": [3]}
    other = sqlite3.connect(tmp_path / "short.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    save = asyncio.create_task(sqlite_db.run_short(store.save, "key", state, utcnow(), timedelta(hours=1)))
    await asyncio.sleep(0.2)
    other.execute("ROLLBACK")
    other.close()
    await asyncio.wait_for(save, timeout=10)
    assert state.version == 1  # bumped once: the failed attempt on the loop changed nothing
    loaded = store.load("key", utcnow())
    assert (loaded.intent, loaded.data, loaded.version) == ("assessment", {"answers": [3]}, 1)


async def test_postgresql_and_terminal_databases_use_the_usual_path(pg_url: str, tmp_path: Path) -> None:
    for db in (Database(pg_url), Database(f"sqlite:///{tmp_path / 'inline.db'}", inline=True)):
        try:
            assert db._no_wait_engine is None
            assert await db.run_short(lambda: 42) == 42
        finally:
            db.dispose()
