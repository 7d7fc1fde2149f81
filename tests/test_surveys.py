"""Surveys through the router on SQLite and PostgreSQL: roles, compose → send → answer → results, anonymity in
the database rows, double answers, reminders, closing, CSV export, assessment invitations."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.access.policy import NEED_PRACTITIONER
from bot.app import build_bot
from bot.db import utcnow
from bot.surveys.send import CLOSE, REMIND
from tests.conftest import make_settings
from tests.survey_helpers import press, record_posts, say, text_of

ME = "console:you@local"  # the console operator: an admin, so a practitioner
PULSE = "survey payments, checkout: Do you read the weekly cost report? options: yes | no | sometimes by friday"


async def compose_and_send(bot, text: str = PULSE, author: str = ME) -> int:
    preview = await say(bot, author, text)
    assert preview.intent == "survey", text_of(preview)
    send = next(c.value for c in preview.replies[0].choices if c.label == "Send")
    sid = int(send.split()[-1])
    sent = await press(bot, author, send)
    assert "Sending survey" in text_of(sent), text_of(sent)
    await bot.services.scheduler.run_due()  # the invitations are queued jobs, delivered by the scheduler
    return sid


async def test_members_are_refused_every_practitioner_action(bot) -> None:
    record_posts(bot)
    member = "slack:U0DEMO2@T0001"  # owner of checkout, not a practitioner
    for text in (PULSE, "surveys", "survey close 1", "survey export 1", "survey send 1",
                 "survey assessment payments by friday"):
        result = await say(bot, member, text)
        assert result.intent == "survey" and NEED_PRACTITIONER in text_of(result), text
    sid = await compose_and_send(bot)
    refused = await say(bot, member, f"survey results {sid}")
    assert "author and practitioners" in text_of(refused)
    assert bot.services.surveys.get(sid).status == "open"


async def test_the_author_keeps_access_to_results_after_losing_the_role(bot) -> None:
    record_posts(bot)
    s = bot.services
    s.roles.grant("slack:U7@T0001", "practitioner", ME)
    s.access.forget_cache()
    sid = await compose_and_send(bot, author="slack:U7@T0001")
    s.roles.revoke("slack:U7@T0001", "practitioner")
    s.access.forget_cache()
    assert "Results" in (await say(bot, "slack:U7@T0001", f"survey results {sid}")).replies[0].title
    assert NEED_PRACTITIONER in text_of(await say(bot, "slack:U7@T0001", f"survey close {sid}"))


async def test_compose_preview_send_answer_and_results(bot) -> None:
    posters = record_posts(bot)
    preview = await say(bot, ME, PULSE)
    reply = preview.replies[0]
    assert "Do you read the weekly cost report?" in reply.text and "yes | no | sometimes" in reply.text
    assert {f.label: f.value for f in reply.fields}["Recipients"] == "3 people by DM"
    assert [c.label for c in reply.choices] == ["Send", "Cancel"]
    assert bot.services.surveys.get(1).status == "draft" and posters["slack"].posts == []
    sid = await compose_and_send(bot)  # a second draft, sent
    assert bot.services.surveys.get(1).status == "draft"
    invitation = posters["slack"].to("slack:U0DEMO1@T0001")[0]
    assert "Do you read the weekly cost report?" in invitation.text and "1. yes" in invitation.text
    assert [c.value for c in invitation.choices] == [f"survey:{sid}:0:{i}" for i in range(3)]
    assert posters["console"].to(ME) and posters["slack"].to("slack:U0DEMO2@T0001")
    for user, option in ((ME, 0), ("slack:U0DEMO1@T0001", 0), ("slack:U0DEMO2@T0001", 2)):
        done = await press(bot, user, f"survey:{sid}:0:{option}")
        assert "Thank you" in text_of(done) and "Not anonymous" in text_of(done)
    [results] = (await say(bot, ME, f"survey results {sid}")).replies
    assert "3 of 3 finished" in results.text
    assert "yes: 2 (67%)" in results.text and "no: 0 (0%)" in results.text and "sometimes: 1 (33%)" in results.text
    assert results.image is not None and results.image.png.startswith(b"\x89PNG")
    audit = text_of(await say(bot, ME, "audit last 10"))
    assert f"survey.create survey {sid}" in audit and f"survey.send survey {sid}" in audit
    listing = text_of(await say(bot, ME, "surveys"))
    assert f"#{sid} Do you read the weekly cost report? — open, 3/3 answered" in listing


async def test_discarding_a_draft_sends_nothing(bot) -> None:
    posters = record_posts(bot)
    preview = await say(bot, ME, PULSE)
    cancel = next(c.value for c in preview.replies[0].choices if c.label == "Cancel")
    assert "nothing was sent" in text_of(await press(bot, ME, cancel))
    assert "not sent" in text_of(await press(bot, ME, cancel.replace("discard", "send")))
    assert posters["slack"].posts == [] and bot.services.surveys.get(1).status == "cancelled"


async def test_send_pressed_twice_delivers_once(bot) -> None:
    posters = record_posts(bot)
    await say(bot, ME, PULSE)
    first, second = await asyncio.gather(press(bot, ME, "survey send 1"), press(bot, ME, "survey send 1"))
    assert sorted(["Sending survey" in text_of(first), "Sending survey" in text_of(second)]) == [False, True]
    await bot.services.scheduler.run_due()
    assert len(posters["slack"].to("slack:U0DEMO1@T0001")) == 1


async def test_anonymous_results_hidden_below_threshold_and_rows_carry_no_user_ids(bot) -> None:
    record_posts(bot)
    people = [f"slack:UANON{n}@T0001" for n in range(6)]
    sid = await compose_and_send(bot, f"survey {', '.join(people)}: How useful is the cost report? scale anonymous")
    for n, user in enumerate(people[:4]):
        assert "Thank you" in text_of(await press(bot, user, f"survey:{sid}:0:{n % 5}"))
    hidden = (await say(bot, ME, f"survey results {sid}")).replies[0]
    assert "Hidden until at least 5 people answer" in hidden.text and hidden.image is None
    assert "(0%)" not in hidden.text and "4 of 6 finished" in hidden.text
    assert "no answers to export yet" in text_of(await say(bot, ME, f"survey export {sid}"))
    await press(bot, people[4], f"survey:{sid}:0:4")
    still_open = (await say(bot, ME, f"survey results {sid}")).replies[0]
    assert "Hidden until the survey closes" in still_open.text and still_open.image is None
    assert "no answers to export yet" in text_of(await say(bot, ME, f"survey export {sid}"))
    await say(bot, ME, f"survey close {sid}")
    shown = (await say(bot, ME, f"survey results {sid}")).replies[0]
    assert "5: 1 (20%)" in shown.text and "average 3.0 / 5" in shown.text and shown.image is not None
    assert not any(p in shown.text for p in people)
    exported = text_of(await say(bot, ME, f"survey export {sid}"))
    assert exported.count("How useful is the cost report?,scale,") == 5 and not any(p in exported for p in people)
    engine = bot.services.db.engine
    with engine.connect() as conn:
        answers = conn.execute(sa.text("SELECT * FROM survey_answer")).mappings().all()
        ballots = conn.execute(sa.text("SELECT * FROM survey_ballot")).mappings().all()
        invite_columns = set(conn.execute(sa.text("SELECT * FROM survey_invite")).keys())
    assert len(answers) == 5 and all(row["user_ref"] is None for row in answers)
    stored = " ".join(str(v) for row in (*answers, *ballots) for v in row.values())
    assert not any(p.split(":")[1] in stored for p in people)
    assert {type(row["answered_on"]).__name__ for row in answers} <= {"date", "str"}
    assert all(len(str(row["answered_on"])) == 10 for row in answers)  # the day only
    assert len({row["id"] for row in answers}) == 5 and all(len(row["id"]) == 32 for row in answers)
    assert not invite_columns & {"answered_at", "updated_at", "created_at", "at"}
    assert set(answers[0].keys()) == {"id", "survey_id", "question", "choice", "text", "answered_on", "user_ref"}
    if bot.services.db.dialect == "sqlite":
        with engine.connect() as conn, pytest.raises(sa.exc.OperationalError):
            conn.execute(sa.text("SELECT rowid FROM survey_answer"))


async def test_double_answers_are_refused(bot) -> None:
    record_posts(bot)
    sid = await compose_and_send(bot)
    user = "slack:U0DEMO1@T0001"
    assert "Thank you" in text_of(await press(bot, user, f"survey:{sid}:0:1"))
    again = await press(bot, user, f"survey:{sid}:0:0")
    assert "already answered every question" in text_of(again)
    store = bot.services.surveys
    now = utcnow()
    outcomes = await asyncio.gather(*(bot.services.db.run(store.record, sid, "slack:U0DEMO2@T0001", 0, (n,), None, now)
                                      for n in range(3)))
    assert sorted(outcomes) == ["duplicate", "duplicate", "finished"]
    assert len(store.answers(sid)) == 2 and [a.choice for a in store.answers(sid) if a.user_ref == user] == [(1,)]


async def test_three_question_survey_with_typed_answers(bot, tmp_path) -> None:
    from bot.surveys.spec import from_yaml

    posters = record_posts(bot)
    doc = """
title: Cost report pulse
audience: [slack:U0DEMO1@T0001]
questions:
  - text: How useful is the weekly cost report?
    type: scale
  - text: Which clouds do you use?
    type: multi
    options: [AWS, Azure, GCP]
  - text: Anything we should change?
    type: text
"""
    s = bot.services
    info = s.surveys.create(from_yaml(doc, utcnow(), s.settings.tz), ME)
    from bot.surveys.send import send_survey

    assert (await send_survey(s, s.surveys, info.id, ME)).sent
    await s.scheduler.run_due()
    user, sid = "slack:U0DEMO1@T0001", info.id
    assert "Question 1 of 3" in posters["slack"].to(user)[0].text
    second = await say(bot, user, "4")  # typed while the first question's buttons are shown: not a flow yet
    assert second.intent != "survey_answer"
    step = await press(bot, user, f"survey:{sid}:0:3")
    assert "Question 2 of 3" in text_of(step) and [c.label for c in step.replies[0].choices][-1] == "Done"
    await press(bot, user, f"survey:{sid}:1:0")
    ticked = await press(bot, user, f"survey:{sid}:1:2")
    assert "Selected so far: AWS, GCP" in text_of(ticked)
    assert "Pick at least one" not in text_of(ticked)
    third = await press(bot, user, f"survey:{sid}:1:done")
    assert "Question 3 of 3" in text_of(third) and "Type your answer" in text_of(third)
    done = await say(bot, user, "Please add a per-team breakdown")
    assert "Thank you" in text_of(done)
    answers = {a.question: a for a in s.surveys.answers(sid)}
    assert answers[0].choice == (3,) and answers[1].choice == (0, 2) and answers[2].text.startswith("Please add")
    results = (await say(bot, ME, f"survey results {sid}")).replies[0].text
    assert "slack:U0DEMO1@T0001: Please add a per-team breakdown" in results and "AWS: 1 (100%)" in results


async def test_reminders_reach_only_non_responders_and_stop_at_the_maximum(bot) -> None:
    posters = record_posts(bot)
    people = ["slack:UR1@T0001", "slack:UR2@T0001", "slack:UR3@T0001"]
    s = bot.services
    sid = await compose_and_send(bot, f"survey {', '.join(people)}: Did the tagging guide help? yes/no by "
                                      "tomorrow 23:00")
    info = s.surveys.get(sid)
    assert info.max_reminders == 2 and info.remind_every_hours == 24
    # shorten the interval so three rounds fit before the deadline
    with s.db.session() as db:
        db.execute(sa.text("UPDATE survey SET remind_every_hours = 1 WHERE id = :i"), {"i": sid})
        db.execute(sa.text("DELETE FROM scheduled_job WHERE kind = :k"), {"k": REMIND})
    s.scheduler.schedule(REMIND, {"survey": sid, "round": 1}, utcnow())
    await press(bot, people[0], f"survey:{sid}:0:0")
    now = utcnow()
    for hours in (0, 1, 2, 3, 4):
        await s.scheduler.run_due(now + timedelta(hours=hours, minutes=1))
    reminders = {p: [r for r in posters["slack"].to(p) if r.text.startswith("Reminder")] for p in people}
    assert len(reminders[people[0]]) == 0
    assert len(reminders[people[1]]) == 2 and len(reminders[people[2]]) == 2
    assert reminders[people[1]][0].choices[0].value == f"survey:{sid}:0:start"
    assert s.surveys.get(sid).reminders_sent == 2
    assert not [j for j in s.scheduler.pending(REMIND) if j.payload.get("survey") == sid]


async def test_reminders_are_sent_once_by_two_replicas(demo_settings) -> None:
    a = build_bot(demo_settings, demo=True)
    b = build_bot(demo_settings, migrate=False, demo=False)
    try:
        posters_a, posters_b = record_posts(a), record_posts(b)
        people = [f"slack:UX{n}@T0001" for n in range(6)]
        sid = await compose_and_send(a, f"survey {', '.join(people)}: Ready for the FinOps review? yes/no")
        a.services.scheduler.schedule(REMIND, {"survey": sid, "round": 1}, utcnow() - timedelta(seconds=1))
        now = utcnow()
        await asyncio.gather(a.services.scheduler.run_due(now), b.services.scheduler.run_due(now))
        sent = [t.user_ref for p in (posters_a, posters_b) for t, r in p["slack"].posts
                if r[0].text.startswith("Reminder")]
        assert sorted(sent) == people
    finally:
        a.services.db.dispose()
        b.services.db.dispose()


async def test_a_closed_survey_refuses_answers_politely(bot) -> None:
    posters = record_posts(bot)
    sid = await compose_and_send(bot)
    assert "Closed survey" in text_of(await say(bot, ME, f"survey close {sid}"))
    refused = await press(bot, "slack:U0DEMO1@T0001", f"survey:{sid}:0:0")
    assert "closed on" in text_of(refused) and "no longer accepts answers" in text_of(refused)
    assert bot.services.surveys.answers(sid) == []
    assert "not open" in text_of(await say(bot, ME, f"survey close {sid}"))
    assert f"survey.close survey {sid}" in text_of(await say(bot, ME, "audit last 5"))
    # the deadline job closes another survey and tells its author
    other = await compose_and_send(bot)
    due = bot.services.surveys.get(other).deadline
    assert [j for j in bot.services.scheduler.pending(CLOSE) if j.payload["survey"] == other]
    await bot.services.scheduler.run_due(due + timedelta(seconds=1))
    assert bot.services.surveys.get(other).status == "closed"
    assert any(f"survey #{other}" in r.text and "closed" in r.text for r in posters["console"].to(ME))


async def test_typed_answer_after_the_deadline_is_refused(bot) -> None:
    record_posts(bot)
    sid = await compose_and_send(bot, "survey slack:UT1@T0001: Anything to add? text")
    assert "Type your answer" in text_of(await press(bot, "slack:UT1@T0001", f"survey:{sid}:0:start"))
    with bot.services.db.session() as db:
        db.execute(sa.text("UPDATE survey SET deadline = :d WHERE id = :i"),
                   {"d": utcnow() - timedelta(minutes=1), "i": sid})
    late = await say(bot, "slack:UT1@T0001", "more dashboards please")
    assert "no longer accepts answers" in text_of(late) and bot.services.surveys.answers(sid) == []


async def test_csv_export_in_chat_and_cli(bot, demo_url, monkeypatch, tmp_path, capsys) -> None:
    from bot.cli import main

    record_posts(bot)
    sid = await compose_and_send(bot)
    await press(bot, "slack:U0DEMO1@T0001", f"survey:{sid}:0:2")
    await press(bot, ME, f"survey:{sid}:0:0")
    chat = text_of(await say(bot, ME, f"survey export {sid}"))
    assert "survey_id,survey,question_no,question,type,answer,respondent" in chat
    monkeypatch.setenv("DATABASE_URL", demo_url)
    out = tmp_path / "s.csv"
    assert main(["survey", "export", str(sid), "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["answer"], r["respondent"]) for r in rows] == [("yes", ME), ("sometimes", "slack:U0DEMO1@T0001")]
    assert main(["survey", "export", "999"]) == 1
    assert "no survey #999" in capsys.readouterr().err


async def test_assessment_survey_tracks_who_finished(bot) -> None:
    from bot.assessment.model import CAPABILITIES

    posters = record_posts(bot)
    sid = await compose_and_send(bot, "survey assessment payments by friday")
    invitation = posters["slack"].to("slack:U0DEMO1@T0001")[0]
    assert invitation.choices[0].value == "start assessment for payments"
    s, now = bot.services, utcnow()
    team = s.teams.get("payments")
    a = s.maturity.create("slack:U0DEMO1@T0001", team, (CAPABILITIES[0].id,), now)
    for q in range(a.total):
        s.maturity.record(a.id, q, 2, now + timedelta(seconds=1))
    results = text_of(await say(bot, ME, f"survey results {sid}"))
    assert "finished by slack:U0DEMO1@T0001" in results and "1 of 2 finished" in results
    s.scheduler.schedule(REMIND, {"survey": sid, "round": 1}, utcnow() - timedelta(seconds=1))
    await s.scheduler.run_due(utcnow())
    assert not [r for r in posters["slack"].to("slack:U0DEMO1@T0001") if r.text.startswith("Reminder")]
    reminder = next(r for r in posters["console"].to(ME) if "Reminder" in r.text)
    assert reminder.choices[0].value == "resume assessment for payments"


@pytest.mark.parametrize("doc,problem", [
    ("audience: [payments]\nquestions: []", "1 to 10 questions, got 0"),
    ("audience: [payments]\nquestions:\n" + "  - {text: Q, type: scale}\n" * 11, "1 to 10 questions, got 11"),
    ("audience: [payments]\nquestions:\n  - {text: Q, type: single, options: [a]}", "questions[1].options: need 2"),
    ("audience: [payments]\nquestions:\n  - {text: Q, type: multi, options: [a,b,c,d,e,f,g,h,i,j,k]}",
     "need 2 to 10 options, got 11"),
    ("audience: [payments]\nquestions:\n  - {text: Q, type: poll}", "questions[1]: unknown type 'poll'"),
    ("audience: [payments]\nquestions:\n  - {text: '', type: text}", "questions[1]: the question text is empty"),
    ("questions:\n  - {text: Q, type: text}", "audience: list at least one"),
    ("audience: [x]\ndeadline: 2001-01-01\nquestions:\n  - {text: Q, type: text}", "deadline: the deadline"),
    ("audience: [x]\ncolour: red\nquestions:\n  - {text: Q, type: text}", "unknown field(s): colour"),
    ("audience: [x]\nreminders: {every_hours: 0}\nquestions:\n  - {text: Q, type: text}", "reminders:"),
    ("[unclosed", "not valid YAML"),
])
def test_yaml_validation_names_the_problem(doc: str, problem: str) -> None:
    from zoneinfo import ZoneInfo

    from bot.surveys.spec import SurveyError, from_yaml

    with pytest.raises(SurveyError) as err:
        from_yaml(doc, utcnow(), ZoneInfo("UTC"))
    assert problem in str(err.value)


def test_cli_create_validates_and_schedules_the_send(sqlite_demo_url, monkeypatch, tmp_path, capsys) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    bot = build_bot(make_settings(sqlite_demo_url), demo=True)  # teams for the audience
    bot.services.db.dispose()
    good, bad = tmp_path / "s.yaml", tmp_path / "bad.yaml"
    good.write_text("title: Pulse\naudience: [payments]\nanonymous: true\n"
                    "questions:\n  - text: Useful?\n    type: scale\n")
    bad.write_text("audience: [payments]\nquestions:\n  - {text: Q, type: single, options: [one]}\n")
    assert main(["survey", "create", str(bad)]) == 1
    assert "bad.yaml: questions[1].options: need 2 to 10 options, got 1" in capsys.readouterr().err
    assert main(["survey", "create", str(good), "--author", "slack:U0DEMO1@T0001"]) == 0
    assert "survey #1 “Pulse” stored: 1 question(s), 2 people" in capsys.readouterr().out
    again = build_bot(make_settings(sqlite_demo_url), demo=False)
    try:
        [job] = again.services.scheduler.pending("survey.send")
        assert job.payload == {"survey": 1, "actor": "slack:U0DEMO1@T0001"}
        posters = record_posts(again)
        await_run = asyncio.run(again.services.scheduler.run_due())
        assert await_run >= 1 and posters["slack"].to("slack:U0DEMO1@T0001")
        assert again.services.surveys.get(1).status == "open"
    finally:
        again.services.db.dispose()
    assert main(["survey", "list"]) == 0 and "#1 Pulse — open, 0/2 answered" in capsys.readouterr().out


async def test_a_press_in_a_channel_moves_answering_to_a_private_chat(bot) -> None:
    from tests.conftest import message

    posters = record_posts(bot)
    sid = await compose_and_send(bot, "survey payments: Is the cost report useful? yes/no in channels")
    [[announcement]] = [r for t, r in posters["slack"].posts if t.channel == "C0PAYMENTS"]
    assert announcement.choices[0].value == f"survey:{sid}:0:start"
    outsider = "slack:UCHAN1@T0001"  # not in the team directory: the channel post lets anyone answer
    in_channel = {"user": "UCHAN1", "platform": "slack", "channel": "C0PAYMENTS", "thread": ""}
    moved = await bot.router.handle(message(f"survey:{sid}:0:start", **in_channel))
    assert "direct message" in text_of(moved) and moved.replies[0].ephemeral
    [question] = posters["slack"].to(outsider)
    assert [c.value for c in question.choices] == [f"survey:{sid}:0:0", f"survey:{sid}:0:1"]
    ignored = await bot.router.handle(message(f"survey:{sid}:0:0", **in_channel))  # a click in the channel
    assert "direct message" in text_of(ignored) and bot.services.surveys.answers(sid) == []
    assert "Thank you" in text_of(await press(bot, outsider, f"survey:{sid}:0:0"))
    assert bot.services.surveys.invite(sid, outsider).status == "joined"
