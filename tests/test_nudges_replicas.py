"""Two app instances on one database with their schedulers running: due nudges reach Slack (fake Web API) and Teams
(fake Bot Framework connector) exactly once each; the daily limit holds across replicas; after downtime a due nudge
is sent once within the grace window and an older one is marked missed."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from bot.app import Bot, build_bot
from bot.config import Settings
from bot.db import as_utc, utcnow
from bot.jobs.when import When
from bot.nudges.service import JOB_KIND
from tests.conftest import make_settings
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import first, say, use_slack, use_teams

CONVERSATION = "19:payments-general@thread.tacv2"


def _replicas(settings: Settings, slack: FakeSlackAPI, connector: FakeConnector, **overrides: object) -> list[Bot]:
    tuned = make_settings(settings.database_url, teams_enabled=True, **overrides)
    bots = [build_bot(tuned, demo=False), build_bot(tuned, migrate=False, demo=False)]
    bots[0].services.teams.upsert("payments", slack_channel="C0PAYMENTS", teams_conversation=CONVERSATION)
    for bot in bots:
        use_slack(bot, slack)
        use_teams(bot, connector, CONVERSATION)
        bot.services.scheduler.interval = 0.05
    return bots


def _schedule(bot: Bot, count: int, due_in: timedelta = timedelta(seconds=-1)) -> list[int]:
    svc = bot.services.nudges
    assert svc is not None
    return [svc.schedule("slack:UPRAC@T0001", f"Nudge number {n}", ["team:payments"], When(utcnow() + due_in))[0].id
            for n in range(count)]


async def _run_both(bots: list[Bot], done, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    for bot in bots:
        await bot.services.scheduler.start()
    try:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the schedulers did not finish in time"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # let any duplicate (there must be none) arrive
    finally:
        for bot in bots:
            await bot.services.scheduler.stop()


async def test_two_replicas_deliver_ten_due_nudges_exactly_once(settings, fakes) -> None:
    slack, connector = fakes
    bots = _replicas(settings, slack, connector, nudge_max_per_day=0)
    try:
        ids = _schedule(bots[0], 10)
        await _run_both(bots, lambda: len(slack.of("chat.postMessage")) >= 10 and len(connector.posted) >= 10)
        slack_texts = sorted(c.args["text"] for c in slack.of("chat.postMessage"))
        teams_texts = sorted(p.text for p in connector.posted)
        assert len(slack_texts) == 10 and len(set(slack_texts)) == 10
        assert len(teams_texts) == 10 and len(set(teams_texts)) == 10
        assert all(p.conversation_id == CONVERSATION for p in connector.posted)
        svc = bots[1].services.nudges
        for nudge_id in ids:
            records = svc.delivery(nudge_id)
            assert sorted((r.platform, r.status) for r in records) == [("slack", "sent"), ("teams", "sent")]
            assert svc.store.get(nudge_id).status == "sent"
        assert bots[0].services.scheduler.pending(JOB_KIND) == []
    finally:
        for bot in bots:
            bot.services.db.dispose()


async def test_the_daily_limit_holds_across_replicas(settings, fakes) -> None:
    slack, connector = fakes
    bots = _replicas(settings, slack, connector, nudge_max_per_day=3)
    try:
        ids = _schedule(bots[0], 6)
        svc = bots[0].services.nudges

        def finished() -> bool:
            return all(len(svc.delivery(i)) == 2 and all(r.status != "sending" for r in svc.delivery(i)) for i in ids)

        await _run_both(bots, finished)
        assert len(slack.of("chat.postMessage")) == 3 and len(connector.posted) == 3
        skipped = [r for i in ids for r in svc.delivery(i) if r.status == "skipped"]
        assert len(skipped) == 6 and all("rate limit" in (r.reason or "") for r in skipped)
    finally:
        for bot in bots:
            bot.services.db.dispose()


async def test_after_downtime_due_nudges_are_sent_once_or_marked_missed(settings, fakes) -> None:
    slack, connector = fakes
    bots = _replicas(settings, slack, connector, scheduler_grace_minutes=60)
    try:
        recent = _schedule(bots[0], 1, due_in=timedelta(minutes=-30))[0]  # within the grace window
        old = _schedule(bots[0], 1, due_in=timedelta(days=-2))[0]  # long before it
        svc, sched = bots[0].services.nudges, bots[0].services.scheduler
        daily, _ = svc.schedule("slack:UPRAC@T0001", "Daily", ["team:payments"],
                                When(utcnow() - timedelta(days=2), "daily"))

        def settled() -> bool:
            return len(connector.posted) >= 1 and all(as_utc(j.due_at) > utcnow() for j in sched.pending())

        await _run_both(bots, settled)
        assert len(slack.of("chat.postMessage")) == 1 and len(connector.posted) == 1
        assert svc.store.get(recent).status == "sent" and svc.delivery(old) == []
        assert svc.state(svc.store.get(old)) == "missed"
        assert svc.delivery(daily.id) == [] and svc.state(svc.store.get(daily.id)) == "scheduled"  # next time
        [job] = sched.pending(JOB_KIND)
        assert job.id == daily.job_id and as_utc(job.due_at) > utcnow()
        audit = bots[0].services.audit.recent()
        assert any(r.action == "nudge.missed" and r.subject == f"nudge {daily.id}" for r in audit)
        status = first(await say(bots[1], f"nudge {old} status"))
        assert f"Nudge {old} (missed" in status and "Nothing delivered yet" in status
    finally:
        for bot in bots:
            bot.services.db.dispose()

