"""Crash safety with real ``finops-bot serve`` processes: SIGKILL and restart, two replicas, SIGTERM, database outage.

Each server is a subprocess with Slack enabled against the local fake Web API (running in this test's event loop);
the tests send signed DM events, as Slack does, and read what reached ``chat.postMessage``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bench.common import free_port
from bot.app import build_bot
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlackAPI

pytestmark = pytest.mark.slow
USERS = ("U1", "U2", "U3", "U4", "U5", "U6")
UNAVAILABLE = "temporarily unavailable"


class SlowSlack(FakeSlackAPI):
    """The fake Web API, with an optional delay before answering ``chat.postMessage``."""

    delay = 0.0

    async def _api(self, request: web.Request) -> web.Response:
        if self.delay and request.match_info["method"] == "chat.postMessage":
            await asyncio.sleep(self.delay)
        return await super()._api(request)


class Server:
    """One ``finops-bot serve`` subprocess."""

    def __init__(self, url: str, api_url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))},
                    "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": p.SECRET,
                    "SLACK_API_URL": api_url, "FINOPS_ADMINS": ",".join(f"slack:{u}@T0001" for u in USERS),
                    "FINOPS_RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "INFO", "FINOPS_DEMO": "true"}
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, session: aiohttp.ClientSession) -> Server:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            assert self.proc.returncode is None, f"serve exited: {self.tail()}"
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{self.base}/healthz") as resp:
                    if resp.status == 200:
                        await asyncio.sleep(0.2)  # a 200 from another process on a recycled port is not ours
                        assert self.proc.returncode is None, f"serve exited: {self.tail()}"
                        return self
            await asyncio.sleep(0.05)
        raise AssertionError(f"serve did not answer /healthz: {self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    async def kill(self, sig: int = signal.SIGKILL, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), timeout)


class Slack:
    """Sends signed DM events to servers and reads the answers the fake Web API received."""

    def __init__(self, fake: SlowSlack, session: aiohttp.ClientSession) -> None:
        self.fake, self.session = fake, session
        self._ts = 1_700_000_000

    def posts(self, user: str) -> list[str]:
        """Everything posted to the user's DM so far, as JSON text."""
        return [json.dumps(c.args) for c in self.fake.of("chat.postMessage") if c.args.get("channel") == f"D{user}"]

    async def send(self, server: Server, user: str, text: str, event_id: str | None = None) -> None:
        """Deliver one DM event; the server acknowledges before it answers."""
        self._ts += 1
        body = p.event_callback(p.message(text, user=user, channel=f"D{user}", ts=f"{self._ts}.000100"), event_id)
        async with self.session.post(f"{server.base}/slack/events", data=body.encode(),
                                     headers=p.signed_headers(body)) as resp:
            assert resp.status == 200, await resp.text()

    async def say(self, server: Server, user: str, text: str, expect: str, timeout: float = 20) -> str:
        """Send, then wait for an answer matching ``expect``; returns the answer(s) as JSON text."""
        before = len(self.posts(user))
        await self.send(server, user, text)
        return await self.answer(user, before, expect, timeout, server)

    async def answer(self, user: str, before: int, expect: str, timeout: float = 20,
                     server: Server | None = None) -> str:
        deadline = time.monotonic() + timeout
        while True:
            joined = "\n".join(self.posts(user)[before:])
            if re.search(expect, joined):
                return joined
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer matching {expect!r} for {user}: {joined[-600:]!r}\n"
                                     f"{server.tail() if server else ''}")
            await asyncio.sleep(0.02)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[tuple[SlowSlack, Slack, list[Server]]]:
    fake = SlowSlack()
    await fake.start()
    servers: list[Server] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield fake, Slack(fake, session), servers
        for server in servers:
            if server.proc is not None and server.proc.returncode is None:
                await server.kill()
    await fake.stop()


async def serve(rig: tuple[SlowSlack, Slack, list[Server]], url: str, tmp_path: Path, name: str) -> Server:
    fake, slack, servers = rig
    for attempt in range(3):  # a port picked by free_port() can be taken by another process before we bind it
        server = Server(url, fake.api_url, tmp_path / f"{name}-{attempt}.log")
        servers.append(server)
        try:
            return await server.start(slack.session)
        except AssertionError:
            if "address already in use" not in server.tail():
                raise
    raise AssertionError("no free port for serve after 3 attempts")


async def start_assessment(slack: Slack, server: Server, user: str) -> int:
    """Start the quick assessment of payments; returns the assessment id."""
    await slack.say(server, user, "start assessment for payments", r"(?i)quick set")
    first = await slack.say(server, user, "quick", r"Question 1 / 15")
    m = re.search(r"assess:(\d+):", first)
    assert m is not None, first
    return int(m.group(1))


def stored(url: str, aid: int) -> tuple[dict[int, int], int]:
    """The assessment's stored answers and question pointer, read straight from the database."""
    bot = build_bot(make_settings(url), migrate=False, demo=False)
    try:
        info = bot.services.maturity.get(aid)  # type: ignore[union-attr]
        assert info is not None
        return dict(info.answers), info.position
    finally:
        bot.services.db.dispose()


# --- SIGKILL in the middle of an assessment, restart on the same database -----------------------------------
async def test_sigkill_mid_assessment_then_restart_loses_no_answer(db_url: str, rig: Any, tmp_path: Path) -> None:
    _fake, slack, _ = rig
    first = await serve(rig, db_url, tmp_path, "first")
    aid = await start_assessment(slack, first, "U1")
    for level, shown in (("2", 2), ("3", 3), ("4", 4)):
        await slack.say(first, "U1", level, rf"Question {shown} / 15")
    await slack.send(first, "U1", "1")  # acknowledged; killed while (or just after) it is being answered
    await first.kill(signal.SIGKILL)

    answers, position = stored(db_url, aid)
    assert {0: 2, 1: 3, 2: 4}.items() <= answers.items()
    assert position == len(answers) and len(answers) in (3, 4)  # the in-flight answer: all or nothing

    second = await serve(rig, db_url, tmp_path, "second")
    await slack.say(second, "U1", "0", rf"Question {position + 2} / 15")
    after, after_position = stored(db_url, aid)
    assert after == {**answers, position: 0} and after_position == position + 1


# --- two replicas behind one Slack URL ------------------------------------------------------------------------
@pytest.mark.postgres
async def test_two_replicas_answer_once_and_share_conversations(pg_url: str, rig: Any, tmp_path: Path) -> None:
    _fake, slack, _ = rig
    # Both start at once on an empty database: one migrates (under a lock) while the other waits.
    a, b = await asyncio.gather(serve(rig, pg_url, tmp_path, "a"), serve(rig, pg_url, tmp_path, "b"))

    body_id = "EvSAMEEVENT01"
    await asyncio.gather(slack.send(a, "U5", "help", body_id), slack.send(b, "U5", "help", body_id))
    await slack.answer("U5", 0, r".")
    await asyncio.sleep(1.0)  # a second answer from the other replica would have arrived by now
    assert len(slack.posts("U5")) == 1

    aid = await start_assessment(slack, a, "U6")
    for i, (server, level) in enumerate(((b, "1"), (a, "2"), (b, "3"), (a, "4"), (b, "0"))):
        await slack.say(server, "U6", level, rf"Question {i + 2} / 15")
    assert stored(pg_url, aid) == ({0: 1, 1: 2, 2: 3, 3: 4, 4: 0}, 5)


# --- SIGTERM: acknowledged turns finish ------------------------------------------------------------------------
async def test_sigterm_lets_in_flight_turns_finish(sqlite_url: str, rig: Any, tmp_path: Path) -> None:
    fake, slack, _ = rig
    server = await serve(rig, sqlite_url, tmp_path, "term")
    users = USERS[:4]
    ids = await asyncio.gather(*(start_assessment(slack, server, u) for u in users))
    fake.delay = 0.7  # every answer is still being posted when SIGTERM arrives
    before = {u: len(slack.posts(u)) for u in users}
    await asyncio.gather(*(slack.send(server, u, "3") for u in users))
    assert await server.kill(signal.SIGTERM) == 0, server.tail()
    for user, aid in zip(users, ids, strict=True):
        await slack.answer(user, before[user], r"Question 2 / 15", timeout=1)
        assert stored(sqlite_url, aid) == ({0: 3}, 1)


# --- database outage through a loopback TCP proxy -----------------------------------------------------------------
class Proxy:
    """Forwards a loopback port to PostgreSQL; ``stop()`` refuses new connections and cuts the open ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self._writers.discard(writer)


@pytest.mark.postgres
async def test_database_outage_is_reported_and_recovers_by_itself(pg_url: str, rig: Any, tmp_path: Path) -> None:
    _fake, slack, _ = rig
    proxy = Proxy(("127.0.0.1", 5432))
    await proxy.start()
    server = await serve(rig, pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), tmp_path, "outage")
    await slack.say(server, "U1", "help", r"(?i)budget")

    await proxy.stop()
    answer = await slack.say(server, "U1", "what is finops?", UNAVAILABLE)
    assert "Traceback" not in answer
    async with slack.session.get(f"{server.base}/healthz") as resp:
        assert resp.status == 503

    await proxy.start()  # the database is back: no restart, no operator
    deadline = time.monotonic() + 20
    while True:
        async with slack.session.get(f"{server.base}/healthz") as resp:
            if resp.status == 200:
                break
        assert time.monotonic() < deadline, "healthz did not recover"
        await asyncio.sleep(0.1)
    answer = await slack.say(server, "U1", "help", r"(?i)budget")
    assert UNAVAILABLE not in answer
    await proxy.stop()
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]  # an outage is expected: warnings, not stack traces
