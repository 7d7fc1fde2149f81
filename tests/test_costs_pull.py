"""Scheduled cost pulls (``FINOPS_COST_SOURCES``): two app instances on one PostgreSQL database pull a source
exactly once, then run the budget checks; a failing source is reported to practitioners, not silent."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import build_services
from bot.costs.alerts import alerts
from bot.costs.pull import PULL_JOB, ensure_pull_job
from bot.costs.tables import CostImport
from bot.db import utcnow
from bot.delivery import DeliveryResult, Target
from bot.models import Reply
from tests.conftest import make_settings
from tests.costs_helpers import random_rows, row, write
from tests.emulators import moto_s3


class Captured:
    """A Slack poster that records what it was asked to post."""

    platform = "slack"

    def __init__(self) -> None:
        self.posts: list[tuple[Target, str]] = []

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        self.posts.append((target, replies[0].text))
        return DeliveryResult(ok=True, message_id="m1")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with moto_s3() as endpoint:
        for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(key, value)
        import s3fs

        fs = s3fs.S3FileSystem(skip_instance_cache=True)
        bucket = f"exports-{uuid.uuid4().hex[:10]}"
        fs.mkdir(bucket)
        yield fs, bucket


def _replicas(pg_url: str, source: str, n: int = 2) -> list[Any]:
    settings = make_settings(pg_url, cost_sources=(source,), admins=("slack:UADMIN@T0001",))
    replicas = [build_services(settings) for _ in range(n)]
    replicas[0].db.upgrade()
    replicas[0].teams.upsert("payments", slack_channel="CPAY")
    return replicas


@pytest.mark.postgres
async def test_two_replicas_pull_once_then_check_budgets(pg_url: str, s3: Any, tmp_path: Path) -> None:
    fs, bucket = s3
    local = write(tmp_path / "part.csv", [row("40", "payments", day="2024-09-03"), *random_rows(50, seed=9)])
    fs.put(str(local), f"{bucket}/focus/data/BILLING_PERIOD=2024-09/focus-00001.csv")
    a, b = _replicas(pg_url, f"s3://{bucket}/focus/")
    posters = [Captured(), Captured()]
    for services, poster in zip((a, b), posters, strict=True):
        services.delivery.register(poster)
    a.budgets.budgets.set_budget("payments", Decimal(10), "USD")
    assert [await a.db.run(ensure_pull_job, s) for s in (a, b)] == [True, False]  # one recurring job
    due = utcnow() + timedelta(minutes=2)
    ran = await asyncio.gather(a.scheduler.run_due(due), b.scheduler.run_due(due))
    assert sorted(ran) == [0, 1]  # the scheduler's claim: exactly one replica ran the pull
    with a.db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CostImport)).scalar() == 1
    assert [e.action for e in a.audit.recent(10)].count("costs.pull") == 1
    assert {x.threshold for x in alerts(a.db)} >= {"actual:100"}  # the budget check ran after the pull
    assert any(t.channel == "CPAY" for p in posters for t, _text in p.posts)
    job = a.scheduler.pending(PULL_JOB)
    assert len(job) == 1 and job[0].recurrence == "daily"  # rescheduled for tomorrow, not run again
    for s in (a, b):
        s.db.dispose()


@pytest.mark.postgres
async def test_a_failing_source_is_reported_to_practitioners(pg_url: str, s3: Any, tmp_path: Path) -> None:
    fs, bucket = s3
    fs.pipe(f"{bucket}/focus/data/BILLING_PERIOD=2024-09/focus-00001.csv", b"not,focus\n1,2\n")
    (a,) = _replicas(pg_url, f"s3://{bucket}/focus/", 1)
    poster = Captured()
    a.delivery.register(poster)
    a.roles.grant("slack:UPRAC@T0001", "practitioner", "test")
    await a.db.run(ensure_pull_job, a)
    assert await a.scheduler.run_due(utcnow() + timedelta(minutes=2)) == 1
    entry = next(e for e in a.audit.recent(10) if e.action == "costs.pull")
    assert "missing required FOCUS columns" in entry.detail["problems"][0]
    dms = sorted(t.user_ref for t, _text in poster.posts)
    assert dms == ["slack:UADMIN@T0001", "slack:UPRAC@T0001"]
    assert all("missing required FOCUS columns" in text for _t, text in poster.posts)
    a.db.dispose()


def test_cost_sources_setting_takes_urls_and_refuses_credentials() -> None:
    from bot.config import ConfigError, Settings

    s = Settings.from_env({"FINOPS_COST_SOURCES": "s3://b/focus/, abfs://c@acct.dfs.core.windows.net/x",
                           "FINOPS_COST_PULL": "weekly"})
    assert s.cost_sources == ("s3://b/focus/", "abfs://c@acct.dfs.core.windows.net/x")
    assert s.cost_pull_every == "weekly" and Settings.from_env({}).cost_pull_every == "daily"
    for bad in ("s3://AKIA:secret@bucket/x", "az://c/x?sv=2024&sig=abc", "/local/path", "https://x/y"):
        with pytest.raises(ConfigError):
            Settings.from_env({"FINOPS_COST_SOURCES": bad})


def test_terminal_progress_shows_percent_and_rows_per_second(tmp_path: Path) -> None:
    import io

    from bot.costs.progress import terminal

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    path = write(tmp_path / "f.csv", random_rows(2000, seed=1))
    out = Tty()
    report = terminal(path, "f.csv", out)
    assert report is not None and terminal(path, "f.csv", io.StringIO()) is None  # not a terminal: silent
    report(50.0)
    assert "f.csv:  50.0% of" in out.getvalue() and "rows/s" in out.getvalue()
