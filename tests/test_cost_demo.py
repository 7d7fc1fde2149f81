"""Demo hygiene: only into a pristine database, budgets realistic on any day, answers labelled as demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.app import build_bot
from bot.config import Settings
from bot.demo import load_demo
from tests.costs_helpers import row, write


@pytest.mark.parametrize("day", [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 17), date(2026, 3, 31)])
def test_demo_budgets_are_realistic_on_any_day(sqlite_url: str, day: date) -> None:
    from tests.conftest import make_settings

    b = build_bot(make_settings(sqlite_url), demo=False)
    from bot.costs.demo import load_costs
    from bot.demo import is_pristine, load_teams

    assert is_pristine(b.services)
    load_teams(b.services)
    load_costs(b.services, day)
    svc = b.services.budgets
    assert svc is not None
    for team in ("payments", "checkout", "data-platform"):
        s = svc.status(team, day)
        assert s is not None and s.budget is not None and s.demo
        assert 55 <= s.forecast_pct <= 140, (team, day, s.forecast_pct)  # type: ignore[operator]
    reply = svc.status_reply("payments", day, chart=False)
    assert reply is not None and "(demo data)" in reply.text
    b.services.db.dispose()


def test_demo_never_loads_beside_imported_data(settings: Settings, tmp_path: Path) -> None:
    b = build_bot(settings, demo=False)
    b.services.budgets.import_file(write(tmp_path / "real.csv", [row("12.5", "platform")]))  # type: ignore[union-attr]
    assert b.services.teams.is_empty()  # a tagged export with no teams set up yet
    assert not load_demo(b.services)
    assert b.services.teams.is_empty() and not b.services.budgets.is_demo()  # type: ignore[union-attr]
    b.services.db.dispose()
