"""Contract tests for /finops, button clicks, modal submissions and the App Home tab (signed, over HTTP)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from adapters.slack_render import escape
from adapters.slack_text import slash_text
from bot.models import IncomingMessage
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import BOT_USER
from tests.fakes.slack_harness import Harness, eventually, start_harness


@pytest.fixture
async def slack(sqlite_demo_url: str, aiohttp_client: Any):
    h = await start_harness(sqlite_demo_url, aiohttp_client)
    yield h
    await h.fake.stop()


def spy(h: Harness) -> list[IncomingMessage]:
    """Record every message the router receives (the real router still answers)."""
    seen: list[IncomingMessage] = []
    real = h.bot.router.handle

    async def handle(msg: IncomingMessage) -> Any:
        seen.append(msg)
        return await real(msg)

    h.bot.router.handle = handle  # type: ignore[method-assign]
    return seen


@pytest.mark.parametrize(("text", "routed"), [
    ("budget", "budget status"),
    ("budget payments", "budget status for payments"),
    ("Maturity  data-platform", "maturity status for data-platform"),
    ("assess", "start assessment"),
    ("ask what is the inform phase?", "what is the inform phase?"),
    ("ask what is &lt;FOCUS&gt; &amp; why", "what is <FOCUS> & why"),
    ("ask", None), ("help", None), ("", None), ("what is showback?", "what is showback?"),
    ("grant admin to <@U0ALICE|alice>", "grant admin to <@U0ALICE>"),
])
def test_slash_subcommands_map_to_router_text(text: str, routed: str | None) -> None:
    assert slash_text(text) == routed


async def test_slash_budget_is_acked_then_answered_in_the_channel(slack: Harness) -> None:
    seen = spy(slack)
    resp = await slack.form(p.slash_command("budget payments", channel="C5",
                                            response_url=f"{slack.fake.url}/respond/1"))
    assert await resp.text() == ""
    post = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert post.args["channel"] == "C5" and post.args["text"]
    assert seen[0].text == "budget status for payments" and seen[0].key.tenant == "T0001"
    assert seen[0].key.user == "U1" and seen[0].user_name == "alice"


@pytest.mark.parametrize("text", ["help", "", "grant"])
async def test_slash_alone_or_help_shows_the_menu_privately(slack: Harness, text: str) -> None:
    await slack.form(p.slash_command(text, response_url=f"{slack.fake.url}/respond/2"))
    answer = (await slack.fake.wait_for("response_url"))[0].args
    assert answer["response_type"] == "ephemeral" and "/finops budget [team]" in answer["text"]
    assert "/finops <question>" in answer["text"] and "don't know" not in answer["text"]
    assert slack.fake.of("chat.postMessage") == []


async def test_slash_with_free_text_answers_the_question(slack: Harness) -> None:
    seen = spy(slack)
    await slack.form(p.slash_command("what is showback?", response_url=f"{slack.fake.url}/respond/2"))
    post = (await slack.fake.wait_for("chat.postMessage"))[0].args
    assert seen[0].text == "what is showback?" and "showback" in post["text"].lower()
    assert slack.fake.of("response_url") == []


async def test_slash_in_a_private_channel_without_the_bot_answers_via_response_url(slack: Harness) -> None:
    slack.fake.fail("chat.postMessage", "channel_not_found")
    await slack.form(p.slash_command("ask help", channel="G1", response_url=f"{slack.fake.url}/respond/3"))
    answer, note = [c.args for c in await slack.fake.wait_for("response_url", 2)]
    assert answer["response_type"] == note["response_type"] == "ephemeral" and "Invite me" in note["text"]
    assert "Here is what I can do" in answer["text"]
    assert any(b["type"] == "actions" for b in answer["blocks"])  # the buttons came along


async def test_button_click_on_a_channel_post_answers_the_clicker_only(slack: Harness) -> None:
    seen = spy(slack)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Pick one"}},
              {"type": "actions", "block_id": "finops_actions_0", "elements": []}]
    body = p.block_actions("help", channel="C7", message_ts="1700000030.000100", label="Show help",
                           thread_ts="1700000029.000100", blocks=blocks)
    await slack.form(body)
    await slack.form(body)  # a double click
    post = (await slack.fake.wait_for("chat.postEphemeral"))[0]
    assert post.args["channel"] == "C7" and post.args["thread_ts"] == "1700000029.000100"
    assert post.args["user"] == "U1"
    await slack.drain()
    # the shared post keeps its buttons for everyone else; nothing public names the clicker
    assert slack.fake.of("chat.update") == [] and slack.fake.of("chat.postMessage") == []
    assert len(slack.fake.of("chat.postEphemeral")) == 1
    msg = seen[0]
    assert msg.text == "help" and msg.action is not None and msg.action.value == "help"
    assert msg.action.id == "finops_choice_0" and msg.key.thread == "1700000029.000100"
    assert len({m.event_id for m in seen}) == 1


async def test_button_click_in_a_dm_retires_its_buttons(slack: Harness) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Pick one"}},
              {"type": "actions", "block_id": "finops_actions_0", "elements": []}]
    await slack.form(p.block_actions("help", channel="D1", message_ts="1700000031.000100", label="Show help",
                                     blocks=blocks))
    update = (await slack.fake.wait_for("chat.update"))[0].args
    assert update["ts"] == "1700000031.000100" and "actions" not in json.dumps([b["type"] for b in update["blocks"]])
    assert "Show help" in json.dumps(update["blocks"]) and "<@U1>" not in json.dumps(update["blocks"])
    assert (await slack.fake.wait_for("chat.postMessage"))[0].args["channel"] == "D1"


async def test_home_tab_button_answers_in_the_dm(slack: Harness) -> None:
    await slack.form(p.home_click("help", user="U55"))
    post = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert slack.fake.of("conversations.open")[0].args["users"] == "U55"
    assert post.args["channel"] == "D55"


async def test_view_submission_carries_the_form(slack: Harness) -> None:
    seen = spy(slack)
    values = {"b1": {"team": {"type": "static_select", "selected_option": {"value": "payments"}}},
              "b2": {"note": {"type": "plain_text_input", "value": "hello"}},
              "b3": {"days": {"type": "checkboxes", "selected_options": [{"value": "mon"}, {"value": "fri"}]}}}
    meta = json.dumps({"channel": "C9", "thread": "1700000040.000100", "text": "help"})
    resp = await slack.form(p.view_submission("finops_test_form", values, meta))
    assert resp.status == 200
    post = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert post.args["channel"] == "C9" and post.args["thread_ts"] == "1700000040.000100"
    action = seen[0].action
    assert action is not None and action.id == "finops_test_form" and seen[0].text == "help"
    assert dict(action.form) == {"team": "payments", "note": "hello", "days": "mon,fri"}


class FakeSummary:
    def __init__(self, text: str) -> None:
        self.text = text

    def summary_line(self, team: str) -> str:
        return f"{team}: {self.text}"


async def test_app_home_shows_team_cards_with_feature_summaries(slack: Harness) -> None:
    services = slack.bot.services
    services.teams.add_member("payments", "slack:U1@T0001", "owner")
    services.budgets = FakeSummary("82% of budget used")  # type: ignore[attr-defined]
    services.maturity = None  # type: ignore[attr-defined]  (feature absent: no line, no crash)
    await slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home",
                       "event_ts": "1700000050.000100"})
    publish = (await slack.fake.wait_for("views.publish"))[0].args
    assert publish["user_id"] == "U1" and publish["view"]["type"] == "home"
    text = json.dumps(publish["view"]["blocks"])
    assert "payments" in text and "82% of budget used" in text and "finops_home_0" in text
    assert "Maturity:" not in text  # the maturity feature is not installed in this test


async def test_app_home_without_a_team_explains_and_still_helps(slack: Harness) -> None:
    await slack.event({"type": "app_home_opened", "user": "U404", "channel": "D2", "tab": "home",
                       "event_ts": "1700000051.000100"})
    text = json.dumps((await slack.fake.wait_for("views.publish"))[0].args["view"]["blocks"])
    assert "not in a team" in text and "What you can ask me" in text


async def test_messages_tab_open_publishes_nothing(slack: Harness) -> None:
    await slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages",
                       "event_ts": "1700000052.000100"})
    await slack.event(p.message("help", channel="D3"))
    await slack.fake.wait_for("chat.postMessage")
    assert slack.fake.of("views.publish") == []


async def test_mention_text_reaches_the_router_clean(slack: Harness) -> None:
    seen = spy(slack)
    event = p.app_mention("what is <https://focus.finops.org|FOCUS> in <#C1|general> &amp; <@U2>?")
    await slack.event(event)
    await eventually(lambda: seen)
    assert seen[0].text == "what is FOCUS in #general & <@U2>?" and f"<@{BOT_USER}>" not in seen[0].text
    assert seen[0] == replace(seen[0], is_direct=True)


async def test_app_home_uses_the_installed_budget_and_maturity_features(slack: Harness) -> None:
    services = slack.bot.services
    services.teams.add_member("payments", "slack:U2@T0001", "member")
    expected = [line for feature in ("budgets", "maturity")
                if (store := getattr(services, feature, None)) is not None
                and (line := store.summary_line("payments"))]
    await slack.event({"type": "app_home_opened", "user": "U2", "channel": "D2", "tab": "home",
                       "event_ts": "1700000053.000100"})
    text = json.dumps((await slack.fake.wait_for("views.publish"))[0].args["view"]["blocks"], ensure_ascii=False)
    assert "payments" in text and expected  # both features are installed in this build
    for line in expected:
        assert escape(line) in text.replace("\\\\", "\\")


async def test_a_home_click_without_a_dm_is_logged_not_raised(slack: Harness, caplog: Any) -> None:
    slack.fake.fail("conversations.open", "user_not_found")
    await slack.form(p.home_click("help", user="U77"))
    await eventually(lambda: "no DM to answer a click in: user_not_found" in caplog.text)
    assert slack.fake.of("chat.postMessage") == []
