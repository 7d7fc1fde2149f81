"""Router behaviour: ordering, duplicates, expiry, races, errors, limits (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from bot.app import build_bot
from bot.db import utcnow
from bot.intent import TurnContext
from bot.models import IncomingMessage, Reply
from bot.router import MAX_TEXT, Router
from bot.understanding.context import ParseContext
from bot.understanding.types import Parse
from tests.conftest import make_settings, message


class CounterFlow:
    """A test flow: counts turns in the state so ordering and versions can be checked."""

    name = "counter"
    examples = ("count",)

    interrupted_by = frozenset({"help", "cancel"})

    def __init__(self, services: object = None) -> None:
        self.seen: list[str] = []

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        ctx.state.start(self.name, "counting", {"n": 0})
        return await self.continue_flow(msg, parse, ctx)

    async def continue_flow(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply] | None:
        if msg.text == "boom":
            raise RuntimeError("intent bug")
        await asyncio.sleep(0.001)  # yield, so interleaving would show
        self.seen.append(msg.text)
        ctx.state.data["n"] = ctx.state.data.get("n", 0) + 1
        return [Reply(f"n={ctx.state.data['n']}")]


class CountingParser:
    """The bot's understanding, plus the test flow's one command ("count …")."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def parse(self, text: str, context: ParseContext | None = None) -> Parse:
        return Parse("counter", 1.0) if text.startswith("count") else self.inner.parse(text, context)


def _router(bot, flow: CounterFlow | None = None) -> Router:
    flow = flow or CounterFlow()
    return Router((*bot.router.intents, flow), bot.services, bot.router.fallback, CountingParser(
        bot.router.understanding))


async def test_five_concurrent_messages_run_in_order_and_bump_version(bot) -> None:
    flow = CounterFlow()
    router = _router(bot, flow)
    await router.handle(message("count 0"))
    texts = [f"count {i}" for i in range(1, 6)]
    results = await asyncio.gather(*(router.handle(message(t)) for t in texts))
    assert flow.seen == ["count 0", *texts]
    assert [r.replies[0].text for r in results] == [f"n={i}" for i in range(2, 7)]
    state = bot.services.conversations.load(message("x").key.as_str(), utcnow())
    assert state.version == 6 and state.data["n"] == 6


async def test_same_event_id_answered_once(bot) -> None:
    first = await bot.router.handle(message("help", event_id="E1"))
    second = await bot.router.handle(message("help", event_id="E1"))
    assert first.replies and not first.duplicate
    assert second.duplicate and second.replies == ()


async def test_two_routers_on_one_database_answer_an_event_once(settings) -> None:
    a, b = build_bot(settings), build_bot(settings, migrate=False)
    try:
        results = await asyncio.gather(a.router.handle(message("help", event_id="E2")),
                                       b.router.handle(message("help", event_id="E2")))
        assert sorted(r.duplicate for r in results) == [False, True]
    finally:
        a.services.db.dispose()
        b.services.db.dispose()


async def test_expired_flow_resets(bot) -> None:
    now = [utcnow()]
    router = _router(bot)
    router.clock = lambda: now[0]
    await router.handle(message("count"))
    now[0] += timedelta(seconds=bot.services.settings.flow_ttl_seconds + 1)
    result = await router.handle(message("hello there"))
    assert "timed out" in result.replies[0].text
    assert result.intent == "unknown"


async def test_exception_in_intent_gives_apology_with_reference(bot, caplog) -> None:
    router = _router(bot)
    await router.handle(message("count"))
    result = await router.handle(message("boom"))
    assert result.intent == "error"
    ref = result.replies[0].text.rsplit("Reference: ", 1)[1].rstrip(".")
    assert len(ref) == 8 and any(ref in r.getMessage() for r in caplog.records)
    after = await router.handle(message("count again"))  # state intact, bot still answers
    assert after.replies[0].text == "n=2"


async def test_lost_race_is_answered_politely(bot) -> None:
    router = _router(bot)
    await router.handle(message("count"))
    key = message("x").key.as_str()
    state = bot.services.conversations.load(key, utcnow())
    bot.services.conversations.save(key, state, utcnow(), timedelta(hours=1))  # another replica wins
    stale = bot.services.conversations.load(key, utcnow())
    stale.version -= 1
    try:
        bot.services.conversations.save(key, stale, utcnow(), timedelta(hours=1))
        raise AssertionError("stale save must fail")
    except Exception as exc:
        assert type(exc).__name__ == "StaleStateError"


async def test_huge_message_is_truncated_with_a_note(bot) -> None:
    result = await bot.router.handle(message("x" * 100_000))
    assert "first 4,000 characters" in result.replies[0].text
    assert MAX_TEXT == 4000


async def test_control_characters_and_empty_text_are_safe(bot) -> None:
    result = await bot.router.handle(message("\x00\x01 help \x7f"))
    assert result.replies
    empty = await bot.router.handle(message("   "))
    assert "empty message" in empty.replies[0].text


async def test_cancel_clears_an_active_flow(bot) -> None:
    router = _router(bot)
    await router.handle(message("count"))
    result = await router.handle(message("cancel"))
    assert "stopped the counter" in result.replies[0].text
    state = bot.services.conversations.load(message("x").key.as_str(), utcnow())
    assert state.intent is None


def test_settings_errors_are_one_clear_line(tmp_path) -> None:
    from bot.config import ConfigError, Settings

    for env, needle in (
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is missing"),
        ({"FINOPS_TIMEZONE": "Mars/Base"}, "FINOPS_TIMEZONE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"FINOPS_ADMINS": "U123"}, "not a user id"),
        ({"FINOPS_ADMINS": "slack:U123"}, "names no workspace id"),
    ):
        try:
            Settings.from_env(env, cwd=tmp_path)
            raise AssertionError(f"{env} should fail")
        except ConfigError as exc:
            assert needle in str(exc) and "\n" not in str(exc)


def test_unreachable_database_is_temporarily_unavailable(tmp_path) -> None:
    settings = make_settings("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1")
    from bot.app import build_bot as bb

    bot = bb(settings, migrate=False, demo=False)
    result = asyncio.run(bot.router.handle(message("help")))
    assert result.intent == "unavailable" and "temporarily unavailable" in result.replies[0].text


async def test_flooding_user_is_asked_to_slow_down(bot) -> None:
    results = [await bot.router.handle(message(f"help {i}", user="UFLOOD", platform="slack")) for i in range(60)]
    slowed = [r for r in results if r.intent == "rate_limited"]
    assert slowed and "faster than I can answer" in slowed[0].replies[0].text
    other = await bot.router.handle(message("help", user="UCALM", platform="slack"))
    assert other.intent == "help"


def test_rate_limiter_refills() -> None:
    from bot.ratelimit import RateLimiter

    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert limiter.allow("u") and limiter.allow("u") and not limiter.allow("u")
    now[0] += 1.0
    assert limiter.allow("u") and not limiter.allow("u")


def test_logs_are_structured_and_never_carry_message_text(bot) -> None:
    import io
    import json
    import logging

    from bot.logs import configure

    stream = io.StringIO()
    configure("INFO", "json", stream)
    try:
        asyncio.run(bot.router.handle(message("my secret survey answer", event_id="E-LOG")))
    finally:
        configure("WARNING")
        logging.getLogger().setLevel(logging.WARNING)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    turn = next(r for r in records if r["message"] == "turn")
    assert turn["event_id"] == "E-LOG" and "latency_ms" in turn and turn["intent"]
    assert "secret survey answer" not in stream.getvalue()


async def test_a_remark_in_a_thread_is_left_alone_but_a_question_is_answered(bot) -> None:
    chatter = replace(message("lol same", thread="t-chat"), addressed=False)
    result = await bot.router.handle(chatter)
    assert result.intent == "unknown" and result.replies == ()
    question = replace(message("what is the airspeed of a swallow?", thread="t-chat"), addressed=False)
    assert (await bot.router.handle(question)).replies  # a question still gets a plain "I don't know"
    understood = replace(message("what is showback?", thread="t-chat"), addressed=False)
    assert (await bot.router.handle(understood)).intent == "framework_question"
    assert (await bot.router.handle(message("lol same", thread="t-chat2"))).replies  # addressed: always answered
