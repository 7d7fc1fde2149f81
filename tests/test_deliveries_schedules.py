"""Schedules: one grammar for nudges and survey deadlines, to the second, weekly and monthly recurrences through
dateutil's rrule, "in 1 hour", a reschedule that keeps the recurrence, and a form error said once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_bot
from bot.jobs.recurrence import describe, next_occurrence
from bot.jobs.when import parse_deadline, parse_when
from bot.models import Action
from tests.conftest import make_settings, message
from tests.fakes.slack_api import FakeSlackAPI
from tests.nudge_helpers import first, freeze, say, use_slack

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2030, 6, 3, 10, 0, tzinfo=UTC)  # Monday 12:00 in Berlin
FIRST_BUSINESS = "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1"


@pytest.mark.parametrize("text,local,recurrence", [
    ("in 1 hour", "2030-06-03 13:00:00", None),
    ("in 90 seconds", "2030-06-03 12:01:30", None),
    ("2030-06-04 09:00:30", "2030-06-04 09:00:30", None),
    ("2030-06-04T07:00:30Z", "2030-06-04 09:00:30", None),
    ("every monday 9:00", "2030-06-10 09:00:00", "weekly"),
    ("every 2 weeks on friday", "2030-06-07 09:00:00", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
    ("every other week on friday at 16:00", "2030-06-07 16:00:00", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
    ("first business day of the month", "2030-07-01 09:00:00", FIRST_BUSINESS),  # 3 June 9:00 has passed
    ("the last working day of each month at 15:00", "2030-06-28 15:00:00",
     "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
    ("every month on the 15th at 10:00", "2030-06-15 10:00:00", "RRULE:FREQ=MONTHLY;BYMONTHDAY=15"),
])
def test_one_grammar_reads_seconds_and_recurrences(text: str, local: str, recurrence: str | None) -> None:
    when = parse_when(text, NOW, BERLIN)
    assert f"{when.due.astimezone(BERLIN):%Y-%m-%d %H:%M:%S}" == local and when.recurrence == recurrence


def test_rrule_recurrences_step_and_describe_themselves() -> None:
    july = datetime(2030, 7, 1, 7, 0, tzinfo=UTC)
    assert next_occurrence(july, FIRST_BUSINESS, BERLIN, july) == datetime(2030, 8, 1, 7, 0, tzinfo=UTC)
    fortnight = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    friday = datetime(2030, 6, 7, 7, 0, tzinfo=UTC)
    assert next_occurrence(friday, fortnight, BERLIN, friday) == friday + timedelta(days=14)
    winter = next_occurrence(datetime(2030, 10, 25, 7, 0, tzinfo=UTC), fortnight, BERLIN, friday + timedelta(days=140))
    assert winter.astimezone(BERLIN).hour == 9 and winter.utcoffset() == timedelta(0)  # 9:00 after the DST change
    assert describe(fortnight) == "every 2 weeks on Friday"
    assert describe(FIRST_BUSINESS) == "the first business day of each month"
    assert parse_deadline("friday", NOW, BERLIN).astimezone(BERLIN).hour == 17  # the same grammar, 17:00 default
    with pytest.raises(ValueError, match="not a recurring"):
        parse_deadline("every friday", NOW, BERLIN)


async def test_chat_schedules_in_one_hour_keeps_recurrence_and_runs_monthly(demo_url: str, fake: FakeSlackAPI) -> None:
    bot = build_bot(make_settings(demo_url, timezone="Europe/Berlin", nudge_max_per_day=0), demo=True)
    use_slack(bot, fake)
    freeze(bot, NOW)
    svc = bot.services.nudges
    assert svc is not None
    try:
        preview = first(await say(bot, "nudge checkout: test in 1 hour"))
        assert "When: Mon 03 Jun 2030 13:00 Europe/Berlin" in preview, preview
        await say(bot, "send nudge")
        assert svc.store.get(1).due_at == NOW + timedelta(hours=1)
        await say(bot, "nudge payments: Stand-up costs every weekday at 9:00")
        await say(bot, "send nudge")
        moved = first(await say(bot, "reschedule nudge 2 to friday 10:00"))
        assert "every weekday at 10:00" in moved, moved
        assert svc.store.get(2).recurrence == "weekdays"
        once = first(await say(bot, "reschedule nudge 2 to friday 10:00 once"))
        assert svc.store.get(2).recurrence is None and "Fri 07 Jun 2030 10:00" in once
        await say(bot, "nudge payments: Month-end review first business day of the month at 9:00")
        await say(bot, "send nudge")
        monthly = svc.store.get(3)
        assert monthly.recurrence == FIRST_BUSINESS and "the first business day of each month" in first(
            await say(bot, "nudges"))
        freeze(bot, monthly.due_at + timedelta(seconds=1))
        await bot.services.scheduler.run_due()
        assert "Month-end review" in fake.of("chat.postMessage")[-1].args["text"]
        job = bot.services.scheduler.get(monthly.job_id)
        assert job is not None and job.due_at.astimezone(BERLIN).date().isoformat() == "2030-08-01"
    finally:
        bot.services.db.dispose()


async def test_the_compose_forms_time_error_is_said_once(demo_url: str) -> None:
    bot = build_bot(make_settings(demo_url), demo=True)
    try:
        values = {"audience": "payments", "message": "Review idle VMs", "when": "someday soon"}
        msg = message("", action=Action("compose nudge", "", form=values))
        reply = (await bot.router.handle(msg)).replies[0].text
        assert reply.count("someday soon") == 1 and reply.count("can't read") == 1, reply
    finally:
        bot.services.db.dispose()


def test_a_survey_can_be_scheduled_from_the_cli(sqlite_demo_url, monkeypatch, tmp_path, capsys) -> None:
    from bot.cli import main
    from bot.db import as_utc, utcnow

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    build_bot(make_settings(sqlite_demo_url), demo=True).services.db.dispose()  # teams for the audience
    doc = tmp_path / "s.yaml"
    doc.write_text("title: Pulse\naudience: [payments]\nquestions:\n  - text: Useful?\n    type: scale\n")
    assert main(["survey", "create", str(doc), "--at", "every monday 9:00"]) == 1
    assert "sent once" in capsys.readouterr().err
    assert main(["survey", "create", str(doc), "--at", "tomorrow 9:00"]) == 0
    assert "sends it at " in capsys.readouterr().out
    bot = build_bot(make_settings(sqlite_demo_url), demo=False)
    try:
        [job] = bot.services.scheduler.pending("survey.send")
        due = as_utc(job.due_at)
        assert due is not None and due.hour == 9 and due.date() == (utcnow() + timedelta(days=1)).date()
    finally:
        bot.services.db.dispose()


async def test_a_survey_composed_with_a_time_is_sent_then(demo_url: str) -> None:
    from tests.survey_helpers import press, record_posts
    from tests.survey_helpers import say as say_as

    bot = build_bot(make_settings(demo_url, timezone="Europe/Berlin"), demo=True)
    freeze(bot, NOW)
    posters = record_posts(bot)
    try:
        preview = await say_as(bot, "console:you@local",
                               "survey payments: Do you tag resources? yes/no at tuesday 9:00")
        assert "Send schedules it for Tue 04 Jun 09:00" in preview.replies[0].text, preview.replies[0].text
        scheduled = (await press(bot, "console:you@local", "survey send 1")).replies[0].text
        assert "will be sent Tue 04 Jun 09:00" in scheduled
        assert "already scheduled" in (await press(bot, "console:you@local", "survey send 1")).replies[0].text
        await bot.services.scheduler.run_due()
        assert bot.services.surveys.get(1).status == "draft" and posters["slack"].posts == []  # not yet
        tuesday = datetime(2030, 6, 4, 7, 0, 1, tzinfo=UTC)
        freeze(bot, tuesday)
        await bot.services.scheduler.run_due()
        assert bot.services.surveys.get(1).status == "open"
        assert posters["slack"].to("slack:U0DEMO1@T0001")  # the invitations went out at the planned time
    finally:
        bot.services.db.dispose()


def test_the_next_occurrence_is_after_the_previous_one_even_when_now_is_earlier() -> None:
    due = datetime(2030, 6, 4, 7, 0, tzinfo=UTC)
    for rule in ("daily", "weekdays", FIRST_BUSINESS):
        assert next_occurrence(due, rule, BERLIN, due - timedelta(hours=2)) > due
