"""``finops-bot nudge send|schedule|list|cancel|status`` in-process, and the nudge settings' validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nudge.db'}")
    monkeypatch.setenv("FINOPS_TIMEZONE", "Europe/Berlin")
    assert main(["team", "add", "payments", "--slack-channel", "C0PAYMENTS"]) == 0
    return main


def test_send_schedule_list_status_cancel(cli, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli(["nudge", "send", "--to", "payments, nosuchteam", "Tag", "your", "resources"]) == 0
    out = capsys.readouterr().out
    assert "warning: I don't know a team called “nosuchteam”" in out
    assert "nudge 1 queued (job " in out and "finops-bot serve" in out
    assert cli(["nudge", "schedule", "--to", "#finops", "--at", "every weekday at 9:00", "Weekly", "check"]) == 0
    assert "every weekday at 09:00 Europe/Berlin" in capsys.readouterr().out
    assert cli(["nudge", "list"]) == 0
    listing = capsys.readouterr().out
    assert "#1 " in listing and "“Tag your resources”" in listing and "Slack channel #finops" in listing
    assert cli(["nudge", "status", "1"]) == 0
    assert "Nothing delivered yet." in capsys.readouterr().out
    assert cli(["nudge", "cancel", "2"]) == 0 and "nudge 2 cancelled" in capsys.readouterr().out
    assert cli(["nudge", "cancel", "2"]) == 1
    assert "nudge 2 is cancelled, so it can't be changed" in capsys.readouterr().err
    assert cli(["audit", "--last", "5"]) == 0
    audit = capsys.readouterr().out
    assert "cli nudge.cancel nudge 2" in audit and "cli nudge.create nudge 1" in audit


def test_bad_input_is_one_clear_line(cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["nudge", "schedule", "--to", "payments", "--at", "yesterday", "x"]) == 1
    assert "can't read “yesterday”" in capsys.readouterr().err
    assert cli(["nudge", "send", "--to", "zzz", "x"]) == 1
    assert "nobody to send that to" in capsys.readouterr().err
    assert cli(["nudge", "status", "7"]) == 1
    assert "there is no nudge 7" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["20-8", "20:00-20:00", "25:00-08:00", "evening"])
def test_quiet_hours_must_be_a_window(value: str) -> None:
    with pytest.raises(ConfigError, match="FINOPS_QUIET_HOURS"):
        Settings.from_env({"FINOPS_QUIET_HOURS": value})


def test_nudge_settings_are_read() -> None:
    s = Settings.from_env({"FINOPS_QUIET_HOURS": "20:00-8:00", "FINOPS_NUDGE_MAX_PER_DAY": "5",
                           "FINOPS_NUDGE_CHANNELS": "C0PAYMENTS, #finops"})
    assert (s.quiet_hours, s.nudge_max_per_day, s.nudge_channels) == ("20:00-08:00", 5, ("C0PAYMENTS", "#finops"))
    with pytest.raises(ConfigError, match="FINOPS_NUDGE_MAX_PER_DAY"):
        Settings.from_env({"FINOPS_NUDGE_MAX_PER_DAY": "-1"})
