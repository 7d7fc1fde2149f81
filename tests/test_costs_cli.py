"""``finops-bot costs|budget|team`` commands end to end (SQLite and PostgreSQL)."""

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


def test_team_import_budget_and_totals(cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["team", "add", "payments", "--alias", "pay", "--slack-channel", "C1",
                 "--owner", "slack:U1@T0001"]) == 0
    assert main(["team", "add", "checkout"]) == 0
    assert main(["team", "map-account", "checkout", "acc-9"]) == 0
    assert main(["budget", "set", "payments", "10", "--thresholds", "50,forecast:100"]) == 0
    path = write(tmp_path / "f.csv", [row("4", tags='{"Team": "pay"}'), row("x"), row("2", tags="{}", account="acc-9"),
                                      row("1", tags="{}", account="other", currency="EUR")])
    capsys.readouterr()
    assert main(["costs", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "3 rows imported, 1 rejected" in out and "rejected line 3: BilledCost is not a number" in out
    assert "USD: BilledCost 6" in out and "EUR: BilledCost 1" in out
    assert "alert payments forecast:100: queued" in out  # 40 % used; no Slack sender in the CLI: left for serve
    assert main(["costs", "totals"]) == 0
    totals = capsys.readouterr().out.splitlines()
    assert totals == ["EUR\tunallocated\t1", "USD\tcheckout\t2", "USD\tpayments\t4"]
    assert main(["budget", "list"]) == 0
    assert "payments\tUSD\t10.00\tmonthly\tactual:50,forecast:100" in capsys.readouterr().out
    assert main(["budget", "status", "payments"]) == 0
    assert "payments: month-to-date BilledCost is 4.00 USD" in capsys.readouterr().out
    assert main(["team", "remove", "checkout"]) == 0
    assert capsys.readouterr().out == "removed checkout\n"
    assert main(["team", "list"]) == 0
    assert "checkout" not in capsys.readouterr().out


def test_errors_are_one_line_and_exit_1(cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["costs", "import", str(tmp_path / "nope.csv")]) == 1
    assert "no such file" in capsys.readouterr().out
    assert main(["budget", "set", "ghost", "10"]) == 1
    assert "no team named 'ghost'" in capsys.readouterr().err
    assert main(["team", "add", "Unallocated"]) == 1
    assert main(["team", "owner", "x", "bob"]) == 1
