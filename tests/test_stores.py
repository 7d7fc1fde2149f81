"""Store tests, run on SQLite and PostgreSQL: teams, conversation state, event claims, migrations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import Database, utcnow
from bot.directory import TeamStore
from bot.state import ConversationStore, FlowState, StaleStateError


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def test_migrations_are_idempotent(db: Database) -> None:
    db.upgrade()
    db.upgrade()
    assert db.ping()


def test_team_directory_roundtrip(db: Database) -> None:
    teams = TeamStore(db)
    assert teams.is_empty()
    teams.upsert("payments", ("pay", "billing-svc"), slack_channel="C1")
    teams.add_member("payments", "slack:U1@T0001", "owner")
    teams.add_member("payments", "teams:29:abc@72f988bf-tenant", "member")
    teams.upsert("checkout", ("cart",))
    info = teams.get("PAY")
    assert info is not None and info.name == "payments" and info.slack_channel == "C1"
    assert info.owners == ("slack:U1@T0001",) and info.members == ("teams:29:abc@72f988bf-tenant",)
    assert [t.name for t in teams.teams_for_user("slack:U1@T0001")] == ["payments"]
    found, _ = teams.find("paymnts")
    assert found is not None and found.name == "payments"
    none, suggestions = teams.find("zzzz")
    assert none is None and len(suggestions) <= 3
    teams.upsert("payments", slack_channel=None)  # None leaves the channel alone
    assert teams.get("payments").slack_channel == "C1"
    assert teams.remove_member("payments", "teams:29:abc@72f988bf-tenant")
    assert not teams.remove_member("payments", "nobody")
    with pytest.raises(LookupError):
        teams.add_member("nope", "slack:U1@T0001")


def test_conversation_state_versioning(db: Database) -> None:
    store, now = ConversationStore(db), utcnow()
    state = store.load("k", now)
    assert state.version == 0
    state.start("assessment", "q1", {"answers": [1, 2]})
    store.save("k", state, now, timedelta(hours=1))
    loaded = store.load("k", now)
    assert loaded.version == 1 and loaded.data == {"answers": [1, 2]} and loaded.step == "q1"
    other = FlowState(version=0)
    with pytest.raises(StaleStateError):
        store.save("k", other, now, timedelta(hours=1))
    loaded.data["answers"].append(3)
    store.save("k", loaded, now, timedelta(hours=1))
    stale = FlowState(version=1)
    with pytest.raises(StaleStateError):
        store.save("k", stale, now, timedelta(hours=1))
    assert store.load("k", now).data == {"answers": [1, 2, 3]}
    assert store.load("k", now + timedelta(hours=2)).expired


def test_event_claims(db: Database) -> None:
    store, now = ConversationStore(db), utcnow()
    assert store.claim_event("E1", now)
    assert not store.claim_event("E1", now)
    assert store.forget_events_before(now + timedelta(seconds=1)) == 1
    assert store.claim_event("E1", now)
