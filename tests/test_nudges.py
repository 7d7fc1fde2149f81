"""Nudges in chat: roles, compose → preview → send, scheduling in the tenant time zone, quiet hours, the daily
limit, edit/reschedule/cancel, and delivery recorded per recipient (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.access.policy import NEED_PRACTITIONER
from bot.app import Bot, build_bot
from bot.jobs.scheduler import Job
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import first, freeze, say, use_slack

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_NOON = datetime(2030, 6, 3, 10, 0, tzinfo=UTC)  # Monday 12:00 in Berlin (CEST, UTC+2)


def _bot(demo_url: str, **overrides: object) -> Bot:
    return build_bot(make_settings(demo_url, timezone="Europe/Berlin", **overrides), demo=True)


@pytest.fixture
def nbot(demo_url: str, fake: FakeSlackAPI) -> Iterator[Bot]:
    bot = _bot(demo_url)
    use_slack(bot, fake)
    freeze(bot, MONDAY_NOON)
    yield bot
    bot.services.db.dispose()


PROTECTED = ("nudge payments: Tag your resources", "nudges", "nudge 1 status", "cancel nudge 1",
             "edit nudge 1: new text", "reschedule nudge 1 to friday 10:00", "send nudge")


async def test_members_get_the_practitioner_message_for_every_action(nbot: Bot) -> None:
    for text in PROTECTED:
        result = await say(nbot, text, user="U5", platform="slack")
        assert result.intent == "nudge" and first(result) == NEED_PRACTITIONER, text
    s = nbot.services
    s.roles.grant("slack:U5@T0001", "practitioner", "console:you@local")
    s.access.forget_cache()
    preview = await say(nbot, "nudge payments: Tag your resources", user="U5", platform="slack")
    assert "Preview of your nudge" in first(preview)
    s.roles.revoke("slack:U5@T0001", "practitioner")  # revoked between preview and Send: still refused
    s.access.forget_cache()
    pressed = await say(nbot, "send nudge", user="U5", platform="slack")
    assert first(pressed) == NEED_PRACTITIONER
    assert s.nudges is not None and s.nudges.store.list() == []


async def test_compose_preview_send_and_status(nbot: Bot, fake: FakeSlackAPI) -> None:
    preview = await say(nbot, "nudge payments, checkout: Tag your resources by Friday")
    reply = preview.replies[0]
    assert "> Tag your resources by Friday" in reply.text and "When: now" in reply.text
    assert "C0PAYMENTS" in reply.text and "C0CHECKOUT" in reply.text
    assert [c.value for c in reply.choices] == ["send nudge", "cancel"]
    assert fake.of("chat.postMessage") == []  # nothing goes out before Send
    sent = await say(nbot, "send nudge")
    assert "Nudge 1 is on its way (job " in first(sent) and "nudge 1 status" in first(sent)
    assert await nbot.services.scheduler.run_due(MONDAY_NOON) == 1
    posts = fake.of("chat.postMessage")
    assert sorted(c.args["channel"] for c in posts) == ["C0CHECKOUT", "C0PAYMENTS"]
    assert all("Tag your resources by Friday" in c.args["text"] for c in posts)
    status = first(await say(nbot, "nudge 1 status"))
    assert "Delivery: 2 sent" in status and "C0PAYMENTS (team payments): sent" in status
    audit = first(await say(nbot, "audit last 5"))
    assert "nudge.send nudge 1" in audit and "sent=2" in audit and "nudge.create nudge 1" in audit
    again = await say(nbot, "send nudge")  # the preview was used up: said so, never silently ignored
    assert "no nudge preview waiting" in first(again)


async def test_unknown_names_are_flagged_with_suggestions(nbot: Bot) -> None:
    preview = first(await say(nbot, "nudge paymnts, platfrm, zzzz-unknown: Check idle VMs"))
    assert "C0PAYMENTS (team payments)" in preview  # a small typo resolves to the team
    assert "I don't know a team called “platfrm”. Did you mean" in preview and "data-platform" in preview
    assert "“zzzz-unknown”" in preview and "(left out)" in preview
    nobody = first(await say(nbot, "nudge zzzz-unknown: Check idle VMs"))
    assert nobody.startswith("Nobody to send that to.")
    assert "no nudge preview waiting" in first(await say(nbot, "send nudge"))  # the failed compose left none


async def test_schedules_are_read_in_the_tenant_time_zone(nbot: Bot) -> None:
    svc = nbot.services.nudges
    assert svc is not None
    preview = first(await say(nbot, "nudge payments: Budget review at 2030-06-05 09:00"))
    assert "When: Wed 05 Jun 2030 09:00 Europe/Berlin" in preview
    assert "scheduled (job" in first(await say(nbot, "send nudge"))
    await say(nbot, "nudge checkout: Rightsize tomorrow 9am")
    await say(nbot, "send nudge")
    await say(nbot, "nudge data-platform: Weekly check every weekday at 9:00")
    confirm = first(await say(nbot, "send nudge"))
    assert "every weekday at 09:00 Europe/Berlin, first Tue 04 Jun 2030 09:00" in confirm
    nudges = {n.id: n for n in svc.store.list()}
    assert nudges[1].due_at == datetime(2030, 6, 5, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert nudges[2].due_at == nudges[3].due_at == datetime(2030, 6, 4, 7, 0, tzinfo=UTC)
    job = nbot.services.scheduler.get(nudges[3].job_id)
    assert job is not None and job.recurrence == "weekdays" and job.kind == "nudge.send"
    listing = first(await say(nbot, "nudges"))
    assert "every weekday, next Tue 04 Jun 2030 09:00 Europe/Berlin" in listing and listing.count("#") == 3


async def test_quiet_hours_defer_at_compose_and_at_send(demo_url: str, fake: FakeSlackAPI) -> None:
    bot = _bot(demo_url, quiet_hours="20:00-08:00")
    use_slack(bot, fake)
    freeze(bot, MONDAY_NOON)
    try:
        preview = first(await say(bot, "nudge payments: Late reminder at 2030-06-03 22:30"))
        assert "Tue 04 Jun 2030 08:00 Europe/Berlin (moved out of quiet hours 20:00–08:00)" in preview
        await say(bot, "send nudge")
        svc, sched = bot.services.nudges, bot.services.scheduler
        assert svc is not None
        [nudge] = svc.store.list()
        assert nudge.due_at == datetime(2030, 6, 4, 6, 0, tzinfo=UTC)
        # A job that comes due inside quiet hours anyway (quiet hours set after scheduling) waits for 08:00.
        night = datetime(2030, 6, 3, 21, 0, tzinfo=UTC)  # 23:00 in Berlin
        late = svc.store.create("console:you@local", "Night owl", ["team:checkout"], night)
        job = sched.schedule("nudge.send", {"nudge": late.id}, night)
        svc.store.update(late.id, status="scheduled", job_id=job)
        freeze(bot, night)
        assert await sched.run_due(night) == 1
        assert fake.of("chat.postMessage") == []
        moved = svc.store.get(late.id)
        assert moved is not None and moved.due_at == datetime(2030, 6, 4, 6, 0, tzinfo=UTC) and moved.job_id != job
        morning = datetime(2030, 6, 4, 6, 0, 5, tzinfo=UTC)
        freeze(bot, morning)
        assert await sched.run_due(morning) == 2  # the deferred job and the nudge scheduled at 22:30
        assert sorted(c.args["channel"] for c in fake.of("chat.postMessage")) == ["C0CHECKOUT", "C0PAYMENTS"]
    finally:
        bot.services.db.dispose()


async def test_daily_limit_per_recipient_records_the_excess_as_skipped(demo_url: str, fake: FakeSlackAPI) -> None:
    bot = _bot(demo_url, nudge_max_per_day=2)
    use_slack(bot, fake)
    freeze(bot, MONDAY_NOON)
    try:
        for n in range(3):
            await say(bot, f"nudge payments: Reminder {n}")
            await say(bot, "send nudge")
        assert await bot.services.scheduler.run_due(MONDAY_NOON) == 3
        assert len(fake.of("chat.postMessage")) == 2
        status = first(await say(bot, "nudge 3 status"))
        assert "skipped (rate limit: slack channel C0PAYMENTS (team payments) already got 2 nudges on 2030-06-03)" \
            in status
        next_day = MONDAY_NOON + timedelta(days=1)
        freeze(bot, next_day)
        await say(bot, "nudge payments: A new day")
        await say(bot, "send nudge")
        await bot.services.scheduler.run_due(next_day)
        assert len(fake.of("chat.postMessage")) == 3
    finally:
        bot.services.db.dispose()


async def test_edit_reschedule_and_cancel(nbot: Bot, fake: FakeSlackAPI) -> None:
    s = nbot.services
    await say(nbot, "nudge payments: Old text friday 10:00")
    await say(nbot, "send nudge")
    await say(nbot, "nudge checkout: Will be cancelled friday 10:00")
    await say(nbot, "send nudge")
    assert first(await say(nbot, "edit nudge 1: New text")) == "Nudge 1 now says: “New text”."
    moved = first(await say(nbot, "reschedule nudge 1 to tomorrow 9:30"))
    assert "Tue 04 Jun 2030 09:30 Europe/Berlin" in moved
    cancelled = first(await say(nbot, "cancel nudge 2"))
    assert "cancelled" in cancelled
    assert "can't be changed" in first(await say(nbot, "edit nudge 2: too late"))
    assert "There is no nudge 9" in first(await say(nbot, "cancel nudge 9"))
    assert "can't read" in first(await say(nbot, "reschedule nudge 1 to someday"))
    assert [j.id for j in s.scheduler.pending("nudge.send")] == [s.nudges.store.get(1).job_id]  # old jobs gone
    tuesday, friday = datetime(2030, 6, 4, 7, 31, tzinfo=UTC), datetime(2030, 6, 7, 8, 1, tzinfo=UTC)
    for at in (tuesday, friday):  # 09:30 tomorrow, and Friday 10:00 where the cancelled and old jobs were
        freeze(nbot, at)
        await s.scheduler.run_due(at)
    posts = fake.of("chat.postMessage")
    assert len(posts) == 1 and posts[0].args["channel"] == "C0PAYMENTS" and "New text" in posts[0].args["text"]
    actions = [r.action for r in s.audit.recent(20)]
    assert {"nudge.create", "nudge.edit", "nudge.cancel", "nudge.send"} <= set(actions)


async def test_failures_are_recorded_per_recipient_and_a_retry_never_resends(nbot: Bot, fake: FakeSlackAPI) -> None:
    s = nbot.services
    fake.fail("chat.postMessage", "channel_not_found")
    await say(nbot, "nudge payments, checkout, teams:29:abc@72f988bf-tenant, slack:U42@T0001: Please tag")
    await say(nbot, "send nudge")
    [job] = s.scheduler.pending("nudge.send")
    await s.scheduler.run_due(MONDAY_NOON)
    records = {r.description: r for r in s.nudges.delivery(1)}
    statuses = sorted((r.status, r.reason or "") for r in records.values())
    assert statuses == [("failed", "channel_not_found"), ("failed", "teams is not enabled on this server"),
                        ("sent", ""), ("sent", "")]
    assert records["slack DM slack:U42@T0001"].status == "sent"
    status = first(await say(nbot, "nudge 1 status"))
    assert "Delivery: 2 sent, 2 failed" in status and "channel_not_found" in status
    before = len(fake.of("chat.postMessage"))
    # The replica died after posting, before marking the nudge sent: the job is retried after its lease.
    s.nudges.store.update(1, status="scheduled")
    await s.nudges.run(Job(job.id, "nudge.send", {"nudge": 1}, MONDAY_NOON, None, 2))
    assert len(fake.of("chat.postMessage")) == before
    assert len(s.nudges.delivery(1)) == 4
