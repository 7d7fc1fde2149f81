"""Roles, audit log and the scheduler on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from adapters.threads import SlackThread, SlackThreadStore, TeamsThreadStore
from bot.app import build_bot
from bot.jobs.recurrence import next_occurrence
from bot.jobs.scheduler import Job, RetryLater


async def test_roles_grant_revoke_and_access(bot) -> None:
    s = bot.services
    assert not s.access.is_practitioner("slack:U9@T0001")
    assert s.roles.grant("slack:U9@T0001", "practitioner", "console:you@local")
    assert not s.roles.grant("slack:U9@T0001", "practitioner", "console:you@local")
    s.access.forget_cache()
    assert s.access.is_practitioner("slack:U9@T0001") and not s.access.is_admin("slack:U9@T0001")
    assert s.roles.revoke("slack:U9@T0001", "practitioner") and not s.roles.revoke("slack:U9@T0001", "practitioner")
    s.access.forget_cache()
    assert not s.access.is_practitioner("slack:U9@T0001")
    with pytest.raises(ValueError, match="unknown role"):
        s.roles.grant("slack:U9@T0001", "wizard", "x")
    with pytest.raises(ValueError, match="not a user id"):
        s.roles.grant("U9", "admin", "x")
    with pytest.raises(ValueError, match="names no workspace"):  # a grant names the person's workspace
        s.roles.grant("slack:U9", "admin", "x")


def test_audit_log_keeps_order(bot) -> None:
    audit = bot.services.audit
    audit.record("slack:U1@T0001", "role.grant", "slack:U2@T0001", role="practitioner")
    audit.record("slack:U1@T0001", "budget.set", "payments", amount="100")
    lines = [r.line() for r in audit.recent(5)]
    assert "budget.set payments" in lines[0] and "role.grant slack:U2@T0001 (role=practitioner)" in lines[1]


async def test_due_jobs_run_once_and_recur(bot) -> None:
    sched, ran = bot.services.scheduler, []

    async def handler(job: Job) -> None:
        ran.append(job.payload["n"])

    sched.register("test", handler)
    now = datetime.now(UTC)
    sched.schedule("test", {"n": 1}, now - timedelta(minutes=1))
    sched.schedule("test", {"n": 2}, now + timedelta(hours=1))
    daily = sched.schedule("test", {"n": 3}, now - timedelta(seconds=5), recurrence="daily")
    assert await sched.run_due(now) == 2
    assert await sched.run_due(now) == 0
    assert sorted(ran) == [1, 3]
    job = sched.get(daily)
    assert job.status == "pending" and job.due_at.replace(tzinfo=UTC) > now


async def test_a_throttled_job_is_retried_after_the_platforms_wait_and_logged_without_a_traceback(bot, caplog) -> None:
    sched, calls = bot.services.scheduler, []

    async def throttled(job: Job) -> None:
        calls.append(job.attempts)
        raise RetryLater("ratelimited", after=30)

    sched.register("throttled", throttled)
    now = datetime.now(UTC)
    jid = sched.schedule("throttled", {}, now)
    await sched.run_due(now)
    job = sched.get(jid)
    assert calls == [1] and job.status == "pending" and job.last_error == "throttled: ratelimited"
    wait = job.due_at.replace(tzinfo=UTC) - now
    assert timedelta(seconds=30) <= wait < timedelta(seconds=40)  # the Retry-After, not the minute's back-off
    record = next(r for r in caplog.records if r.name == "bot.jobs.scheduler" and "throttled" in r.message)
    assert record.levelname == "WARNING" and record.exc_info is None and "retried in 30 s" in record.message


async def test_missed_after_grace_and_failures_retry(bot) -> None:
    sched, calls = bot.services.scheduler, []

    async def boom(job: Job) -> None:
        calls.append(job.attempts)
        raise RuntimeError("platform down")

    sched.register("boom", boom)
    now = datetime.now(UTC)
    old = sched.schedule("boom", {}, now - timedelta(days=2))
    failing = sched.schedule("boom", {}, now)
    await sched.run_due(now)
    assert sched.get(old).status == "missed"
    for minutes in (5, 10, 20):
        await sched.run_due(now + timedelta(minutes=minutes))
    row = sched.get(failing)
    assert calls == [1, 2, 3] and row.status == "failed" and "platform down" in row.last_error


async def test_two_schedulers_run_each_job_exactly_once(settings) -> None:
    a, b = build_bot(settings), build_bot(settings, migrate=False, demo=False)
    ran: list[tuple[str, int]] = []
    try:
        for name, bot in (("a", a), ("b", b)):
            async def handler(job: Job, name: str = name) -> None:
                await asyncio.sleep(0.01)
                ran.append((name, job.payload["n"]))
            bot.services.scheduler.register("nudge-test", handler)
        now = datetime.now(UTC)
        for n in range(10):
            a.services.scheduler.schedule("nudge-test", {"n": n}, now - timedelta(seconds=1))
        await asyncio.gather(a.services.scheduler.run_due(now), b.services.scheduler.run_due(now))
        assert sorted(n for _, n in ran) == list(range(10))
    finally:
        a.services.db.dispose()
        b.services.db.dispose()


def test_recurrence_keeps_local_time_across_dst() -> None:
    tz = ZoneInfo("Europe/Berlin")
    friday = datetime(2026, 10, 23, 9, 0, tzinfo=tz)  # DST ends on Sunday 25 October
    nxt = next_occurrence(friday, "weekly", tz, friday)
    assert nxt.astimezone(tz).hour == 9 and nxt.astimezone(tz).day == 30
    weekday = next_occurrence(friday, "weekdays", tz, friday)
    assert weekday.astimezone(tz).weekday() == 0


async def test_admin_commands_in_chat(bot) -> None:
    from tests.conftest import message

    refused = await bot.router.handle(message("grant practitioner to slack:U7@T0001", user="U5", platform="slack"))
    assert "need the admin role" in refused.replies[0].text
    done = await bot.router.handle(message("grant practitioner to slack:U7@T0001"))
    assert "slack:U7@T0001 is now practitioner" in done.replies[0].text
    mention = await bot.router.handle(message("grant <@U8> practitioner", user="U1", platform="slack"))
    assert "need the admin role" in mention.replies[0].text
    again = await bot.router.handle(message("grant practitioner to slack:U7@T0001"))
    assert "already has" in again.replies[0].text
    audit = await bot.router.handle(message("audit last 5"))
    assert "role.grant slack:U7@T0001" in audit.replies[0].text
    mine = await bot.router.handle(message("my roles", user="U7", platform="slack"))
    assert "practitioner" in mine.replies[0].text
    revoke = await bot.router.handle(message("revoke practitioner from slack:U7@T0001"))
    assert "no longer practitioner" in revoke.replies[0].text


def test_roles_cli(tmp_path, monkeypatch, capsys) -> None:  # in-process: tests/test_cli.py runs the real process
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    monkeypatch.delenv("SLACK_ALLOWED_TEAMS", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    assert "done" in run("roles", "grant", "slack:U1@T0001", "practitioner")[1]
    assert "slack:U1@T0001\tpractitioner" in run("roles", "list")[1]
    code, _, err = run("roles", "grant", "U1", "admin")
    assert code == 1 and "not a user id" in err and "Traceback" not in err
    code, _, err = run("roles", "grant", "slack:U1", "admin")  # which workspace's U1? this deployment serves any
    assert code == 1 and "names no workspace id" in err and "Traceback" not in err
    monkeypatch.setenv("SLACK_ALLOWED_TEAMS", "T0001")  # limited to one workspace: that is where U1 is
    assert "to slack:U1@T0001: done" in run("roles", "grant", "slack:U1", "admin")[1]
    assert "role.grant slack:U1@T0001" in run("audit", "--last", "5")[1]


async def test_retried_recurring_job_keeps_its_schedule(bot) -> None:
    sched, fail = bot.services.scheduler, [True]

    async def flaky(job: Job) -> None:
        if fail.pop() if fail else False:
            raise RuntimeError("transient")

    sched.register("flaky", flaky)
    due = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    job_id = sched.schedule("flaky", {"x": 1}, due, recurrence="daily")
    now = [due + timedelta(seconds=1)]
    sched.clock = lambda: now[0]
    await sched.run_due()  # fails, retried a minute later
    now[0] = due + timedelta(minutes=2)
    await sched.run_due()  # succeeds
    row = sched.get(job_id)
    assert row.due_at.replace(tzinfo=UTC) == due + timedelta(days=1) and row.payload == {"x": 1}


async def test_ensure_creates_one_recurring_job_and_maintenance_prunes_events(bot) -> None:
    sched, now = bot.services.scheduler, datetime.now(UTC)
    assert sched.ensure("house", now, "daily") and not sched.ensure("house", now, "daily")
    bot.services.conversations.claim_event("old-event", now - timedelta(days=3))
    db = bot.services.db
    old_thread, new_thread = SlackThreadStore(db), TeamsThreadStore(db)
    old_thread.remember("T1", "C1", "1.1")
    new_thread.remember("tenant", "19:c@thread.tacv2", "42")
    with db.engine.begin() as conn:  # replied in 100 days ago
        conn.execute(sa.update(SlackThread).values(created_at=now - timedelta(days=100)))
    for hook in bot.on_start[:-1]:  # ensure the maintenance job, without starting the polling loop
        await hook()
    await sched.run_due(now + timedelta(hours=2))
    assert bot.services.conversations.claim_event("old-event", now)  # forgotten, so claimable again
    assert not SlackThreadStore(db).is_known("T1", "C1", "1.1")  # a fresh replica asks the table
    assert TeamsThreadStore(db).is_known("tenant", "19:c@thread.tacv2", "42")
