"""Shared fixtures: databases (SQLite and PostgreSQL, each test isolated), a wired bot, a network guard."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from bot.app import Bot, build_bot, build_web_app
from bot.config import Settings
from bot.models import ConversationKey, IncomingMessage
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.teams_activities import TeamsClient
from tests.pg_databases import PgDatabases

# This machine sets PYTHONDONTWRITEBYTECODE=1. Without bytecode, every xdist worker parses and assertion-rewrites
# all test modules again (collection 6.4 s instead of 3.0 s) and every process a test starts (CLI, ``serve``)
# compiles the whole project again; the test run writes ``__pycache__`` (git-ignored) as Python does by default.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

PG_ADMIN_URL = os.environ.get("FINOPS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# --- workers: one per CPU plus one --------------------------------------------------------------------
@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n logical`` (pyproject.toml): one worker per CPU plus one. About a third of the suite's worker time is
    waiting (processes starting, rate-limit windows, retry-after), which the extra worker fills: on 2 cores,
    3 workers took 117-124 s against 138-154 s for 2 and 127 s for 4. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` overrides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    return (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1) + 1


def pytest_configure(config: pytest.Config) -> None:
    """The controller trains (or loads) the understanding model once before the workers start: on a fresh checkout
    each worker would otherwise train it at its first bot (~10 s of CPU each) and race to write the cache file."""
    if hasattr(config, "workerinput") or config.getoption("collectonly", False):
        return
    from bot.understanding.store import load_or_train_for
    from intents import INTENTS
    from knowledge.base import KnowledgeBase

    load_or_train_for({cls.name for cls in INTENTS}, KnowledgeBase.load())


# --- network guard: tests may only talk to loopback (and unix sockets) -----------------------------
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"tests may not reach the network ({host})")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


# --- databases --------------------------------------------------------------------------------------
def _pg_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_available() -> bool:
    """Whether PostgreSQL answers; under CI=true a missing server fails instead of skipping."""
    ok = _pg_available()
    if not ok and IN_CI:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} (CI=true: PostgreSQL tests must run)")
    return ok


def _migrate(url: str) -> None:
    from bot.db import Database

    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def _pg_databases(pg_available: bool) -> Iterator[PgDatabases | None]:
    """This worker's maker of test databases (copies made ahead, dropped behind, on a thread)."""
    if not pg_available:
        yield None
        return
    made = PgDatabases(PG_ADMIN_URL)
    yield made
    made.close()


@pytest.fixture(scope="session")
def _pg_template(pg_available: bool, _pg_databases: PgDatabases | None) -> Iterator[str | None]:
    """A PostgreSQL database migrated once per test run; each test gets a copy (``CREATE DATABASE … TEMPLATE``)."""
    if not pg_available or _pg_databases is None:
        yield None
        return
    name = f"finops_tmpl_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        _migrate(_pg_database_url(name))
        yield name
    finally:
        _pg_databases.forget(name)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _pg_database_url(name: str) -> str:
    """PG_ADMIN_URL pointing at database ``name`` (query options kept)."""
    return str(sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))


@pytest.fixture
def pg_url(_pg_template: str | None, _pg_databases: PgDatabases | None) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of its own (a copy of the run's template), dropped afterwards."""
    if _pg_template is None or _pg_databases is None:
        pytest.skip(reason="PostgreSQL is not reachable (set CI=true to make this a failure)")
    name = _pg_databases.take(_pg_template)
    yield _pg_database_url(name)
    _pg_databases.give_back(name)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once per test run; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """A fresh, migrated SQLite file of its own (a copy of the run's template)."""
    path = tmp_path / "test.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Both databases: every test using this runs on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(name)


def _load_demo(url: str) -> None:
    build_bot(make_settings(url), demo=True).services.db.dispose()


@pytest.fixture(scope="session")
def _sqlite_demo_template(_sqlite_template: Path) -> Path:
    """The migrated SQLite template with the demo loaded, once per run (the demo load is ~0.3 s a bot)."""
    path = _sqlite_template.with_name("demo.db")
    shutil.copyfile(_sqlite_template, path)
    _load_demo(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_demo_url(tmp_path: Path, _sqlite_demo_template: Path) -> str:
    """A fresh SQLite copy holding the demo data."""
    path = tmp_path / "demo.db"
    shutil.copyfile(_sqlite_demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _pg_demo_template(_pg_template: str | None, _pg_databases: PgDatabases | None) -> Iterator[str | None]:
    """The PostgreSQL template with the demo loaded, once per run."""
    if _pg_template is None or _pg_databases is None:
        yield None
        return
    name = f"{_pg_template}_demo"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template}"'))
    try:
        _load_demo(_pg_database_url(name))
        yield name
    finally:
        _pg_databases.forget(name)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Both databases, each a fresh copy holding the demo data (what ``build_bot(…, demo=True)`` loads into an
    empty database, loaded once per run): for tests whose bots start from the demo."""
    if request.param == "sqlite":
        path = tmp_path / "demo.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_demo_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("_pg_demo_template")
    made: PgDatabases | None = request.getfixturevalue("_pg_databases")
    if template is None or made is None:
        pytest.skip(reason="PostgreSQL is not reachable (set CI=true to make this a failure)")
    name = made.take(template)
    yield _pg_database_url(name)
    made.give_back(name)


TEST_TENANTS = {"slack": "T0001", "teams": "72f988bf-tenant"}  # the workspace/tenant of the Slack and Teams fakes


def make_settings(url: str, **overrides: object) -> Settings:
    """Settings for tests: no secrets, no environment."""
    base = Settings.from_env({"DATABASE_URL": url})
    local = {"teams_local_test": True, "teams_test_service_urls": ("http://127.0.0.1",)}  # the fake connector
    return base.replace(**{**local, **overrides})


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Test settings on the parametrized database."""
    return make_settings(db_url)


@pytest.fixture
def demo_settings(demo_url: str) -> Settings:
    """Test settings on a fresh copy of the demo database (both databases)."""
    return make_settings(demo_url)


@pytest.fixture
def bot(demo_url: str) -> Iterator[Bot]:
    """A migrated bot with demo data on the parametrized database."""
    b = build_bot(make_settings(demo_url), demo=True)
    yield b
    b.services.db.dispose()


def message(text: str, user: str = "you", thread: str = "t1", event_id: str | None = None,
            platform: str = "console", channel: str = "console", tenant: str = "",
            **kw: object) -> IncomingMessage:
    """A console message with a unique event id unless one is given (Slack and Teams: the fakes' workspaces)."""
    key = ConversationKey(platform, tenant or TEST_TENANTS.get(platform, "local"), channel, thread, user)
    return IncomingMessage(key, text, event_id or uuid.uuid4().hex, is_direct=True, **kw)  # type: ignore[arg-type]


# --- Slack: the real app against a local fake Web API -------------------------------------------------------------
@pytest.fixture
async def fake() -> AsyncIterator[Any]:
    """A local fake of the Slack Web API (``fake.api_url`` for the client; ``fake.of(method)`` for the calls)."""
    from tests.fakes.slack_api import FakeSlackAPI

    api = FakeSlackAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def slack(demo_url: str, aiohttp_client: Any) -> AsyncIterator[Any]:
    """The bot (demo data) served with Slack on, on both databases; ``slack:U1`` is a FinOps practitioner."""
    from tests.fakes.slack_harness import start_harness  # it imports this module's make_settings

    h = await start_harness(demo_url, aiohttp_client)
    h.bot.services.roles.grant("slack:U1@T0001", "practitioner", "test")
    yield h
    await h.fake.stop()


# --- Teams: a local fake Bot Framework connector; test modules define their own ``teams_bot`` -------------------
@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """A fake Bot Framework connector on loopback (records what the bot posts)."""
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def client(teams_bot: Bot, aiohttp_client: Any) -> TestClient:
    """The real aiohttp app of the module's ``teams_bot``."""
    return await aiohttp_client(build_web_app(teams_bot))


@pytest.fixture
def fakes(fake: Any, connector: FakeConnector) -> tuple[Any, FakeConnector]:
    """The fake Slack Web API and the fake Bot Framework connector together."""
    return fake, connector


@pytest.fixture
def user(connector: FakeConnector) -> TeamsClient:
    """A Teams user whose activities carry the fake connector as serviceUrl."""
    return TeamsClient(connector.url)
