"""A recurring nudge's list line and status show the occurrence after the one just sent, not the one sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import build_bot
from bot.jobs.when import When
from bot.nudges.text import list_line, status_text
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import freeze, use_slack

MONDAY_0900 = datetime(2030, 6, 3, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


async def test_list_and_status_show_the_next_occurrence_after_a_send(demo_url: str, fake: FakeSlackAPI) -> None:
    bot = build_bot(make_settings(demo_url, timezone="Europe/Berlin", nudge_max_per_day=0), demo=True)
    use_slack(bot, fake)
    freeze(bot, MONDAY_0900 + timedelta(seconds=5))
    svc = bot.services.nudges
    assert svc is not None
    try:
        nudge, _ = svc.schedule("console:you@local", "Stand-up costs", ["team:payments"], When(MONDAY_0900, "weekdays"))
        assert "Mon 03 Jun 2030 09:00" in list_line(svc, svc.store.get(nudge.id))
        assert await bot.services.scheduler.run_due() == 1
        assert len(fake.of("chat.postMessage")) == 1
        view = svc.store.get(nudge.id)
        assert "next Tue 04 Jun 2030 09:00" in list_line(svc, view)
        assert "Next: Tue 04 Jun 2030 09:00" in status_text(svc, view, svc.delivery(nudge.id))
    finally:
        bot.services.db.dispose()
