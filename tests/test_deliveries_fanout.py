"""A 300-person survey: Send is acknowledged at once (the invitations are queued jobs), and two replicas deliver
every invitation exactly once while the fake Slack Web API enforces its rate limits (429 with Retry-After).
Besides the limits (which a loaded machine may not reach), a few 429s are scripted so the retry path always runs."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from bot.app import Bot, build_bot
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import use_slack
from tests.survey_helpers import press, say, text_of

PEOPLE = [f"slack:U{n:04d}@T0001" for n in range(1, 301)]
AUTHOR = "slack:UPRAC@T0001"
PER_SECOND = 120  # the fake's chat.postMessage limit for the workspace, tuned down so the test runs in seconds


def _replicas(url: str, fake: FakeSlackAPI) -> list[Bot]:
    bots = [build_bot(make_settings(url), demo=False), build_bot(make_settings(url), migrate=False, demo=False)]
    for bot in bots:
        use_slack(bot, fake)
        bot.services.scheduler.interval = 0.05
    s = bots[0].services
    s.teams.upsert("everyone")
    for ref in PEOPLE:
        s.teams.add_member("everyone", ref)
    s.roles.grant(AUTHOR, "practitioner", "console:you@local")
    return bots


async def test_a_300_person_survey_is_acknowledged_at_once_and_delivered_at_the_limit(db_url: str,
                                                                                     fake: FakeSlackAPI) -> None:
    posts = fake.limit("chat.postMessage", per_channel=1, per_method=PER_SECOND, window=1.0, retry_after=1)
    opens = fake.limit("conversations.open", per_method=2 * PER_SECOND, window=1.0, retry_after=1)
    scripted = 3
    bots = _replicas(db_url, fake)
    try:
        preview = await say(bots[0], AUTHOR, "survey everyone: Did you read the cost report? yes/no")
        send = next(c.value for c in preview.replies[0].choices if c.label == "Send")
        started = time.perf_counter()
        ack = await press(bots[0], AUTHOR, send)
        ack_seconds = time.perf_counter() - started
        assert "Sending survey" in text_of(ack) and "300 people" in text_of(ack), text_of(ack)
        assert ack_seconds < 2.0, f"acknowledged in {ack_seconds:.2f} s"
        sid = int(send.split()[-1])
        status = text_of(await say(bots[1], AUTHOR, f"survey status {sid}"))
        assert "of 300 sent" in status
        fake.fail("chat.postMessage", "ratelimited", times=scripted, status=429, **{"Retry-After": "1"})
        for bot in bots:
            await bot.services.scheduler.start()
        store, deadline = bots[0].services.surveys, time.monotonic() + 120
        while any(i.status == "pending" for i in store.invites(sid)):
            assert time.monotonic() < deadline, store.invites(sid)[:3]
            await asyncio.sleep(0.1)
        summary = await _wait_for_summary(fake, sid)
        await asyncio.sleep(0.5)  # a duplicate, if there were one, would arrive now
        dms = [c for c in fake.of("chat.postMessage") if c.args["channel"] != "DPRAC" and not c.failed]
        per_person = Counter(c.args["channel"] for c in dms)
        assert len(per_person) == 300 and set(per_person.values()) == {1}  # everyone once, nobody twice
        assert all(i.status == "sent" for i in store.invites(sid))
        assert "300 of 300 sent" in summary
        times = sorted(c.at for c in fake.of("chat.postMessage"))
        busiest = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
        assert busiest <= PER_SECOND  # the limit was honoured (reached too when posts.refused or opens.refused > 0)
        assert not fake.failures.get("chat.postMessage")  # the scripted 429s were met, and retried: all got one
        span = times[-1] - times[0]
        print(f"ack {ack_seconds * 1000:.0f} ms; 300 invitations in {span:.1f} s = {len(times) / span:.0f}/s "
              f"(limit {PER_SECOND}/s, busiest second {busiest}); 429s: {posts.refused} posts, {opens.refused} opens")
    finally:
        for bot in bots:
            await bot.services.scheduler.stop()
            bot.services.db.dispose()


async def _wait_for_summary(fake: FakeSlackAPI, sid: int) -> str:
    for _ in range(200):
        found = [c for c in fake.of("chat.postMessage") if c.args["text"].startswith(f"Survey sent\nSurvey #{sid}")
                 or f"Survey #{sid} “" in c.args["text"]]
        if found:
            return str(found[0].args["text"])
        await asyncio.sleep(0.05)
    raise AssertionError("the author got no summary")
