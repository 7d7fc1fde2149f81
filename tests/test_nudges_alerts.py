"""Budget threshold alerts go through the nudge delivery records: one row per channel, Slack and Teams (fakes),
failures kept with the platform's reason, and a later check re-posts only where it failed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.app import Bot, build_bot
from bot.costs.alerts import check_alerts
from bot.costs.budgets import Budget
from bot.delivery.records import DeliveryLog
from tests.conftest import make_settings
from tests.costs_helpers import row, write
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import use_slack, use_teams

CONVERSATION = "19:payments-general@thread.tacv2"


def _payments_over_half_its_budget(db_url: str, tmp_path: Path, slack: FakeSlackAPI,
                                   connector: FakeConnector) -> tuple[Bot, Budget]:
    """A bot whose payments team (a Slack channel and a Teams conversation) spent 100 of a 200 USD budget."""
    bot = build_bot(make_settings(db_url, teams_enabled=True), demo=False)
    s = bot.services
    s.teams.upsert("payments", slack_channel="C0PAYMENTS", teams_conversation=CONVERSATION)
    use_slack(bot, slack)
    use_teams(bot, connector, CONVERSATION)
    s.budgets.import_file(write(tmp_path / "sep.csv", [row("10", day=f"2024-09-{d:02d}") for d in range(1, 11)]))
    return bot, s.budgets.budgets.set_budget("payments", Decimal(200), "USD", thresholds=("actual:50",))


async def test_alerts_are_recorded_per_channel_with_the_failure_reason(db_url: str, tmp_path: Path, fakes) -> None:
    slack, connector = fakes
    bot, budget = _payments_over_half_its_budget(db_url, tmp_path, slack, connector)
    s = bot.services
    try:
        slack.fail("chat.postMessage", "channel_not_found")
        [outcome] = await check_alerts(s)
        assert outcome.ok and "channel_not_found" in (outcome.error or "")  # Teams got it, Slack did not
        records = {r.platform: r for r in DeliveryLog(s.db).records(f"budget-alert:{budget.id}")}
        assert records["slack"].status == "failed" and records["slack"].reason == "channel_not_found"
        assert records["teams"].status == "sent" and len(connector.posted) == 1
        assert "Budget alert for payments" in connector.posted[0].text
        await check_alerts(s)  # nothing new crossed and the alert counts as sent: no re-post anywhere
        assert len(connector.posted) == 1 and len(slack.of("chat.postMessage")) == 1
    finally:
        s.db.dispose()


async def test_an_alert_that_failed_everywhere_is_retried_once_per_channel(db_url: str, tmp_path: Path,
                                                                           fakes) -> None:
    slack, connector = fakes
    bot, budget = _payments_over_half_its_budget(db_url, tmp_path, slack, connector)
    s = bot.services
    try:
        slack.fail("chat.postMessage", "channel_not_found")
        connector.mark_gone(CONVERSATION, 403)
        [first] = await check_alerts(s)
        assert not first.ok and "channel_not_found" in (first.error or "") and "403" in (first.error or "")
        connector.gone.clear()
        [retry] = await check_alerts(s)  # both failed, so the alert is claimed again; both channels re-posted
        assert retry.ok and len(connector.posted) == 1 and len(slack.of("chat.postMessage")) == 2
        records = DeliveryLog(s.db).records(f"budget-alert:{budget.id}")
        assert sorted((r.platform, r.status) for r in records) == [("slack", "sent"), ("teams", "sent")]
        assert await check_alerts(s) == [] and len(connector.posted) == 1
    finally:
        s.db.dispose()
