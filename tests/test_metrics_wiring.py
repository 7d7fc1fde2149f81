"""The Prometheus counters operators watch are incremented where the work happens: imports and deliveries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Bot, build_bot
from bot.delivery import Target
from bot.errors import UserError
from bot.models import Reply
from tests.conftest import make_settings


def sample(bot: Bot, name: str, **labels: str) -> float:
    """One sample of the bot's registry (0 when the series does not exist yet)."""
    return bot.services.metrics.registry.get_sample_value(name, labels) or 0.0


def test_cost_imports_are_counted_ok_and_failed(db_url: str, tmp_path: Path) -> None:
    bot = build_bot(make_settings(db_url), demo=True)  # an empty database: the demo is loaded here
    try:
        assert sample(bot, "finops_cost_imports_total", status="ok") >= 1  # the demo costs went through import_file
        bad = tmp_path / "bad.csv"
        bad.write_text("not,a,focus,file\n1,2,3,4\n")
        with pytest.raises(UserError, match="missing required FOCUS columns"):
            bot.services.budgets.import_file(bad)  # type: ignore[union-attr]
        assert sample(bot, "finops_cost_imports_total", status="failed") == 1
    finally:
        bot.services.db.dispose()


async def test_deliveries_are_counted_by_platform_and_outcome(bot: Bot) -> None:
    result = await bot.services.delivery.send(Target("nowhere", "T1", channel="C1"), [Reply("hi")])
    assert not result.ok
    assert sample(bot, "finops_deliveries_total", platform="nowhere", status="failed") == 1
    text = bot.services.metrics.render().decode()
    assert 'finops_deliveries_total{platform="nowhere",status="failed"} 1.0' in text
