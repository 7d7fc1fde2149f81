"""Budget alerts: each threshold once per period per budget, even with two replicas checking at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from bot.app import build_bot
from bot.costs.alerts import alerts, check_alerts
from bot.delivery import DeliveryResult, Target
from bot.models import Reply
from tests.costs_helpers import row, write


class RecordingPoster:
    """A Slack poster that records what it was asked to post."""

    platform = "slack"

    def __init__(self) -> None:
        self.posts: list[tuple[Target, str]] = []

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        await asyncio.sleep(0.01)  # let the other replica interleave
        self.posts.append((target, replies[0].text))
        return DeliveryResult(ok=True, message_id=str(len(self.posts)))


def _setup(settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    a = build_bot(settings, demo=False)
    b = build_bot(settings, migrate=False, demo=False)
    a.services.teams.upsert("payments", slack_channel="C-PAY")
    a.services.teams.upsert("checkout")  # no channel: its alerts fail and are recorded
    rows = [row("10", day=f"2024-09-{d:02d}") for d in range(1, 11)]
    rows += [row("1", team="checkout", day=f"2024-09-{d:02d}") for d in range(1, 11)]
    a.services.budgets.import_file(write(tmp_path / "sep.csv", rows))
    a.services.budgets.budgets.set_budget("payments", Decimal(120), "USD")  # 83 % used, forecast > 100 %
    a.services.budgets.budgets.set_budget("checkout", Decimal(15), "USD", thresholds=("actual:50",))
    return a, b


async def test_two_replicas_send_each_threshold_once(settings, tmp_path: Path) -> None:
    a, b = _setup(settings, tmp_path)
    pa, pb = RecordingPoster(), RecordingPoster()
    a.services.delivery.register(pa)
    b.services.delivery.register(pb)
    try:
        first = await asyncio.gather(check_alerts(a.services), check_alerts(b.services))
        outcomes = [o for batch in first for o in batch]
        pay = [t for o in outcomes if o.team == "payments" for t in o.thresholds]
        assert sorted(pay) == ["actual:50", "actual:80", "forecast:100"]  # each exactly once across replicas
        posts = pa.posts + pb.posts
        assert 1 <= len(posts) <= 3 and all(t.channel == "C-PAY" for t, _ in posts)
        assert "Budget alert for payments" in posts[0][1]
        again = await asyncio.gather(check_alerts(a.services), check_alerts(b.services))
        assert [o for batch in again for o in batch if o.team == "payments"] == []
        stored = await a.services.db.run(alerts, a.services.db, "sent")
        assert sorted(x.threshold for x in stored) == ["actual:50", "actual:80", "forecast:100"]
    finally:
        a.services.db.dispose()
        b.services.db.dispose()


async def test_failed_alerts_are_recorded_and_retried_a_few_times(settings, tmp_path: Path) -> None:
    a, b = _setup(settings, tmp_path)
    try:
        outcomes = await check_alerts(a.services)
        failed = [o for o in outcomes if o.team == "checkout"]
        assert len(failed) == 1 and not failed[0].ok and "no Slack channel" in (failed[0].error or "")
        pay = [o for o in outcomes if o.team == "payments"]
        assert pay and not pay[0].ok and "slack is not enabled" in (pay[0].error or "")  # no poster: logged
        for _ in range(4):
            await check_alerts(b.services)
        rows = await a.services.db.run(alerts, a.services.db, "failed")
        assert rows and all(r.attempts == 3 and r.error for r in rows)
    finally:
        a.services.db.dispose()
        b.services.db.dispose()


async def test_daily_scheduler_job_runs_the_check(settings, tmp_path: Path) -> None:
    from datetime import timedelta

    from bot.costs.alerts import ALERT_JOB, ensure_alert_job
    from bot.db import utcnow

    a, b = _setup(settings, tmp_path)
    poster = RecordingPoster()
    a.services.delivery.register(poster)
    try:
        ensure_alert_job(a.services)
        ensure_alert_job(a.services)
        assert len(a.services.scheduler.pending(ALERT_JOB)) == 1
        ran = await a.services.scheduler.run_due(utcnow() + timedelta(hours=2))
        assert ran == 1 and poster.posts and poster.posts[0][0].channel == "C-PAY"
        assert len(a.services.scheduler.pending(ALERT_JOB)) == 1  # daily: rescheduled
    finally:
        a.services.db.dispose()
        b.services.db.dispose()
