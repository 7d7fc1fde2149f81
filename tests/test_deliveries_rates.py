"""Posts follow the platforms' limits: Teams 429/412 answers are retried with backoff (Retry-After when given),
Slack posts to one channel are paced; nothing is lost or doubled (fakes enforcing the limits)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Bot, build_bot
from bot.db import utcnow
from bot.delivery import Pacing
from bot.jobs.when import When
from tests.conftest import make_settings
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import use_slack, use_teams

CONVERSATION = "19:payments-general@thread.tacv2"


def _bot(db_url: str) -> Bot:
    return build_bot(make_settings(db_url, teams_enabled=True, nudge_max_per_day=0), demo=False)


def _nudges(bot: Bot, count: int) -> list[int]:
    svc = bot.services.nudges
    assert svc is not None
    return [svc.schedule("slack:UPRAC@T0001", f"Nudge number {n}", ["team:payments"],
                         When(utcnow() - timedelta(seconds=1)))[0].id for n in range(count)]


@pytest.mark.parametrize(("status", "retry_after"), [(429, 1), (412, None)])
async def test_teams_throttling_is_retried_with_backoff(db_url: str, connector: FakeConnector, status: int,
                                                        retry_after: int | None) -> None:
    bot = _bot(db_url)
    bot.services.teams.upsert("payments", teams_conversation=CONVERSATION)
    use_teams(bot, connector, CONVERSATION)
    bot.services.delivery.pacing["teams"] = Pacing(per_second=20, burst=10, backoff=0.2)  # faster than allowed
    throttle = connector.limit(per_conversation=1, window=0.5, status=status, retry_after=retry_after)
    try:
        ids = _nudges(bot, 4)
        assert await bot.services.scheduler.run_due() == 4
        assert sorted(connector.texts()) == sorted(f"Nudge number {n}" for n in range(4))  # each once
        assert throttle.refused > 0
        svc = bot.services.nudges
        assert all([r.status for r in svc.delivery(i)] == ["sent"] for i in ids)
    finally:
        bot.services.db.dispose()


async def test_slack_posts_to_one_channel_are_paced(db_url: str, fake: FakeSlackAPI) -> None:
    bot = _bot(db_url)
    bot.services.teams.upsert("payments", slack_channel="C0PAYMENTS")
    use_slack(bot, fake)
    bot.services.delivery.pacing["slack"] = Pacing(per_second=3, burst=1, retries=0)
    limit = fake.limit("chat.postMessage", per_channel=2, window=0.5)
    try:
        _nudges(bot, 8)
        assert await bot.services.scheduler.run_due() == 8
        posts = fake.of("chat.postMessage")
        assert len(posts) == 8 and len({p.args["text"] for p in posts}) == 8
        assert limit.refused == 0  # paced under the channel's limit: Slack never had to refuse
        assert posts[-1].at - posts[0].at >= (8 - 1) / 3 - 0.1
    finally:
        bot.services.db.dispose()
