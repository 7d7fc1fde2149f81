"""Asking about spend anomalies in chat: list the ones a person may see, show one, act on one by typing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_bot
from bot.costs.anomaly_alerts import check_anomalies, get
from tests.conftest import message
from tests.costs_helpers import write
from tests.test_cost_anomalies import _rows
from tests.test_costs_alerts import RecordingPoster


async def test_people_list_show_and_act_on_anomalies_by_typing(settings, tmp_path: Path) -> None:
    b = build_bot(settings, demo=False)
    s = b.services
    try:
        s.teams.upsert("payments", slack_channel="C-PAY")
        s.teams.upsert("search")
        s.teams.add_member("payments", "slack:UOWN@T0001", "owner")
        s.teams.add_member("search", "slack:USEARCH@T0001", "member")
        s.budgets.import_file(write(tmp_path / "x.csv", _rows()))  # type: ignore[union-attr]
        s.delivery.register(RecordingPoster())
        [posted] = await check_anomalies(s)
        b.router.clock = lambda: datetime(2024, 10, 2, 9, tzinfo=UTC)  # periods are relative to today: the data's

        def say(text: str, user: str = "UOWN"):  # type: ignore[no-untyped-def]
            return b.router.handle(message(text, user=user, platform="slack", channel=f"D-{user}", thread=""))

        listed = await say("were there any cost spikes in the last 30 days?")
        assert listed.intent == "cost_anomaly", listed.replies[0].text
        text = listed.replies[0].text
        assert f"#{posted.id} payments: EC2" in text and "1 spend anomaly" in text and "(1 open)" in text
        assert [c.value for c in listed.replies[0].choices] == [f"anomaly ack {posted.id}",
                                                                f"anomaly expected {posted.id}"]
        other = await say("any anomalies for my teams?", user="USEARCH")
        assert other.intent == "cost_anomaly" and "No spend anomalies for search" in other.replies[0].text
        hidden = await say(f"show me anomaly {posted.id}", user="USEARCH")
        assert "Only payments's people" in hidden.replies[0].text and "EC2" not in hidden.replies[0].text
        shown = await say(f"what was anomaly #{posted.id} about")
        assert shown.intent == "cost_anomaly" and "ACC-GPU" in shown.replies[0].text
        done = await say(f"anomaly {posted.id} is expected, it was a planned load test")
        assert "marked as expected" in done.replies[0].text
        row = get(s.db, posted.id)
        assert row is not None and row.status == "expected" and row.acted_by == "slack:UOWN@T0001"
        again = await say(f"acknowledge anomaly {posted.id}")
        assert "already expected" in again.replies[0].text
        after = await say("list the open anomalies for payments")
        assert "(0 open)" in after.replies[0].text and after.replies[0].choices == ()
        concept = await say("how should we set up anomaly detection for cloud spend?")
        assert concept.intent == "framework_question"  # the practice is a knowledge article, not the stored list
    finally:
        s.db.dispose()
