"""Text a person typed is never live when the bot echoes it: no link, mention or tag on Slack or Teams, while the
bot's own formatting (bold, links to sources) keeps working."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapters.slack_render import render
from adapters.teams_cards import render_activities
from bot.app import build_bot, build_web_app
from bot.markup import user_text
from bot.models import Reply
from bot.surveys.render import announcement, preview, question_reply
from bot.surveys.spec import Question, SurveyInfo
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_harness import Harness, eventually
from tests.fakes.teams_activities import TeamsClient

EVIL = "Tag now [click here](https://evil.example/x) <https://evil.example|docs> <!channel> <@U999> <at>Boss</at>"
SLACK_LIVE = re.compile(r"<(https?:|!|@)")  # a link, a broadcast or a mention in Slack mrkdwn
MD_LIVE = re.compile(r"\]\(https?:|<at>|<https?:")  # a Markdown link, a Teams mention tag or an autolink


def _teams_text(node: Any) -> str:
    """Every markdown-rendered text of Teams activities (button titles and submit data are plain)."""
    if isinstance(node, list):
        return "\n".join(_teams_text(n) for n in node)
    if isinstance(node, dict):
        own = [str(node["text"])] if isinstance(node.get("text"), str) else []
        return "\n".join(own + [_teams_text(v) for k, v in node.items() if k not in ("data", "text")])
    return ""


def _mrkdwn(blocks: list[dict[str, Any]]) -> str:
    return json.dumps([b for b in blocks if b["type"] in ("section", "context")], ensure_ascii=False)


async def test_slack_nudge_preview_and_list_show_typed_links_and_mentions_as_text(slack: Harness) -> None:
    h = slack
    await h.event(p.message(f"nudge payments: {EVIL} tomorrow 9am", user="U1", channel="D1", ts="1700000200.000001"))
    [preview] = await eventually(lambda: h.fake.of("chat.postMessage"))
    shown = _mrkdwn(preview.args["blocks"])
    assert "click here" in shown and "evil.example" in shown
    assert not SLACK_LIVE.search(shown) and not SLACK_LIVE.search(preview.args["text"])


def test_slack_keeps_the_bots_own_links_and_bold() -> None:
    [msg] = render(Reply(f"**Budget** see [the guide](https://www.finops.org/x): “{user_text(EVIL)}”"))
    shown = _mrkdwn(list(msg.blocks))
    assert "<https://www.finops.org/x|the guide>" in shown and "*Budget*" in shown
    assert len(SLACK_LIVE.findall(shown)) == 1


async def test_teams_nudge_preview_shows_typed_links_and_mentions_as_text(db_url: str, connector: FakeConnector,
                                                                         aiohttp_client: Any) -> None:
    bot = build_bot(make_settings(db_url, teams_enabled=True), demo=False)
    alex = TeamsClient(connector.url)
    bot.services.roles.grant(f"teams:{alex.user_id}@{alex.tenant}", "practitioner", "test")
    bot.services.teams.upsert("payments", teams_conversation=alex.channel_id)
    client = await aiohttp_client(build_web_app(bot))
    assert (await client.post("/api/messages", json=alex.installed("personal"))).status == 201
    connector.posted.clear()
    assert (await client.post("/api/messages", json=alex.personal(f"nudge payments: {EVIL}"))).status == 201
    shown = _teams_text([x.activity for x in connector.posted])
    assert "click here" in shown and "evil.example" in shown
    assert not MD_LIVE.search(shown)


def test_teams_keeps_the_bots_own_links() -> None:
    [activity, *_] = render_activities(Reply(f"See [the guide](https://www.finops.org/x): {user_text(EVIL)}"))
    assert len(MD_LIVE.findall(_teams_text(activity))) == 1


def test_survey_title_questions_and_options_are_inert_in_slack_and_teams() -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    info = SurveyInfo(7, "slack:T1:U1", f"Pulse {EVIL}", "pulse", None,
                      (Question(f"How? {EVIL}", "single", (f"Yes {EVIL}", "No")),), ("team payments",), False, True,
                      "draft", now, 24, 1, 0, now)
    tz = ZoneInfo("Europe/Berlin")
    for reply in (question_reply(info, 0, picked=(0,)), announcement(info, tz), preview(info, 3, 0, (), tz)):
        for msg in render(reply):
            assert not SLACK_LIVE.search(_mrkdwn(list(msg.blocks)) + msg.text)
        assert not MD_LIVE.search(_teams_text(render_activities(reply)))
