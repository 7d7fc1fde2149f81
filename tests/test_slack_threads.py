"""Bot thread memory on SQLite and PostgreSQL: batched writes, duplicates ignored, other replicas see them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.threads import SlackThreadStore
from bot.db import Database, utcnow


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def test_threads_are_known_at_once_and_stored_in_one_batch(db: Database) -> None:
    mine, other = SlackThreadStore(db), SlackThreadStore(db)
    mine.add("T1", "C1", "1.1")
    mine.add("T1", "C1", "1.1")
    mine.add("T1", "C2", "2.2")
    assert mine.cached("T1", "C1", "1.1") and mine.is_known("T1", "C2", "2.2")
    assert not other.is_known("T1", "C1", "1.1")  # not flushed yet
    assert mine.pending == 2 and mine.flush() == 2 and mine.pending == 0
    assert other.is_known("T1", "C1", "1.1") and other.cached("T1", "C1", "1.1")
    assert not other.is_known("T2", "C1", "1.1") and not other.is_known("T1", "C1", "")
    other.add("T1", "C9", "9.9")
    other._pending.append(("T1", "C1", "1.1"))  # a thread another replica stored meanwhile
    assert other.flush() == 2  # no error on the duplicate
    assert mine.flush() == 0


def test_forget_old_threads(db: Database) -> None:
    store = SlackThreadStore(db)
    store.remember("T1", "C1", "1.1")
    assert store.forget_before(utcnow() - timedelta(days=1)) == 0
    assert store.forget_before(utcnow() + timedelta(seconds=1)) == 1
    assert not SlackThreadStore(db).is_known("T1", "C1", "1.1")
