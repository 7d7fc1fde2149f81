"""A replica that dies mid-batch (its scheduler task killed while a post is in flight) has its jobs finished by the
other replica within the lease, each exactly once; the post in flight is recorded as "unknown", not re-sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta

from bot.app import Bot, build_bot
from bot.db import utcnow
from bot.delivery import DeliveryResult, Target
from bot.jobs.when import When
from bot.models import Reply
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import use_slack

LEASE = timedelta(seconds=1.5)


class DiesOnPost:
    """Delivers the ``nth`` post, then never returns (the process is about to be killed)."""

    platform = "slack"

    def __init__(self, inner: object, nth: int) -> None:
        self.inner, self.nth, self.count, self.in_flight = inner, nth, 0, asyncio.Event()

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        self.count += 1
        result = await self.inner.post(target, replies)  # type: ignore[attr-defined]
        if self.count == self.nth:
            self.in_flight.set()
            await asyncio.Event().wait()
        return result


def _replica(url: str, fake: FakeSlackAPI, migrate: bool) -> Bot:
    bot = build_bot(make_settings(url, nudge_max_per_day=0), migrate=migrate, demo=False)
    use_slack(bot, fake)
    bot.services.scheduler.interval, bot.services.scheduler.lease = 0.05, LEASE
    return bot


async def test_a_killed_replicas_jobs_are_finished_by_the_other_exactly_once(db_url: str, fake: FakeSlackAPI) -> None:
    a, b = _replica(db_url, fake, True), _replica(db_url, fake, False)
    a.services.teams.upsert("payments", slack_channel="C0PAYMENTS")
    dying = DiesOnPost(a.services.delivery._posters["slack"], nth=4)
    a.services.delivery.register(dying)  # type: ignore[arg-type]
    svc = a.services.nudges
    assert svc is not None
    try:
        ids = [svc.schedule("slack:UPRAC@T0001", f"Nudge number {n}", ["team:payments"],
                            When(utcnow() - timedelta(seconds=1)))[0].id for n in range(10)]
        await a.services.scheduler.start()
        await asyncio.wait_for(dying.in_flight.wait(), 20)
        task = a.services.scheduler._task
        assert task is not None
        task.cancel()  # SIGKILL, as far as the database can tell: no finish, no more lease renewals
        killed = time.monotonic()
        await b.services.scheduler.start()
        deadline = killed + LEASE.total_seconds() + 15
        while not all(svc.store.get(i).status == "sent" for i in ids):
            assert time.monotonic() < deadline, "the surviving replica did not finish the jobs"
            await asyncio.sleep(0.05)
        took_over = time.monotonic() - killed
        await asyncio.sleep(0.3)
        texts = [c.args["text"].removeprefix("FinOps nudge\n") for c in fake.of("chat.postMessage")]
        assert sorted(texts) == sorted(f"Nudge number {n}" for n in range(10))  # each exactly once
        statuses = sorted(r.status for i in ids for r in svc.delivery(i))
        assert statuses == ["sent"] * 9 + ["unknown"]
        [unknown] = [r for i in ids for r in svc.delivery(i) if r.status == "unknown"]
        assert "may have been delivered" in (unknown.reason or "")
        assert LEASE.total_seconds() <= took_over < LEASE.total_seconds() + 10
        print(f"takeover after the kill: {took_over:.2f} s (lease {LEASE.total_seconds()} s)")
    finally:
        await b.services.scheduler.stop()
        a.services.scheduler._task = None
        for bot in (a, b):
            bot.services.db.dispose()
