"""Survey one-liners and deadlines typed in chat (pure parsing, no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import Bot
from bot.jobs.when import parse_deadline
from bot.models import IncomingMessage
from bot.surveys.compose import is_command, parse_command
from bot.surveys.spec import SurveyError
from intents.survey import SurveyIntent
from intents.survey_answer import SurveyAnswerIntent
from tests.conftest import message
from tests.survey_helpers import say, text_of
from tests.understanding_helpers import intent_of

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("text,local", [
    ("friday", "2026-11-27 17:00"), ("fri 5pm", "2026-11-27 17:00"), ("friday 09:30", "2026-11-27 09:30"),
    ("monday", "2026-11-23 17:00"), ("next monday", "2026-11-23 17:00"), ("tomorrow", "2026-11-24 17:00"),
    ("tomorrow noon", "2026-11-24 12:00"), ("2026-12-01", "2026-12-01 17:00"),
    ("2026-12-01 08:15", "2026-12-01 08:15"), ("2026-12-01 08:15:00", "2026-12-01 08:15"),
    ("in 3 days", "2026-11-26 13:00"), ("in 2 hours", "2026-11-23 15:00"),
])
def test_deadlines_are_read_in_the_tenant_time_zone(text: str, local: str) -> None:
    assert f"{parse_deadline(text, NOW, BERLIN).astimezone(BERLIN):%Y-%m-%d %H:%M}" == local


@pytest.mark.parametrize("text,problem", [
    ("2020-01-01", "in the past"), ("in 200 days", "at most 90 days"), ("someday", "can't read"),
    ("2026-02-30", "is not a date"), ("friday 25:00", "not a time of day"),
])
def test_bad_deadlines_say_why(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_deadline(text, NOW, BERLIN)


def test_one_liners() -> None:
    scale = parse_command("survey payments, checkout: How useful is the cost report? scale by friday anonymous",
                          NOW, BERLIN)
    assert (scale.audience, scale.anonymous, scale.questions[0].kind) == (("payments", "checkout"), True, "scale")
    assert scale.questions[0].options == ("1", "2", "3", "4", "5") and scale.deadline.astimezone(BERLIN).day == 27
    single = parse_command("survey payments: Do you tag? options: yes | no | not sure", NOW, BERLIN)
    assert single.questions[0].options == ("yes", "no", "not sure") and not single.anonymous
    assert (single.deadline - NOW).days == 7 and single.max_reminders == 2
    multi = parse_command("survey slack:U1@T0001 and teams:29:abc@72f988bf-tenant: Which clouds? multi: AWS, Azure, "
                          "GCP in channels "
                          "no reminders", NOW, BERLIN)
    assert multi.audience == ("slack:U1@T0001", "teams:29:abc@72f988bf-tenant") and multi.questions[0].kind == "multi"
    assert multi.channels and multi.max_reminders == 0
    text = parse_command("survey data: What should we change by next quarter? text due tomorrow", NOW, BERLIN)
    assert text.questions[0].text == "What should we change by next quarter?" and text.questions[0].kind == "text"
    for written in ("1-5", "1–5", "(1-5)", "1 to 5"):  # a rating written as its range is a scale
        rated = parse_command(f"survey payments: How useful is the cost report? {written}", NOW, BERLIN)
        assert rated.questions[0].kind == "scale" and rated.questions[0].text == "How useful is the cost report?"
    yes_no = parse_command("survey ml: Ready? yes/no", NOW, BERLIN)
    assert yes_no.questions[0].options == ("Yes", "No")
    invite = parse_command("invite checkout to the maturity assessment by friday", NOW, BERLIN)
    assert (invite.kind, invite.team, invite.questions) == ("assessment", "checkout", ())


@pytest.mark.parametrize("text,problem", [
    ("survey payments: How useful is it?", "say what kind of answer"),
    ("survey payments: Q? options: only", "need 2 to 10 options, got 1"),
    ("survey payments: Q? options: a | A", "two options have the same text"),
    ("survey payments: Q? scale by 2020-01-01", "deadline: the deadline"),
])
def test_bad_one_liners_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(SurveyError, match=problem):
        parse_command(text, NOW, BERLIN)


@pytest.mark.parametrize("text,intent,op", [
    ("survey payments: Q? scale", "survey", "compose"), ("surveys", "survey", "list"),
    ("list surveys", "survey", "list"), ("survey results 3", "survey", "results"),
    ("results of survey 3", "survey", "results"), ("survey 3 results", "survey", "results"),
    ("export survey 3", "survey", "export"), ("close survey #3", "survey", "close"),
    ("survey send 3", "survey", "send"), ("survey discard 3", "survey", "discard"),
    ("survey:3:0:2", "survey_answer", None), ("answer survey 3", "survey_answer", None),
])
def test_commands_are_read_and_their_arguments_parsed(text: str, intent: str, op: str | None) -> None:
    msg: IncomingMessage = message(text)
    if intent == "survey":
        assert intent_of(text) == "survey"
        slots = SurveyIntent().read(msg)
        assert slots is not None and slots.get("op") == op
    else:  # buttons are routed by their value; "answer survey 3" by understanding
        assert text.startswith(SurveyAnswerIntent.buttons) or intent_of(text) == "survey_answer"
        assert SurveyAnswerIntent().read(msg) is not None


@pytest.mark.parametrize("text", ["how do surveys work in finops", "take the assessment"])
def test_questions_about_surveys_are_not_commands(text: str) -> None:
    assert intent_of(text) not in ("survey", "survey_answer")
    assert not is_command(text)


@pytest.mark.parametrize("text,feature", [("what is a survey?", "Surveys:"), ("what is a nudge", "Nudges:"),
                                          ("how do nudges work?", "Nudges:")])
async def test_a_question_about_surveys_or_nudges_is_answered_not_read_as_a_command(bot: Bot, text: str,
                                                                                    feature: str) -> None:
    said = text_of(await say(bot, "slack:UPRAC@T0001", text))
    assert "couldn't read" not in said and "No nudges" not in said, said
    assert feature in said or "FinOps" in said, said  # the feature explained, or a knowledge/help answer


@pytest.mark.parametrize("text", ["survey", "survey:x:0:1", "invite payments"])
def test_fragments_have_no_command_arguments(text: str) -> None:
    msg = message(text)
    assert SurveyIntent().read(msg) is None and SurveyAnswerIntent().read(msg) is None
