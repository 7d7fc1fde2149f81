"""Teams from the allocation tag through the CLI: listed and adopted after an import, budgets at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.costs_helpers import row, write


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("FINOPS_DEMO", "false")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return db_url


def _export(tmp: Path) -> Path:
    return write(tmp / "tagged.csv", [row("40", "platform"), row("2", "Search"), row("1.5", "search"),
                                      row("3", None), row("7", "web-shop", day="2024-09-02")])


def test_import_adopts_tag_teams_and_budget_status_works_at_once(cli_env: str, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["costs", "import", str(_export(tmp_path)), "--no-alerts"]) == 0
    out = capsys.readouterr().out
    assert "3 new teams found in tag `team`: platform, search, web-shop — added as teams (3 cost rows allocated)" in out
    assert main(["team", "list"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["platform", "search", "web-shop"]
    assert main(["budget", "set", "platform", "5000"]) == 0
    assert main(["budget", "status", "platform"]) == 0
    assert "platform: month-to-date BilledCost is 40.00 USD, 1% of the 5,000.00 USD" in capsys.readouterr().out
    assert main(["costs", "totals"]) == 0
    assert "USD\tsearch\t3.5" in capsys.readouterr().out


def test_no_adopt_lists_and_team_adopt_adds_later(cli_env: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["costs", "import", str(_export(tmp_path)), "--no-alerts", "--no-adopt"]) == 0
    assert "add them with `finops-bot team adopt --from-tag`" in capsys.readouterr().out
    assert main(["team", "adopt", "--from-tag", "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert main(["team", "list"]) == 0 and capsys.readouterr().out == ""
    assert main(["team", "adopt", "--from-tag"]) == 0
    assert "added 3 teams; 3 stored cost rows allocated" in capsys.readouterr().out
    assert main(["team", "adopt", "--from-tag"]) == 0
    assert "no new teams in tag `team`" in capsys.readouterr().out
