"""Red-team item 9: a slow Bot Framework key endpoint never freezes the server; a failed fetch is cached briefly."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from typing import Any

import pytest
import requests
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from bot.app import build_bot, build_web_app
from tests.conftest import make_settings

APP_ID = "5f1c8a52-2b7e-4d0e-9a51-0c9f1e7d3a10"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


JUNK = "Bearer " + ".".join((_b64({"alg": "RS256", "kid": "kid-1", "typ": "JWT"}),
                             _b64({"iss": "https://api.botframework.com", "aud": APP_ID, "exp": 4102444800,
                                   "serviceurl": "http://127.0.0.1:9/"}), "c2ln"))


@pytest.fixture
def slow_keys(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Microsoft's key endpoint hanging (up to 3 s per call, then a timeout), counting calls."""
    release, calls = threading.Event(), []

    def get(url: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(url)
        release.wait(3)
        raise requests.Timeout("key endpoint did not answer")

    monkeypatch.setattr(requests, "get", get)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})  # no keys from an earlier test
    yield calls
    release.set()


async def test_junk_tokens_do_not_stall_healthz_and_the_failure_is_cached(sqlite_url: str, aiohttp_client: Any,
                                                                          slow_keys: list[str]) -> None:
    from tests.fakes.teams_activities import TeamsClient

    settings = make_settings(sqlite_url, teams_app_id=APP_ID, teams_app_password="s3cret", teams_enabled=True,
                             teams_local_test=False)
    client = await aiohttp_client(build_web_app(build_bot(settings, demo=False)))
    activity = TeamsClient("https://smba.trafficmanager.net/emea/").personal("help")
    junk = [asyncio.create_task(client.post("/api/messages", json=activity, headers={"Authorization": JUNK}))
            for _ in range(5)]
    await asyncio.sleep(0.2)  # the key fetch is now hanging
    health = await asyncio.wait_for(client.get("/healthz"), timeout=2)  # the event loop is free
    assert health.status == 200
    statuses = [(await t).status for t in junk]
    assert statuses == [401] * 5
    fetches = len(slow_keys)
    for _ in range(5):  # within the failure window: refused at once, no new fetch
        resp = await client.post("/api/messages", json=activity, headers={"Authorization": JUNK})
        assert resp.status == 401
    assert len(slow_keys) == fetches and fetches <= 2
