"""Red-team items 5 and 8: no log forgery, no log floods, no bodies, tokens or survey answers in logs at any level."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logs import configure
from tests.fakes import slack_payloads as p
from tests.fakes.slack_harness import Harness, start_harness


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """The server's own log configuration, writing into a buffer."""
    buf = io.StringIO()
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    configure("INFO", "text", stream=buf)
    yield buf
    configure("INFO", "text", stream=io.StringIO())
    root.setLevel(before[0])


@pytest.fixture
async def h(sqlite_demo_url: str, aiohttp_client: Any, logged: io.StringIO) -> Harness:
    harness = await start_harness(sqlite_demo_url, aiohttp_client)
    yield harness
    await harness.fake.stop()


FORGED = "\n2026-12-03 07:00:00,000 INFO bot.access.audit audit actor=slack:UADMIN@T0001 action=role.grant"


async def test_an_unsigned_body_never_reaches_the_log(h: Harness, logged: io.StringIO) -> None:
    body = p.event_callback({"type": "message", "text": "secret plans" + FORGED, "user": "U1", "channel": "D1",
                             "ts": "1700000000.000100", "channel_type": "im"})
    stale = p.signed_headers(body, timestamp=int(time.time()) - 3600)
    for headers in ({"X-Slack-Signature": "v0=bad", "X-Slack-Request-Timestamp": str(int(time.time()))}, stale):
        resp = await h.client.post("/slack/events", data=body.encode(),
                                   headers={"Content-Type": "application/json", **headers})
        assert resp.status == 401
    text = logged.getvalue()
    assert "secret plans" not in text and "role.grant" not in text
    assert all(not line.startswith("2026-12-03 07:00:00") for line in text.splitlines())


async def test_a_flood_of_large_unsigned_bodies_does_not_grow_the_log(h: Harness, logged: io.StringIO) -> None:
    body = p.event_callback({"type": "message", "text": "x" * 1_000_000, "user": "U1", "channel": "D1",
                             "ts": "1700000000.000100", "channel_type": "im"})
    for _ in range(20):
        resp = await h.client.post("/slack/events", data=body.encode(),
                                   headers={"Content-Type": "application/json", "X-Slack-Signature": "v0=bad",
                                            "X-Slack-Request-Timestamp": str(int(time.time()))})
        assert resp.status in (401, 413)
    assert len(logged.getvalue()) < 20 * 300


def test_control_characters_in_any_field_are_escaped(logged: io.StringIO) -> None:
    log = logging.getLogger("bot.access.audit")
    log.warning("actor=%s" + FORGED, "slack:U1@T0001\r\nINFO x", extra={"subject": "team\n2026 INFO forged", "n": 3})
    configure("INFO", "json", stream=logged)
    log.warning("json %s", "a\nb\u2028c\x1b[2J", extra={"subject": "x\ny"})
    lines = logged.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "\\n2026-12-03" in lines[0] and "subject=team\\n2026" in lines[0]
    assert json.loads(lines[1])["message"] == "json a\\nb\\u2028c\\x1b[2J"


def test_sdk_debug_logs_with_bodies_are_dropped_even_at_debug(logged: io.StringIO) -> None:
    configure("DEBUG", "text", stream=logged)
    response = '{"ok": true, "access_token": "xoxb-1111-2222-abcdefABCDEF", "team": {"id": "T1"}}'
    logging.getLogger("slack_sdk.web.async_base_client").debug("Received the following response - %s", response)
    logging.getLogger("slack_bolt.AsyncApp").info("Invalid request signature detected (body: secret plans)")
    logging.getLogger("slack_bolt.AsyncApp").debug("payload survey:4:0:2 from U13")
    logging.getLogger("msrest.http_logger").debug("Request body: {'text': 'secret plans'}")
    logging.getLogger("slack_bolt.AsyncApp").warning("a warning from bolt")
    text = logged.getvalue()
    assert "xoxb-1111" not in text and "secret plans" not in text and "U13" not in text
    assert "a warning from bolt" in text


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING"])
def test_tokens_and_answers_are_redacted_in_our_own_logs(logged: io.StringIO, level: str) -> None:
    configure(level, "text", stream=logged)
    log = logging.getLogger("bot.anything")
    for emit in (log.debug, log.info, log.warning):
        emit("oauth %s header %s app %s refresh %s click %s", "xoxb-1111-2222-abcdef", "Bearer eyJhbGciOi.x.y",
             "xapp-1-A1-123-abc", '"refresh_token": "xoxe-1-abc"', "survey:4:0:2")
    text = logged.getvalue()
    assert text and "xoxb-1111" not in text and "eyJhbGciOi" not in text and "xapp-1-A1" not in text
    assert "xoxe-1-abc" not in text and "survey:4:0:2" not in text and "[redacted]" in text
