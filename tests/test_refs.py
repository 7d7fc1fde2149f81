"""ConversationRefStore on SQLite and PostgreSQL: upsert, lookups, cache, validation."""

from __future__ import annotations

import pytest

from bot.db import Database
from bot.refs import ConversationRefStore


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def test_remember_upserts_and_finds(db: Database) -> None:
    refs = ConversationRefStore(db)
    assert refs.remember("slack", "T1", "C1", kind="channel", payload={"team_id": "T1"})
    assert refs.remember("slack", "T1", "D1", "slack:U1@T0001", "dm", {"team_id": "T1"})
    assert not refs.remember("slack", "T1", "D1", "slack:U1@T0001", "dm", {"team_id": "T1"})  # cached, no write
    assert refs.remember("slack", "T1", "D1", "slack:U1@T0001", "dm", {"team_id": "T1", "x": 1})  # payload changed
    other = ConversationRefStore(db)  # another replica: no cache, row exists → update, no duplicate
    assert other.remember("slack", "T1", "D1", "slack:U1@T0001", "dm", {"team_id": "T1", "x": 2})
    assert len(refs.list("slack")) == 2
    dm = refs.find("slack", user_ref="slack:U1@T0001")
    assert dm is not None and dm.channel == "D1" and dm.kind == "dm" and dm.payload["x"] == 2
    assert dm.updated_at.tzinfo is not None
    ch = refs.find("slack", channel="C1")
    assert ch is not None and ch.user_ref == "" and ch.tenant == "T1"
    assert refs.find("teams", channel="C1") is None
    assert refs.find("slack", channel="C1", tenant="T2") is None
    assert refs.list("teams") == [] and len(refs.list()) == 2


def test_remember_rejects_bad_input(db: Database) -> None:
    refs = ConversationRefStore(db)
    with pytest.raises(ValueError, match="kind"):
        refs.remember("slack", "T1", "C1", kind="room")
    with pytest.raises(ValueError, match="channel"):
        refs.remember("slack", "T1", "")
    assert refs.list() == []
