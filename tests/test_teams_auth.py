"""Teams authentication: with an app id set, /api/messages refuses missing and malformed tokens with 401."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import Bot, build_bot, build_web_app
from bot.config import Settings
from tests.conftest import make_settings
from tests.fakes.teams_activities import TeamsClient

APP_ID = "5f1c8a52-2b7e-4d0e-9a51-0c9f1e7d3a10"


@pytest.fixture
def secured_bot(sqlite_url: str) -> Bot:
    settings = make_settings(sqlite_url, teams_app_id=APP_ID, teams_app_password="s3cret", teams_enabled=True)
    return build_bot(settings, demo=False)


@pytest.fixture
async def client(secured_bot: Bot, aiohttp_client: Any) -> TestClient:
    return await aiohttp_client(build_web_app(secured_bot))


@pytest.fixture
def handled(secured_bot: Bot) -> list[Any]:
    seen: list[Any] = []
    real = secured_bot.router.handle

    async def spy(msg: Any) -> Any:
        seen.append(msg)
        return await real(msg)

    secured_bot.router.handle = spy  # type: ignore[method-assign]
    return seen


GARBAGE = [
    "Bearer garbage",
    "Bearer eyJhbGciOiJSUzI1NiJ9.not-base64.sig",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "garbage",
]


async def test_no_token_is_401(client: TestClient, handled: list[Any]) -> None:
    activity = TeamsClient("http://127.0.0.1:9/").personal("help")
    resp = await client.post("/api/messages", json=activity)
    assert resp.status == 401
    assert handled == []


@pytest.mark.parametrize("header", GARBAGE)
async def test_garbage_token_is_401(client: TestClient, handled: list[Any], header: str) -> None:
    activity = TeamsClient("http://127.0.0.1:9/").personal("help")
    resp = await client.post("/api/messages", json=activity, headers={"Authorization": header})
    assert resp.status == 401
    assert handled == []


def test_teams_is_enabled_by_an_app_id_and_can_be_forced_off() -> None:
    env = {"DATABASE_URL": "sqlite://", "MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "x"}
    assert Settings.from_env(env).teams_enabled
    assert not Settings.from_env({**env, "TEAMS_ENABLED": "false"}).teams_enabled
    assert not Settings.from_env({"DATABASE_URL": "sqlite://"}).teams_enabled


async def test_auth_off_is_a_loud_warning(sqlite_url: str, aiohttp_client: Any,
                                          caplog: pytest.LogCaptureFixture) -> None:
    bot = build_bot(make_settings(sqlite_url, teams_enabled=True), demo=False)
    with caplog.at_level("WARNING"):
        await aiohttp_client(build_web_app(bot))
    assert any("AUTHENTICATION IS OFF" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


async def test_teams_route_absent_when_disabled(sqlite_url: str, aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_web_app(build_bot(make_settings(sqlite_url), demo=False)))
    resp = await client.post("/api/messages", json={"type": "message"})
    assert resp.status in (404, 405)
