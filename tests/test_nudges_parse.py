"""Reading nudge commands: audiences, schedules in the tenant time zone, quiet hours, the channel guardrail."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_bot
from bot.delivery.audience import parse_specs, resolve
from bot.jobs.when import QuietHours, parse_when, split_schedule
from intents.nudge import split_compose
from tests.conftest import make_settings
from tests.nudge_helpers import first, say

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2030, 6, 3, 10, 0, tzinfo=UTC)  # Monday 12:00 in Berlin


def test_audience_tokens() -> None:
    assert parse_specs("payments, checkout and data platform", "slack") == [
        "team:payments", "team:checkout", "team:data platform"]
    assert parse_specs("<#C0ABCDEF|finops> <@U123> slack:W9 #cost-club", "slack", "T0001") == [
        "slack:channel:C0ABCDEF", "slack:dm:U123@T0001", "slack:dm:W9@T0001", "slack:channel:#cost-club"]
    assert parse_specs("teams:29:1abc, 19:xyz@thread.tacv2, teams:19:q@thread.skype", "teams", "tn1") == [
        "teams:dm:29:1abc@tn1", "teams:channel:19:xyz@thread.tacv2", "teams:channel:19:q@thread.skype"]
    assert parse_specs("payments, payments", "slack") == ["team:payments"]
    assert parse_specs("console:you", "console") == ["console:dm:you@local"]


def test_people_in_an_audience_carry_their_workspace() -> None:
    # a typed id on another platform, or from the command line, takes that platform's home tenant (if any)
    assert parse_specs("teams:29:ab, slack:U1@T9", "slack", "T0001", {"teams": "tn1"}) == [
        "teams:dm:29:ab@tn1", "slack:dm:U1@T9"]
    assert parse_specs("slack:U1", "cli") == ["slack:dm:U1"]  # no workspace known: resolve refuses it
    found = resolve(["slack:dm:U1"], None)  # type: ignore[arg-type]
    assert not found.recipients and "names no workspace id" in found.problems[0]
    found = resolve(["slack:dm:U1@T9"], None)  # type: ignore[arg-type]
    assert found.recipients[0].target.tenant == "T9" and found.recipients[0].target.user_ref == "slack:U1@T9"
    assert split_compose("teams:29:ab, slack:U1: Tag it: now") == ("teams:29:ab, slack:U1", "Tag it: now")
    assert split_compose("payments:Tag") == ("payments", "Tag")
    assert split_compose("payments") is None


@pytest.mark.parametrize("text,local,recurrence", [
    ("now", "2030-06-03 12:00", None),
    ("tomorrow 9am", "2030-06-04 09:00", None),
    ("at 2030-11-27 09:00", "2030-11-27 09:00", None),  # CET in winter: the offset follows the date
    ("friday 10:00", "2030-06-07 10:00", None),
    ("monday 9:00", "2030-06-10 09:00", None),  # today is Monday and 9:00 has passed: next week
    ("at 5pm", "2030-06-03 17:00", None),
    ("every weekday at 9:00", "2030-06-04 09:00", "weekdays"),
    ("every day at 8:30", "2030-06-04 08:30", "daily"),
    ("every friday at noon", "2030-06-07 12:00", "weekly"),
])
def test_schedules_in_the_tenant_time_zone(text: str, local: str, recurrence: str | None) -> None:
    when = parse_when(text, NOW, BERLIN)
    assert f"{when.due.astimezone(BERLIN):%Y-%m-%d %H:%M}" == local and when.recurrence == recurrence
    assert when.due.tzinfo is not None and when.due.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("text", ["yesterday", "at 25:00", "at 2020-01-01 09:00", "at 13pm", "2030-02-30"])
def test_bad_schedules_say_why(text: str) -> None:
    with pytest.raises(ValueError):
        parse_when(text, NOW, BERLIN)


def test_a_deadline_in_the_text_is_not_a_schedule() -> None:
    assert split_schedule("Tag your resources by Friday", NOW, BERLIN) == ("Tag your resources by Friday", None)
    body, when = split_schedule("Tag your resources by Friday tomorrow 9am", NOW, BERLIN)
    assert body == "Tag your resources by Friday" and when is not None
    with pytest.raises(ValueError, match="in the past"):
        split_schedule("Old news at 2020-01-01 09:00", NOW, BERLIN)


def test_quiet_hours_wrap_midnight() -> None:
    quiet = QuietHours.parse("20:00-08:00")
    assert quiet is not None
    evening, night, day = (datetime(2030, 6, 3, h, 30, tzinfo=BERLIN) for h in (20, 3, 12))
    assert quiet.contains(evening) and quiet.contains(night) and not quiet.contains(day)
    assert quiet.defer(evening, BERLIN) == datetime(2030, 6, 4, 8, 0, tzinfo=BERLIN)
    assert quiet.defer(night, BERLIN) == datetime(2030, 6, 3, 8, 0, tzinfo=BERLIN)
    assert quiet.defer(day, BERLIN) == day
    lunch = QuietHours.parse("12:00-13:00")
    assert lunch is not None and lunch.defer(day, BERLIN) == datetime(2030, 6, 3, 13, 0, tzinfo=BERLIN)


async def test_channel_guardrail_leaves_other_channels_out(demo_url: str) -> None:
    bot = build_bot(make_settings(demo_url, nudge_channels=("C0PAYMENTS", "#finops")), demo=True)
    try:
        preview = first(await say(bot, "nudge payments, checkout, #random, slack:U7@T0001: Budget review"))
        assert "C0PAYMENTS (team payments)" in preview and "slack DM slack:U7@T0001" in preview
        assert "slack channel C0CHECKOUT (team checkout) is not in FINOPS_NUDGE_CHANNELS" in preview
        assert "slack channel #random is not in FINOPS_NUDGE_CHANNELS" in preview
        refused = first(await say(bot, "nudge #random: Budget review"))
        assert refused.startswith("Nobody to send that to.") and "FINOPS_NUDGE_CHANNELS" in refused
    finally:
        bot.services.db.dispose()
