"""Red-team item 11: the lower findings (flood replies, file modes, /metrics, YAML bombs, echoed markup, replays)."""

from __future__ import annotations

import itertools

from tests.conftest import message


async def test_a_flood_gets_one_slow_down_reply_per_window(bot) -> None:
    results = [await bot.router.handle(message(f"help {i}", user="UFLOOD", platform="slack")) for i in range(200)]
    slowed = [r for r in results if r.intent == "rate_limited"]
    assert len(slowed) > 150
    assert sum(len(r.replies) for r in slowed) == 1 and "faster than I can answer" in slowed[0].replies[0].text


def test_the_slow_down_reply_comes_back_after_the_window() -> None:
    from bot.ratelimit import WARN_WINDOW, RateLimiter

    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0])
    assert limiter.should_warn("u") and not limiter.should_warn("u")
    now[0] += WARN_WINDOW
    assert limiter.should_warn("u") and limiter.should_warn("v")


async def test_sqlite_files_are_private_to_their_owner(tmp_path) -> None:
    import stat

    from bot.app import build_bot
    from tests.conftest import make_settings

    db = tmp_path / "private.db"
    bot = build_bot(make_settings(f"sqlite:///{db}"), demo=False)
    await bot.router.handle(message("help", platform="slack", user="U1"))
    files = [db, *tmp_path.glob("private.db-*")]
    assert len(files) >= 2 and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), files
    bot.services.db.dispose()


async def test_metrics_need_the_token_when_one_is_set(sqlite_url, aiohttp_client) -> None:
    from bot.app import build_bot, build_web_app
    from tests.conftest import make_settings

    client = await aiohttp_client(build_web_app(build_bot(make_settings(sqlite_url, metrics_token="m3tr1cs"),
                                                          demo=False)))
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
    ok = await client.get("/metrics", headers={"Authorization": "Bearer m3tr1cs"})
    assert ok.status == 200 and "finops" in await ok.text()
    assert (await client.get("/healthz")).status == 200


_LEVELS = "abcdefghi"
BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in itertools.pairwise(_LEVELS)) + \
    "title: [*i]\naudience: [payments]\nquestions: [{text: q, type: scale}]\n"


def test_a_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    import tracemalloc
    from zoneinfo import ZoneInfo

    import pytest

    from bot.db import utcnow
    from bot.surveys.spec import SurveyError, from_yaml

    tracemalloc.start()
    with pytest.raises(SurveyError, match="aliases"):
        from_yaml(BOMB, utcnow(), ZoneInfo("UTC"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20_000_000
    with pytest.raises(SurveyError, match="too large"):
        from_yaml("title: x\n" + "#" * 100_000, utcnow(), ZoneInfo("UTC"))


async def test_a_click_replayed_to_a_second_replica_is_answered_once(sqlite_url, monkeypatch) -> None:
    import importlib

    from adapters import press_ids
    from bot.app import build_bot
    from bot.db import utcnow
    from tests.conftest import make_settings

    def replica_click_id() -> str:  # a fresh process: a new module state, the same environment
        fresh = importlib.reload(press_ids)
        fresh.use_secret("the-shared-signing-secret")
        return "slack:click:" + fresh.press_id("1700000000.000100", "finops_choice_0", "survey:1:0:2", "U13")

    first, second = replica_click_id(), replica_click_id()
    assert first == second and "U13" not in first and "survey" not in first
    one = build_bot(make_settings(sqlite_url), demo=False)
    two = build_bot(make_settings(sqlite_url), demo=False, migrate=False)
    now = utcnow()
    claims = [one.services.conversations.claim_event(first, now), two.services.conversations.claim_event(second, now)]
    assert claims == [True, False]
    importlib.reload(press_ids)
