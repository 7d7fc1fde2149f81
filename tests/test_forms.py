"""Forms: compose a nudge, a survey or a budget in one go, as a Slack modal, a Teams card with inputs or field by
field in the terminal; a problem brings the form back filled in, and every form has its one-line command too."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from adapters.console import ConsoleSession
from adapters.slack_modal import modal_view
from bot.app import build_bot, build_web_app
from bot.models import Choice, Form, Input, Reply
from intents import budget_set, nudge, survey
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_api import view_problems
from tests.fakes.slack_harness import Harness, eventually
from tests.fakes.teams_activities import TeamsClient


def texts(h: Harness, channel: str) -> list[str]:
    return [c.args["text"] for c in h.fake.calls if c.method in ("chat.postMessage", "chat.postEphemeral")
            and c.args["channel"] == channel]  # a click on a channel post is answered to the clicker only


async def open_modal(h: Harness, command: str, channel: str, view_id: str) -> dict[str, Any]:
    """``/finops <command>`` by practitioner U1: the modal it opened, as Slack shows it (with an id and a hash)."""
    await h.form(p.slash_command(command, user="U1", channel=channel))
    opened = await eventually(lambda: h.fake.of("views.open"))
    return {**opened[-1].args["view"], "id": view_id, "hash": "h1"}


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


# --- Slack -----------------------------------------------------------------------------------------------------
async def test_slash_nudge_opens_a_modal_whose_submission_gives_the_preview(slack: Harness) -> None:
    h = slack
    await h.form(p.slash_command("nudge", user="U1", channel="C7", trigger_id="tr.slash1"))
    [opened] = await eventually(lambda: h.fake.of("views.open"))
    view = opened.args["view"]
    assert opened.args["trigger_id"] == "tr.slash1" and view_problems(view) == []
    assert list(inputs(view)) == ["audience", "message", "when"] and inputs(view)["when"]["optional"] is True
    assert json.loads(view["private_metadata"]) == {"form": "compose nudge", "channel": "C7", "thread": ""}
    assert h.fake.of("chat.postMessage") == []  # the modal is the answer
    shown = {**view, "id": "V1", "hash": "h1"}
    await h.form(p.filled_view(shown, {"audience": "payments, checkout", "message": "Tag your resources by Friday",
                                       "when": "tomorrow 9:00"}))
    [preview] = await eventually(lambda: texts(h, "C7"))
    assert "Preview of your nudge" in preview and "Tag your resources by Friday" in preview
    assert "C0PAYMENTS" in preview and "C0CHECKOUT" in preview
    await h.form(p.block_actions("send nudge", user="U1", channel="C7", label="Send"))
    assert (await eventually(lambda: [t for t in texts(h, "C7") if "is scheduled (job" in t]))
    [stored] = h.bot.services.nudges.store.list()
    assert stored.text == "Tag your resources by Friday"


async def test_a_problem_keeps_the_modal_open_filled_in(slack: Harness) -> None:
    h = slack
    view = await open_modal(h, "nudge", "C7", "V1")
    resp = await h.form(p.filled_view(view, {"audience": "paymnts", "message": "Review idle VMs", "when": "someday"}))
    ack = await resp.json()  # the ack itself updates the open modal (response_action), nothing is posted
    assert ack["response_action"] == "update" and view_problems(ack["view"]) == []
    refilled = ack["view"]
    assert "someday" in refilled["blocks"][0]["text"]["text"]  # the problem, on top of the form
    assert inputs(refilled)["audience"]["element"]["initial_value"] == "paymnts"
    assert inputs(refilled)["message"]["element"]["initial_value"] == "Review idle VMs"
    assert h.bot.services.nudges.store.list() == [] and texts(h, "C7") == [] and len(h.fake.of("views.open")) == 1
    fixed = {**refilled, "id": "V1", "hash": "h2"}
    resp = await h.form(p.filled_view(fixed, {"audience": "payments", "when": "tomorrow 9:00"}))
    assert await resp.text() == ""  # a plain ack closes the modal
    [preview] = await eventually(lambda: texts(h, "C7"))
    assert "Review idle VMs" in preview and "C0PAYMENTS" in preview


async def test_a_form_without_a_trigger_is_posted_with_a_button_that_opens_it(slack: Harness) -> None:
    h = slack
    await h.event(p.message("new survey", user="U1", channel="D1", ts="1700000200.000001"))
    [post] = await eventually(lambda: h.fake.of("chat.postMessage"))
    buttons = [e for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [("Open the form", "compose survey")]
    assert "In one line: survey" in post.args["text"]
    await h.form(p.block_actions("compose survey", user="U1", channel="D1", message_ts=post.args.get("ts") or "1.2",
                                 label="Open the form"))
    [opened] = await eventually(lambda: h.fake.of("views.open"))
    view = {**opened.args["view"], "id": "V2", "hash": "h2"}
    assert view_problems(view) == [] and inputs(view)["kind"]["element"]["initial_option"]["value"] == "scale"
    await h.form(p.filled_view(view, {"audience": "payments", "question": "Is the cost report useful?",
                                      "kind": "options", "options": "yes\nsomewhat\nno", "anonymous": "yes"}))
    [preview] = await eventually(lambda: [t for t in texts(h, "D1") if "(draft)" in t])
    assert "yes | somewhat | no" in preview
    [draft] = h.bot.services.surveys.list(5)
    assert draft.anonymous and draft.questions[0].options == ("yes", "somewhat", "no")
    assert h.fake.of("chat.update") == []  # the button stayed: closing the modal must not lose the way back


async def test_an_expired_trigger_falls_back_to_the_button(slack: Harness) -> None:
    h = slack
    h.fake.fail("views.open", "expired_trigger_id")
    await h.form(p.slash_command("setbudget payments", user="U1", channel="C7"))
    [post] = await eventually(lambda: h.fake.of("chat.postMessage"))
    assert "Set a budget" in post.args["text"]
    buttons = [e["value"] for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["set budget"]


async def test_budget_modal_saves_the_budget(slack: Harness) -> None:
    h = slack
    view = await open_modal(h, "setbudget payments", "C7", "V3")
    team = inputs(view)["team"]["element"]
    assert team["type"] == "static_select" and team["initial_option"]["value"] == "payments"
    await h.form(p.filled_view(view, {"amount": "12,500", "currency": "eur", "period": "quarterly",
                                      "thresholds": "80, forecast:100"}))
    [done] = await eventually(lambda: texts(h, "C7"))
    assert "quarterly budget of payments is 12,500.00 EUR" in done
    [budget] = [b for b in h.bot.services.budgets.budgets.budgets("payments") if b.period == "quarterly"]
    assert (budget.amount, budget.currency, budget.thresholds) == (Decimal(12500), "EUR",
                                                                       ("actual:80", "forecast:100"))


async def test_people_without_the_role_get_no_form(slack: Harness) -> None:
    h = slack
    await h.form(p.slash_command("setbudget", user="U9", channel="D9"))
    [post] = await eventually(lambda: h.fake.of("chat.postMessage"))
    assert "Only team owners, FinOps practitioners and admins" in post.args["text"]
    await h.form(p.slash_command("nudge", user="U9", channel="D9"))
    assert (await eventually(lambda: len(h.fake.of("chat.postMessage")) > 1 and h.fake.of("chat.postMessage")))
    assert h.fake.of("views.open") == []


def test_modal_view_respects_slacks_limits() -> None:
    long_options = tuple(Choice(f"team {'x' * 90} {n}", f"v{n}{'y' * 200}") for n in range(150))
    form = Form("compose thing", "A very long form title that Slack would cut", "Send it to everybody now", (
        Input("who", "Who " * 600, "choice", long_options, initial="v3" + "y" * 200),
        Input("what", "What", "multiline", hint="h" * 3000, initial="z" * 5000),
    ))
    view = modal_view(Reply("intro " * 2000, form=form), form, "C1", "1.2")
    view = {**view, "id": "V", "hash": "h"}
    assert view_problems(view) == []


# --- Teams -----------------------------------------------------------------------------------------------------
async def test_teams_budget_card_with_inputs(demo_url: str, connector: FakeConnector, aiohttp_client: Any) -> None:
    bot = build_bot(make_settings(demo_url, teams_enabled=True), demo=True)
    alex = TeamsClient(connector.url)
    bot.services.roles.grant(f"teams:{alex.user_id}@{alex.tenant}", "practitioner", "test")
    client = await aiohttp_client(build_web_app(bot))
    conversation = {"conversationType": "personal", "id": alex.personal_id}
    assert (await client.post("/api/messages", json=alex.personal("set budget for checkout"))).status == 201
    [card] = connector.posted[-1].cards()
    fields = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert fields["team"]["type"] == "Input.ChoiceSet" and fields["team"]["value"] == "checkout"
    assert fields["amount"]["isRequired"] and not fields["thresholds"]["isRequired"]
    with pytest.raises(AssertionError, match="required"):
        alex.fill(card, {}, reply_to="bot-msg-1", conversation=conversation)
    bad = alex.fill(card, {"amount": "lots"}, reply_to="bot-msg-1", conversation=conversation)
    assert (await client.post("/api/messages", json=bad)).status == 201
    [again] = connector.posted[-1].cards()
    assert "not an amount" in connector.posted[-1].text
    assert {e["id"]: e.get("value") for e in again["body"] if e["type"].startswith("Input.")}["amount"] == "lots"
    good = alex.fill(again, {"amount": "30k", "currency": "GBP"}, reply_to="bot-msg-2", conversation=conversation)
    assert (await client.post("/api/messages", json=good)).status == 201
    assert "monthly budget of checkout is 30,000.00 GBP" in connector.posted[-1].text
    bot.services.db.dispose()


# --- terminal ----------------------------------------------------------------------------------------------------
async def test_console_fills_a_form_field_by_field(demo_url: str) -> None:
    bot = build_bot(make_settings(demo_url), demo=True)
    chat = ConsoleSession(bot.router)  # console:you@local, the local operator
    out = await chat.send("compose nudge")
    assert "Compose a nudge" in out[0] and out[1].startswith("[1/3] To")
    assert (await chat.send("")) == ["To is needed.\n" + out[1]]
    assert (await chat.send("payments"))[0].startswith("[2/3] Message")
    assert (await chat.send("Review idle VMs"))[0].startswith("[3/3] When")
    preview = await chat.send("")  # optional: now
    assert "Preview of your nudge" in preview[0] and "When: now" in preview[0]
    out = await chat.send("set budget")
    assert "[1] checkout" in out[1]
    assert "pick one of the" in (await chat.send("9"))[0]
    assert (await chat.send("payments"))[0].startswith("[2/5] Amount")
    assert (await chat.send("cancel")) == ["Closed the form “Set a budget”; nothing was submitted."]
    assert "[2/5]" not in (await chat.send("what is the inform phase?"))[0]  # lines are routed again
    bot.services.db.dispose()


async def test_console_problem_brings_the_form_back(demo_url: str) -> None:
    bot = build_bot(make_settings(demo_url), demo=True)
    chat = ConsoleSession(bot.router)
    await chat.send("set budget")
    await chat.send("payments")
    await chat.send("-5")
    await chat.send("")
    await chat.send("")
    out = await chat.send("")
    assert "positive amount" in out[0] and out[1].startswith("[1/5] Team")
    assert "(Enter keeps: payments)" in out[1]
    bot.services.db.dispose()


def test_one_line_commands_behind_the_survey_form() -> None:
    line, problem = survey.form_command({"audience": "payments", "question": "Useful?", "kind": "multi",
                                         "options": "a, b;c", "deadline": "friday", "anonymous": "yes"})
    assert (line, problem) == ("survey payments: Useful? multi: a | b | c by friday anonymous", "")
    assert survey.form_command({"audience": "payments", "question": "Q", "kind": "options", "options": "only"})[1]
    assert "who is asked and the question" in survey.form_command({})[1]
    assert nudge.FORM_ID == "compose nudge" and budget_set.FORM_ID == "set budget"


async def test_app_home_offers_practitioners_the_forms(slack: Harness) -> None:
    h = slack
    for user in ("U1", "U9"):
        await h.event({"type": "app_home_opened", "user": user, "channel": f"D{user[1:]}", "tab": "home",
                       "event_ts": "1700000300.000001"}, event_id=f"EvHome{user}")
    publishes = await eventually(lambda: len(h.fake.of("views.publish")) == 2 and h.fake.of("views.publish"))
    rows = {c.args["user_id"]: [b.get("block_id") for b in c.args["view"]["blocks"]] for c in publishes}
    assert "finops_home_practice" in rows["U1"] and "finops_home_practice" not in rows["U9"]
    await h.form(p.home_click("compose nudge", user="U1"))
    [opened] = await eventually(lambda: h.fake.of("views.open"))
    assert json.loads(opened.args["view"]["private_metadata"])["channel"] == "D1"  # answers go to the DM


async def test_a_slow_submission_is_acknowledged_first_and_answered_after(slack: Harness,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import adapters.slack_interactive

    monkeypatch.setattr(adapters.slack_interactive, "ACK_SECONDS", 0.0)  # as if the turn took longer than Slack waits
    h = slack
    view = await open_modal(h, "nudge", "C7", "V1")
    resp = await h.form(p.filled_view(view, {"audience": "payments", "message": "Review idle VMs", "when": "someday"}))
    assert await resp.text() == ""
    again = (await eventually(lambda: len(h.fake.of("views.open")) == 2 and h.fake.of("views.open")))[1]
    assert inputs(again.args["view"])["when"]["element"]["initial_value"] == "someday"


async def test_a_modal_from_a_channel_the_bot_cannot_post_in_answers_in_the_dm(slack: Harness) -> None:
    h = slack
    view = await open_modal(h, "nudge", "G77", "V1")  # a private channel without the bot
    h.fake.fail("chat.postMessage", "channel_not_found")
    await h.form(p.filled_view(view, {"audience": "payments", "message": "Review idle VMs"}))
    def dm_posts() -> list[Any]:
        return [c for c in h.fake.of("chat.postMessage") if c.args["channel"] == "D1"]

    posts = await eventually(lambda: len(dm_posts()) >= 2 and dm_posts())
    assert "can't post in the channel" in posts[0].args["text"]
    assert "Preview of your nudge" in posts[1].args["text"]


async def test_console_answers_a_free_text_survey_question_on_the_next_line(db_url: str) -> None:
    bot = build_bot(make_settings(db_url), demo=False)
    chat = ConsoleSession(bot.router)
    await chat.send("survey console:you@local: What should the next report show? text")
    await chat.send("survey send 1")
    [asked] = await chat.send("answer survey 1")
    assert "Type your answer here" in asked and "Fill in the form" not in asked
    assert "Thank you" in (await chat.send("Cost per team, please"))[0]
    [answer] = bot.services.surveys.answers(1)
    assert answer.text == "Cost per team, please"
    bot.services.db.dispose()


async def test_budget_modal_with_a_bad_currency_stays_open(slack: Harness) -> None:
    h = slack
    view = await open_modal(h, "setbudget", "C7", "V4")
    resp = await h.form(p.filled_view(view, {"team": "checkout", "amount": "9000", "currency": "euros"}))
    ack = await resp.json()
    assert ack["response_action"] == "update" and "3-letter ISO code" in ack["view"]["blocks"][0]["text"]["text"]
    currency = next(b for b in ack["view"]["blocks"] if b.get("block_id") == "currency")
    assert currency["element"]["initial_value"] == "euros"  # what was typed, to correct
    assert [b for b in h.bot.services.budgets.budgets.budgets("checkout") if b.currency == "EUROS"] == []


async def test_team_owners_set_their_budget_from_app_home(slack: Harness) -> None:
    h = slack
    await h.event({"type": "app_home_opened", "user": "U0DEMO1", "channel": "D0DEMO1", "tab": "home",
                   "event_ts": "1700000500.000001"}, event_id="EvHomeOwner")
    [publish] = await eventually(lambda: h.fake.of("views.publish"))
    values = [e.get("value") for b in publish.args["view"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "set budget for payments" in values and "compose nudge" not in values  # an owner, not a practitioner
    await h.form(p.home_click("set budget for payments", user="U0DEMO1"))
    [opened] = await eventually(lambda: h.fake.of("views.open"))
    team = next(b for b in opened.args["view"]["blocks"] if b.get("block_id") == "team")
    assert [o["value"] for o in team["element"]["options"]] == ["payments"]  # only the teams they may manage
    assert team["element"]["initial_option"]["value"] == "payments"
