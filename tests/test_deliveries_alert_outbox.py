"""A budget alert crossed by ``finops-bot costs import`` in a command-line process (no Slack sender) is left in the
outbox, not failed: one of two running replicas posts it once, within one scheduler interval."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app import build_bot
from bot.costs.alerts import alerts
from tests.conftest import make_settings
from tests.costs_helpers import row, write
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import use_slack

INTERVAL = 0.5


async def _cli(url: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "MICROSOFT_"))}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, env={**env, "DATABASE_URL": url},
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    return out.decode()


@pytest.mark.postgres
async def test_an_alert_from_a_cli_import_is_posted_once_by_a_replica(pg_url: str, tmp_path: Path,
                                                                     fake: FakeSlackAPI) -> None:
    """Two replicas and a CLI process share one database: the PostgreSQL deployment (SQLite is one process)."""
    db_url = pg_url
    bots = [build_bot(make_settings(db_url), demo=False), build_bot(make_settings(db_url), migrate=False, demo=False)]
    s = bots[0].services
    s.teams.upsert("payments", slack_channel="C0PAYMENTS")
    s.budgets.budgets.set_budget("payments", Decimal(200), "USD", thresholds=("actual:50",))
    for bot in bots:
        use_slack(bot, fake)
        bot.services.scheduler.interval = INTERVAL
        await bot.services.scheduler.start()
    try:
        csv = write(tmp_path / "sep.csv", [row("10", day=f"2024-09-{d:02d}") for d in range(1, 11)])
        out = await _cli(db_url, "costs", "import", str(csv))
        assert "alert payments actual:50: queued" in out, out
        handed = time.monotonic()
        await fake.wait_for("chat.postMessage", 1, timeout=10)
        latency = time.monotonic() - handed
        assert latency < INTERVAL + 1.5, f"posted {latency:.2f} s after the import"
        print(f"alert posted {latency:.2f} s after the CLI import (scheduler interval {INTERVAL} s)")
        assert "no new budget alerts" in await _cli(db_url, "costs", "check-alerts")
        await asyncio.sleep(3 * INTERVAL)
        [post] = fake.of("chat.postMessage")
        assert post.args["channel"] == "C0PAYMENTS" and "Budget alert for payments" in post.args["text"]
        [stored] = alerts(s.db)
        assert stored.status == "sent" and stored.attempts == 1  # the CLI spent no attempt
    finally:
        for bot in bots:
            await bot.services.scheduler.stop()
            bot.services.db.dispose()
