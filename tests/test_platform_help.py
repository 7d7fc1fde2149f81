"""Help and welcome cards: their buttons only ask questions or open forms (pressing one, even as an admin, changes
no data), and their examples never show a Slack id on Teams."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.app import Bot, build_bot
from intents.help import SAFE_BUTTONS
from tests.conftest import make_settings, message
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.teams_activities import TeamsClient

ADMIN = "teams:29:1alex-aad-user@72f988bf-tenant"


@pytest.fixture
def teams_bot(demo_url: str) -> Bot:
    return build_bot(make_settings(demo_url, teams_enabled=True, admins=(ADMIN,)), demo=True)


async def test_welcome_and_help_buttons_change_nothing_even_for_an_admin(
        client: TestClient, connector: FakeConnector, user: TeamsClient, teams_bot: Bot) -> None:
    teams_bot.services.roles.grant(ADMIN, "practitioner", "test")
    assert (await client.post("/api/messages", json=user.installed("personal"))).status == 201
    assert (await client.post("/api/messages", json=user.personal("help"))).status == 201
    welcome, helped = connector.posted[0], connector.posted[-1]
    assert "slack:" not in welcome.text + helped.text and "U0123" not in helped.text
    assert "@alice" in helped.text  # people are named the way people type them
    pressed = [a for card in (welcome, helped) for a in card.actions()]
    assert pressed and {a["data"]["value"] for a in pressed} <= {c.value for c in SAFE_BUTTONS} | {"help"}
    s = teams_bot.services
    audit_before = len(await s.db.run(s.audit.recent, 200))
    budgets_before = s.budgets.budgets.budgets() if s.budgets is not None else None
    conv = user.sent[-1]["conversation"]
    for action in pressed:
        assert (await client.post("/api/messages", json=user.submit(action, "bot-msg-1", conv))).status == 201
    assert len(await s.db.run(s.audit.recent, 200)) == audit_before  # no change was recorded
    assert (s.budgets.budgets.budgets() if s.budgets is not None else None) == budgets_before
    assert not any(p.text.startswith("Done") for p in connector.posted)


def test_help_sets_have_one_primary_button(bot: Bot) -> None:
    primaries = [c for c in SAFE_BUTTONS if c.style == "primary"]
    assert len(primaries) == 1


async def test_slack_help_shows_no_raw_ids(bot: Bot) -> None:
    result = await bot.router.handle(message("help", platform="slack"))
    assert "slack:U0123@T0001" not in result.replies[0].text


def test_renderers_show_each_figure_once_and_one_primary_button() -> None:
    from adapters.slack_render import reply_blocks
    from adapters.teams_cards import render_activities
    from bot.models import Choice, Field, Reply

    reply = Reply("payments: 79% used.\n• Actual: 1,137 USD\n• Budget: 1,439 USD", title="Budget",
                  fields=(Field("Actual", "1,137 USD"), Field("Budget", "1,439 USD"), Field("Days left", "29")),
                  choices=(Choice("Details", "budget details", "primary"), Choice("Chart", "chart", "primary")))
    blocks = reply_blocks(reply)
    grid = [f["text"] for b in blocks if b["type"] == "section" and "fields" in b for f in b["fields"]]
    shown = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert len(grid) == 3 and shown == ["payments: 79% used."]  # each figure once: in the grid
    styles = [e.get("style") for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert styles == ["primary", None]
    [activity] = render_activities(reply)
    card = activity["attachments"][0]["content"]
    facts = [f["title"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]]
    assert facts == ["Days left"] and "Actual: 1,137 USD" in activity["text"]
    assert [a.get("style") for a in card["actions"]] == ["positive", None]
