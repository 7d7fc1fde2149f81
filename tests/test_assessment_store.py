"""Assessment storage, rollups, reminders and expiry, CSV export and ``ask --json`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Bot, build_bot
from bot.assessment.cli import HEADER, to_csv
from bot.assessment.reminders import send_reminders
from bot.assessment.rollup import team_status
from bot.assessment.store import REMINDER_JOB, AssessmentStore
from bot.cli import main
from bot.db import utcnow
from bot.delivery import DeliveryResult, Target
from bot.models import ConversationKey, Reply
from tests.conftest import make_settings

CAPS = ("allocation", "budgeting", "usage-optimization")
KEY = ConversationKey("slack", "T1", "D0DM", "", "U1")


def _answer_all(store: AssessmentStore, user: str, team: str, levels: Sequence[int | None], bot: Bot,
                days_ago: float = 0) -> int:
    at = utcnow() - timedelta(days=days_ago)
    info = store.create(user, bot.services.teams.get(team), CAPS, at, KEY)  # type: ignore[arg-type]
    for q, level in enumerate(levels):
        assert store.record(info.id, q, level, at) in ("recorded", "finished")
    return info.id


@pytest.fixture
def empty_bot(settings) -> Bot:
    b = build_bot(settings, demo=False)
    b.services.teams.upsert("payments")
    b.services.teams.upsert("checkout")
    yield b
    b.services.db.dispose()


def test_answers_are_rows_upserted_by_question(empty_bot: Bot) -> None:
    store = empty_bot.services.maturity
    assert store is not None
    info = store.create("slack:U1@T0001", empty_bot.services.teams.get("payments"), CAPS, utcnow(), KEY)  # type: ignore
    now = utcnow()
    assert store.record(info.id, 0, 2, now) == "recorded"
    assert store.record(info.id, 0, 2, now) == "duplicate"
    assert store.record(info.id, 0, 3, now) == "stale"
    assert store.back(info.id, 1, now) and store.record(info.id, 0, 4, now) == "recorded"
    assert store.record(info.id, 1, None, now) == "recorded"
    fresh = store.get(info.id)
    assert fresh is not None and fresh.answers == {0: 4, 1: None} and fresh.position == 2
    assert fresh.where == ("slack", "T1", "D0DM", "")
    assert store.pause(info.id, now) and store.get(info.id).status == "paused"  # type: ignore[union-attr]
    assert [i.id for i in store.unfinished("slack:U1@T0001", now)] == [info.id]


def test_respondents_combined_by_median_with_spread_and_trend(empty_bot: Bot) -> None:
    store = empty_bot.services.maturity
    assert store is not None
    _answer_all(store, "slack:U1@T0001", "payments", [1] * 15, empty_bot, days_ago=100)
    _answer_all(store, "slack:U1@T0001", "payments", [2, 2, 2, 2, 2] * 3, empty_bot, days_ago=2)
    _answer_all(store, "slack:U2@T0001", "payments", [4, 2, 2, 2, 0] * 3, empty_bot, days_ago=1)
    _answer_all(store, "slack:U3@T0001", "payments", [3, 2, 2, 2, None] * 3, empty_bot, days_ago=0)
    status = team_status("payments", store.finished(empty_bot.services.teams.get("payments").id))  # type: ignore
    assert status is not None and status.respondents == 3
    alloc = status.capabilities[0]
    assert alloc.capability.name == "Allocation"
    assert alloc.latest.medians == {"knowledge": 3.0, "process": 2.0, "metrics": 2.0, "adoption": 2.0,
                                    "automation": 1.0}
    assert alloc.latest.spread == {"knowledge": (2, 4), "automation": (0, 2)}
    assert alloc.latest.score == 10.0 and alloc.label == "Walk"
    assert alloc.previous is not None and alloc.previous.score == 5.0
    assert status.trend is not None and status.trend[0] == 5.0
    line = store.summary_line("payments")
    assert line is not None and "10 / 20 (Walk)" in line and "↑ +5" in line and "3 respondents" in line
    assert store.summary_line("checkout") is None


def test_export_csv(empty_bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = empty_bot.services.maturity
    assert store is not None
    _answer_all(store, "slack:U1@T0001", "payments", [0, 1, 2, 3, 4, None, 1, 1, 1, 1, 2, 2, 2, 2, 2], empty_bot)
    rows = list(csv.reader(io.StringIO(to_csv(store.finished()))))
    assert tuple(rows[0]) == HEADER and len(rows) == 16
    assert rows[1][1:3] == ["payments", "slack:U1@T0001"] and rows[1][4] == "Allocation" and rows[1][5] == "10"
    assert rows[6][7] == "Knowledge" and rows[6][8] == ""  # the skipped question
    monkeypatch.setenv("DATABASE_URL", empty_bot.services.settings.database_url)
    out = tmp_path / "maturity.csv"
    assert main(["assessments", "export", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[0].startswith("assessment_id,team")
    assert main(["assessments", "export", "--out", str(tmp_path / "missing" / "x.csv")]) == 1


class FakePoster:
    """Records proactive posts instead of sending them."""

    platform = "slack"

    def __init__(self, dm_works: bool = True) -> None:
        self.sent: list[tuple[Target, list[Reply]]] = []
        self.dm_works = dm_works

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        if not target.channel and not self.dm_works:
            return DeliveryResult(ok=False, error="cannot_dm_bot")
        self.sent.append((target, list(replies)))
        return DeliveryResult(ok=True)


async def test_reminder_before_expiry_once_across_replicas_then_expiry(settings, empty_bot: Bot) -> None:
    store = empty_bot.services.maturity
    assert store is not None and store.ttl == timedelta(days=7)
    start = utcnow()
    info = store.create("slack:U1@T0001", empty_bot.services.teams.get("payments"), CAPS, start, KEY)  # type: ignore
    store.record(info.id, 0, 3, start, KEY)
    store.pause(info.id, start)
    assert store.due_reminders(start + timedelta(days=5)) == []
    poster = FakePoster()
    empty_bot.services.delivery.register(poster)
    other = AssessmentStore(empty_bot.services.db)  # a second replica's store on the same database
    later = start + timedelta(days=6, hours=1)
    results = await send_reminders(empty_bot.services, store, later)
    assert [r.ok for r in results] == [True] and other.due_reminders(later) == []
    target, replies = poster.sent[0]
    assert (target.platform, target.channel, target.user_ref) == ("slack", "", "slack:U1@T0001")  # a DM
    assert "question 2 / 15" in replies[0].text and "resume" in replies[0].text
    assert store.unfinished("slack:U1@T0001", later) != []
    expired_at = start + timedelta(days=7, minutes=1)
    assert store.unfinished("slack:U1@T0001", expired_at) == []  # expired even before the job marks it
    store.due_reminders(expired_at)
    assert store.get(info.id).status == "expired"  # type: ignore[union-attr]
    assert store.get(info.id).answers == {0: 3}  # type: ignore[union-attr]


async def test_the_daily_reminder_job_is_scheduled_with_the_first_assessment(bot: Bot) -> None:
    from tests.test_assessment_flow import _start_quick

    assert bot.services.scheduler.pending(REMINDER_JOB) == []
    await _start_quick(bot)
    await _start_quick(bot, team="checkout")
    [job] = bot.services.scheduler.pending(REMINDER_JOB)
    assert job.recurrence == "daily" and REMINDER_JOB in bot.services.scheduler.handlers


def test_ttl_setting(db_url: str) -> None:
    from bot.config import ConfigError, Settings

    assert Settings.from_env({"DATABASE_URL": db_url, "FINOPS_ASSESSMENT_TTL_DAYS": "3"}).assessment_ttl_days == 3
    with pytest.raises(ConfigError, match="FINOPS_ASSESSMENT_TTL_DAYS"):
        Settings.from_env({"DATABASE_URL": db_url, "FINOPS_ASSESSMENT_TTL_DAYS": "0"})
    b = build_bot(make_settings(db_url, assessment_ttl_days=3), demo=False)
    try:
        assert b.services.maturity is not None and b.services.maturity.ttl == timedelta(days=3)
    finally:
        b.services.db.dispose()


def test_ask_json_reports_the_assessment_intents(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ask.db'}")
    assert main(["ask", "--json", "start assessment"]) == 0
    assert main(["ask", "--json", "what's our maturity"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["intent"] for r in rows] == ["start_assessment", "maturity_status"]
    assert all(r["confidence"] >= 0.9 and r["topic"] is None for r in rows)


async def test_slack_app_home_shows_the_maturity_line(bot: Bot) -> None:
    from adapters.slack_home import home_view

    view = await home_view(bot.services, bot.router.intents, "console:you@local")
    text = json.dumps(view, ensure_ascii=False)
    assert "Maturity: " in text and "/ 20 (Walk)" in text


async def test_reminder_falls_back_to_where_the_person_answered(empty_bot: Bot) -> None:
    store = empty_bot.services.maturity
    assert store is not None
    start = utcnow()
    info = store.create("slack:U1@T0001", empty_bot.services.teams.get("payments"), CAPS, start, KEY)  # type: ignore
    poster = FakePoster(dm_works=False)
    empty_bot.services.delivery.register(poster)
    results = await send_reminders(empty_bot.services, store, start + timedelta(days=6, hours=2))
    assert [r.ok for r in results] == [True]
    assert [(t.channel, t.thread) for t, _ in poster.sent] == [("D0DM", "")]
    assert store.get(info.id).status == "open"  # type: ignore[union-attr]
