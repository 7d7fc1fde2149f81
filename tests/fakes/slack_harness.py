"""The real aiohttp app with Slack enabled against the fake Web API, plus signed posting helpers for tests."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from adapters.slack import SLACK_ADAPTER
from bot.app import Bot, build_bot, build_web_app
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlackAPI

FORM = "application/x-www-form-urlencoded"


@dataclass
class Harness:
    """A test client for ``build_web_app(bot)``, the fake Slack API it talks to, and the bot."""

    fake: FakeSlackAPI
    client: Any
    bot: Bot

    async def post(self, body: str, content_type: str = "application/json", **headers: str) -> Any:
        """POST a signed body to /slack/events."""
        return await self.client.post("/slack/events", data=body.encode(),
                                      headers=p.signed_headers(body, content_type=content_type, **headers))

    async def event(self, event: dict[str, Any], event_id: str | None = None, **headers: str) -> Any:
        """Deliver one Events API event; asserts the 200 ack."""
        resp = await self.post(p.event_callback(event, event_id), **headers)
        assert resp.status == 200, await resp.text()
        return resp

    async def form(self, body: str) -> Any:
        """Deliver a form body (slash command, interactivity); asserts the 200 ack."""
        resp = await self.post(body, content_type=FORM)
        assert resp.status == 200, await resp.text()
        return resp


    async def drain(self) -> None:
        """Wait until every turn the requests so far started (after their acks) has finished."""
        await self.client.app[SLACK_ADAPTER].drain()


async def eventually(fn: Any, timeout: float = 10.0) -> Any:
    """Poll until ``fn()`` is truthy (work after the ack finishes a moment after the reply is posted)."""
    deadline = time.monotonic() + timeout
    while not (value := fn()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    return value


async def start_harness(url: str, aiohttp_client: Any, **overrides: Any) -> Harness:
    """Fake API, migrated bot with demo data on ``url``, Slack enabled, served by aiohttp's test client."""
    fake = FakeSlackAPI()
    await fake.start()
    settings = make_settings(url, slack_bot_token="xoxb-test", slack_signing_secret=p.SECRET,
                             slack_api_url=fake.api_url, **overrides)
    bot = build_bot(settings, demo=True)
    client = await aiohttp_client(build_web_app(bot))
    return Harness(fake, client, bot)
