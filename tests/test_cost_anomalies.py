"""Anomaly alerts: a spike against the weekday baseline is posted once with its driver; buttons record actions."""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta
from pathlib import Path

from bot.app import build_bot
from bot.costs.anomalies import Rules, baseline, detect, is_spike
from bot.costs.anomaly_alerts import check_anomalies, get
from bot.models import ConversationKey, IncomingMessage
from intents.cost_anomaly import CostAnomalyIntent
from tests.costs_helpers import row, write
from tests.test_costs_alerts import RecordingPoster

SPIKE = date(2024, 9, 30)


def _rows() -> list[dict[str, str]]:
    rng = random.Random(2)
    rows = []
    d = date(2024, 8, 1)
    while d <= SPIKE:
        weekend = d.weekday() >= 5
        for svc, base in (("EC2", 100), ("S3", 30)):
            v = base * (0.5 if weekend else 1) * rng.uniform(0.95, 1.05)
            rows.append(row(f"{v:.4f}", "payments", day=d.isoformat(), service=svc, account="acc-main"))
        if d == SPIKE:
            rows.append(row("400", "payments", day=d.isoformat(), service="EC2", account="acc-gpu",
                            RegionId="eu-west-1"))
        d += timedelta(days=1)
    return rows


def test_baseline_is_weekday_aware() -> None:
    series = {date(2024, 9, 1) + timedelta(days=i): (50.0 if (date(2024, 9, 1) + timedelta(days=i)).weekday() >= 5
                                                     else 100.0) for i in range(42)}
    sat = date(2024, 10, 12)
    assert baseline(series, sat)[0] == 50.0  # type: ignore[index]
    assert not is_spike(100.0, baseline(series, date(2024, 10, 14)), Rules())  # type: ignore[arg-type]
    assert is_spike(100.0, baseline(series, sat), Rules())  # type: ignore[arg-type]  # a weekday's spend on a Saturday


async def test_spike_is_posted_once_with_driver_and_buttons_record_actions(settings, tmp_path: Path) -> None:
    b = build_bot(settings, demo=False)
    s = b.services
    s.teams.upsert("payments", slack_channel="C-PAY")
    s.teams.add_member("payments", "slack:UOWN@T0001", "owner")
    s.budgets.import_file(write(tmp_path / "x.csv", _rows()))  # type: ignore[union-attr]
    found = detect(s.db, [SPIKE, SPIKE - timedelta(days=1)], Rules())
    assert [(a.team, a.service, a.day, a.account, a.region) for a in found] == [
        ("payments", "EC2", SPIKE, "ACC-GPU", "eu-west-1")]
    poster = RecordingPoster()
    s.delivery.register(poster)
    first, second = await asyncio.gather(check_anomalies(s), check_anomalies(s))
    outcomes = first + second
    assert len(outcomes) == 1 and outcomes[0].ok and len(poster.posts) == 1
    target, text = poster.posts[0]
    assert target.channel == "C-PAY" and "EC2" in text and "ACC-GPU" in text and "% over its usual" in text
    assert await check_anomalies(s) == []  # posted once
    intent = CostAnomalyIntent(s)
    aid = outcomes[0].id
    stranger = IncomingMessage(ConversationKey("slack", "T0001", "C-PAY", "", "UX"), f"anomaly ack {aid}", "e1")
    assert "Only payments" in (await intent.handle(stranger, None, None))[0].text  # type: ignore[arg-type]
    owner = IncomingMessage(ConversationKey("slack", "T0001", "C-PAY", "", "UOWN"), f"anomaly expected {aid}", "e2")
    done = await intent.handle(owner, None, None)  # type: ignore[arg-type]
    assert "marked as expected" in done[0].text
    row_ = get(s.db, aid)
    assert row_ is not None and row_.status == "expected" and row_.acted_by == "slack:UOWN@T0001"
    again = await intent.handle(owner, None, None)  # type: ignore[arg-type]
    assert "already expected" in again[0].text
    s.db.dispose()
