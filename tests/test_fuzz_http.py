"""Fuzzing the HTTP endpoints: malformed requests never get a 5xx or a stack trace, and /healthz keeps answering.

Cases are generated from a fixed seed (reproducible, fast): random bytes, truncated JSON, wrong top-level types,
mutated real-shaped payloads (fields deleted or replaced by values of the wrong type), broken form bodies, wrong
content types, ~1 MB bodies, deeply nested JSON and odd unicode. Slack bodies are validly SIGNED, so the fuzz
reaches past the signature check into bolt's parsing and our listeners; Teams runs with authentication off (the
bodies are parsed and routed) and on (everything must be refused with a 4xx).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import random
import string
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.app import build_bot, build_web_app
from bot.models import ConversationKey, IncomingMessage
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_harness import start_harness
from tests.fakes.teams_activities import TeamsClient

SEED = 20261123
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
CONTENT_TYPES = (JSON, FORM, "text/plain", "application/octet-stream", "multipart/form-data; boundary=xyz",
                 "application/json; charset=latin-1", "", "application/xml")
ODD = ("\x00", "U\x00",
       "\ud800", "\udfff", "\u202e", "\u200b\u200d", "👩‍👩‍👧‍👦", "e\u0301" * 50, "\uffff", "\U0010ffff",
       "ﷺ", "Ω≈ç√", "\r\n\t", "<@U123>", "<!channel>", "&lt;&amp;", "'; DROP TABLE team; --", "%s%n{0}", "🤖" * 300)
TRACE_MARKS = ("Traceback", 'File "/', ", line ", "Exception:", "Error:")
APP_ID = "5f1c8a52-2b7e-4d0e-9a51-0c9f1e7d3a10"


@dataclass(frozen=True)
class Case:
    """One request body and its content type."""

    name: str
    body: bytes
    content_type: str = JSON


# --- generators ------------------------------------------------------------------------------------------
def junk_value(rng: random.Random, depth: int = 0) -> Any:
    """A value of a random (usually wrong) type."""
    kind = rng.randrange(9 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([0, -1, 2**63, 1e308, True, False, float("1e-300")])
    if kind == 2:
        return "".join(rng.choice(ODD) for _ in range(rng.randint(1, 4)))
    if kind == 3:
        return ""
    if kind == 4:
        return "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 40)))
    if kind == 5:
        return "x" * rng.choice([300, 5000, 70_000])
    if kind == 6:
        return [junk_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == 7:
        return {rng.choice(["id", "type", "text", "user", "value", "", "🙂"]): junk_value(rng, depth + 1)}
    return rng.random()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def mutate(template: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Delete or replace 1-3 fields anywhere in a copy of ``template``."""
    doc = copy.deepcopy(template)
    for _ in range(rng.randint(1, 3)):
        paths = list(_paths(doc))
        if not paths:
            break
        path = rng.choice(paths)
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and rng.random() < 0.35:
            del parent[path[-1]]
        else:
            parent[path[-1]] = junk_value(rng)
    return doc


def deep(n: int, kind: str) -> bytes:
    """JSON nested ``n`` levels deep (valid, or cut short)."""
    if kind == "list":
        return b"[" * n + b"]" * n
    if kind == "dict":
        return b'{"a":' * n + b"1" + b"}" * n
    return b'{"type":"message","value":' + b"[" * n  # unterminated


def dumps(doc: Any, rng: random.Random) -> bytes:
    """JSON text, sometimes with raw (non-ASCII-escaped) unicode; lone surrogates fall back to escapes."""
    try:
        return json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode()
    except UnicodeEncodeError:
        return json.dumps(doc).encode()


def common_cases(rng: random.Random, templates: list[dict[str, Any]], n_mutations: int) -> list[Case]:
    """Cases that make sense for any JSON endpoint."""
    cases: list[Case] = []
    for i in range(30):
        raw = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 7, 100, 2000])))
        cases.append(Case(f"random-bytes-{i}", raw, rng.choice(CONTENT_TYPES)))
    for i in range(25):
        text = dumps(rng.choice(templates), rng)
        cases.append(Case(f"truncated-json-{i}", text[: rng.randrange(1, len(text))], rng.choice((JSON, JSON, FORM))))
    for i, top in enumerate([[], [1, 2], 0, -5, "a string", None, True, 1.5, {}, {"type": None}]):
        cases.append(Case(f"top-level-{i}", json.dumps(top).encode()))
    for i in range(n_mutations):
        cases.append(Case(f"mutated-{i}", dumps(mutate(rng.choice(templates), rng), rng)))
    for i, (n, kind) in enumerate([(100, "list"), (5000, "list"), (50_000, "list"), (3000, "dict"),
                                   (200_000, "dict"), (20_000, "open")]):
        cases.append(Case(f"deep-{i}", deep(n, kind)))
    big = json.dumps({**templates[0], "text": "a" * (1024 * 1024 - 2000)}).encode()
    cases += [Case("1mb-json", big), Case("over-1mb-json", big + b" " * 4000),
              Case("1mb-zeros", b"\x00" * (1024 * 1024)), Case("1mb-form", b"payload=" + b"%7B" * 349_000, FORM)]
    for i, odd in enumerate(ODD):
        cases.append(Case(f"odd-unicode-{i}", dumps({**templates[0], "text": odd * 3}, rng)))
    cases.append(Case("invalid-utf8", b'{"type": "message", "text": "\xff\xfe\xc3("}'))
    cases.append(Case("bom", b"\xef\xbb\xbf" + json.dumps(templates[0]).encode()))
    return cases


def slack_cases(rng: random.Random) -> list[Case]:
    """Signed garbage for /slack/events: events, slash commands, interactivity, url verification."""
    event = json.loads(p.event_callback(p.message("what is finops?")))
    mention = json.loads(p.event_callback(p.app_mention("budget status for payments")))
    challenge = {"token": "legacy", "challenge": "abc", "type": "url_verification"}
    templates = [{**event, "text": "hello"}, mention, challenge, json.loads(p.event_callback(
        {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}))]
    cases = common_cases(rng, templates, 70)
    payloads = [json.loads(_form_payload(p.block_actions("help"))), json.loads(_form_payload(p.home_click("help"))),
                json.loads(_form_payload(p.view_submission("finops_x", {"b": {"a": {"type": "plain_text_input",
                                                                                    "value": "v"}}})))]
    for i in range(40):
        payload = mutate(rng.choice(payloads), rng)
        cases.append(Case(f"mutated-interactive-{i}", urlencode({"payload": dumps(payload, rng).decode()}).encode(),
                          FORM))
    command = dict(pair.split("=", 1) for pair in p.slash_command("budget status").split("&"))
    for i in range(25):
        fields = {k: v for k, v in command.items() if rng.random() > 0.2}
        for key in rng.sample(sorted(fields), k=min(2, len(fields))):
            fields[key] = str(junk_value(rng))[:3000]
        cases.append(Case(f"mutated-command-{i}", urlencode(fields).encode(), FORM))
    cases += [
        Case("form-bad-percent", b"payload=%zz%7B%", FORM),
        Case("form-payload-not-json", b"payload=hello", FORM),
        Case("form-payload-list", urlencode({"payload": "[1,2]"}).encode(), FORM),
        Case("form-payload-twice", b"payload=%7B%7D&payload=%5B%5D", FORM),
        Case("form-no-equals", b"&&&===&", FORM),
        Case("form-ssl-check", b"ssl_check=1&token=x", FORM),
        Case("json-as-form", json.dumps(event).encode(), FORM),
        Case("form-as-json", p.slash_command("help").encode(), JSON),
    ]
    return cases


def _form_payload(body: str) -> str:
    from urllib.parse import parse_qs

    return parse_qs(body)["payload"][0]


def teams_cases(rng: random.Random, service_url: str) -> list[Case]:
    """Garbage for /api/messages, around real-shaped activities that point at the local fake connector."""
    user = TeamsClient(service_url)
    card = {"type": "message", "value": {"value": "help", "msteams": {"type": "messageBack", "value": "x"}}}
    templates = [user.personal("what is finops?"), user.channel("budget status for payments"),
                 user.group("help"), user.installed("team"), {**user.personal(""), **card}, user.person_joined(),
                 {**user.personal("hi"), "type": "invoke", "name": "adaptiveCard/action"}]
    cases = common_cases(rng, templates, 110)
    cases += [Case("wrong-content-type", json.dumps(templates[0]).encode(), ct) for ct in CONTENT_TYPES if ct != JSON]
    return cases


# --- the checks ------------------------------------------------------------------------------------------
class _Errors(logging.Handler):
    """Collects log records that carry an exception (a crash somewhere behind the HTTP answer)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@pytest.fixture
def crashes() -> Iterator[_Errors]:
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


async def _fire(client: Any, path: str, cases: list[Case], headers: Any) -> list[tuple[str, int]]:
    """POST every case; assert no 5xx and no stack trace; /healthz every 25 requests. Returns statuses."""
    seen: list[tuple[str, int]] = []
    for i, case in enumerate(cases):
        hdrs = headers(case)
        resp = await client.post(path, data=case.body, headers=hdrs)
        text = await resp.text(errors="replace")
        assert resp.status < 500, f"{case.name}: HTTP {resp.status} {text[:300]!r}"
        assert not any(mark in text for mark in TRACE_MARKS), f"{case.name}: stack trace in the body {text[:300]!r}"
        seen.append((case.name, resp.status))
        if i % 25 == 0:
            health = await client.get("/healthz")
            assert health.status == 200, f"/healthz {health.status} after {case.name}"
    return seen


async def _settle(router: Any) -> None:
    """Let listeners that run after the ack finish (Slack acks first)."""
    for _ in range(200):
        await asyncio.sleep(0.02)
        if not any(lock.locked() for lock in list(router._locks.values())):
            return


def _report(crashes: _Errors) -> list[str]:
    return [f"{r.name}: {r.getMessage()} ({r.exc_info[0].__name__ if r.exc_info and r.exc_info[0] else '?'})"
            for r in crashes.records]


async def test_slack_events_survive_signed_garbage(demo_url: str, aiohttp_client: Any, crashes: _Errors) -> None:
    h = await start_harness(demo_url, aiohttp_client)
    try:
        cases = slack_cases(random.Random(SEED))
        assert len(cases) >= 200

        def signed(case: Case) -> dict[str, str]:
            headers = p.signed_headers(case.body.decode(), content_type=case.content_type)
            if not case.content_type:
                headers.pop("Content-Type")
            return headers

        # sign the exact bytes: bolt verifies the raw body as text, so sign what it will decode
        statuses = await _fire(h.client, "/slack/events", [c for c in cases if _utf8(c.body)], signed)
        statuses += await _fire(h.client, "/slack/events", [c for c in cases if not _utf8(c.body)][:20],
                                lambda c: {"Content-Type": c.content_type or JSON})
        counts = Counter(s for _, s in statuses)
        assert set(counts) <= {200, 400, 401, 404, 413, 415}, counts
        assert counts[200] >= 40 and counts[400] >= 50, counts  # past the signature: parsed, refused or answered
        assert counts[401] <= 25, counts  # only the bodies that cannot be signed as UTF-8 text
        await _settle(h.bot.router)
        assert not crashes.records, _report(crashes)
        assert (await h.client.get("/healthz")).status == 200
    finally:
        await h.fake.stop()


def _utf8(body: bytes) -> bool:
    try:
        body.decode()
        return True
    except UnicodeDecodeError:
        return False


async def test_unsigned_forged_and_stale_slack_requests_are_401(sqlite_demo_url: str, aiohttp_client: Any) -> None:
    h = await start_harness(sqlite_demo_url, aiohttp_client)
    try:
        body = p.event_callback(p.message("help"))
        other = p.event_callback(p.message("budget status"))
        good = p.signed_headers(body)
        variants = {
            "no headers": {"Content-Type": JSON},
            "wrong secret": p.signed_headers(body, secret="forged"),
            "signature of another body": {**good, "X-Slack-Signature": p.signed_headers(other)["X-Slack-Signature"]},
            "stale (10 minutes)": p.signed_headers(body, timestamp=int(good["X-Slack-Request-Timestamp"]) - 600),
            "future (10 minutes)": p.signed_headers(body, timestamp=int(good["X-Slack-Request-Timestamp"]) + 600),
            "timestamp not a number": {**good, "X-Slack-Request-Timestamp": "yesterday"},
            "signature garbage": {**good, "X-Slack-Signature": "v0=zz"},
            "signature v1": {**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")},
        }
        for name, headers in variants.items():
            resp = await h.client.post("/slack/events", data=body.encode(), headers=headers)
            assert resp.status == 401, (name, resp.status)
        assert not h.fake.of("chat.postMessage")
        # Slack's certificate check of a slash command URL is answered 200 by bolt (it carries no question)
        resp = await h.client.post("/slack/events", data=b"ssl_check=1&token=legacy", headers={"Content-Type": FORM})
        assert resp.status == 200
    finally:
        await h.fake.stop()


async def test_teams_without_auth_survives_garbage(demo_url: str, aiohttp_client: Any, crashes: _Errors) -> None:
    connector = FakeConnector()
    url = await connector.start()
    bot = build_bot(make_settings(demo_url, teams_enabled=True), demo=True)
    try:
        client = await aiohttp_client(build_web_app(bot))
        cases = teams_cases(random.Random(SEED + 1), url)
        assert len(cases) >= 200
        statuses = await _fire(client, "/api/messages", cases,
                               lambda c: {"Content-Type": c.content_type} if c.content_type else {})
        counts = Counter(s for _, s in statuses)
        assert counts[200] + counts[201] >= 40, counts  # garbage that still reads as an activity reached the bot
        await _settle(bot.router)
        assert not crashes.records, _report(crashes)
        assert (await client.get("/healthz")).status == 200
    finally:
        await connector.stop()


async def test_teams_with_auth_refuses_garbage_with_4xx(sqlite_url: str, aiohttp_client: Any) -> None:
    settings = make_settings(sqlite_url, teams_app_id=APP_ID, teams_app_password="s3cret", teams_enabled=True)
    bot = build_bot(settings, demo=False)
    client = await aiohttp_client(build_web_app(bot))
    rng = random.Random(SEED + 2)
    cases = rng.sample(teams_cases(rng, "http://127.0.0.1:9/"), 60)
    tokens = ["", "Bearer ", "Bearer x.y.z", "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.", "Basic Zm9vOmJhcg==",
              "Bearer " + "A" * 9000, "Bearer \u00e9\u00e9"]
    seen = await _fire(client, "/api/messages", cases, lambda c: {
        k: v for k, v in {"Content-Type": c.content_type, "Authorization": rng.choice(tokens)}.items() if v})
    assert {s for _, s in seen} <= {400, 401, 413, 415}, sorted({s for _, s in seen})
    assert 401 in {s for _, s in seen}


async def test_nul_and_lone_surrogates_in_ids_are_answered_not_reported_as_an_outage(bot: Any) -> None:
    key = ConversationKey("teams", "t\x00", "19:c\udfff", "", "29:u\x00ser")
    result = await bot.router.handle(IncomingMessage(key, "\udfffhelp\x00", "ev\x00\ud800", is_direct=True))
    assert result.intent not in ("unavailable", "error") and result.replies, result
    again = await bot.router.handle(IncomingMessage(key, "help", "ev\x00\ud800", is_direct=True))
    assert again.duplicate  # the cleaned event id was claimed
