"""Teams message size: every activity stays under Teams' 100 KB limit (UTF-16, base64 images not counted); long
text is split with "more below"; the fake connector refuses bigger ones with 413 MessageSizeTooBig."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from adapters.teams_cards import MORE, TARGET_ACTIVITY_BYTES, activity_size, render_activities
from bot.app import Bot, build_bot
from bot.models import Choice, Reply
from tests.conftest import make_settings
from tests.fakes.bf_connector import MAX_MESSAGE_BYTES, FakeConnector, message_size
from tests.fakes.teams_activities import TeamsClient

ADMIN = "teams:29:1alex-aad-user@72f988bf-tenant"


@pytest.fixture
def teams_bot(demo_url: str) -> Bot:
    return build_bot(make_settings(demo_url, teams_enabled=True, admins=(ADMIN,)), demo=True)


async def test_the_fake_connector_refuses_an_activity_over_100_kb(connector: FakeConnector) -> None:
    big = {"type": "message", "text": "é" * 60_000}  # 120 KB counted in UTF-16
    assert message_size(big) > MAX_MESSAGE_BYTES
    async with aiohttp.ClientSession() as session:
        url = f"{connector.url}v3/conversations/a:1x/activities"
        async with session.post(url, json=big) as resp:
            assert resp.status == 413 and (await resp.json())["error"]["code"] == "MessageSizeTooBig"
    assert connector.posted == []


async def test_audit_of_200_entries_arrives_in_parts_under_the_limit(client: TestClient, connector: FakeConnector,
                                                                    user: TeamsClient, teams_bot: Bot) -> None:
    audit = teams_bot.services.audit
    for n in range(200):
        audit.record(ADMIN, "team.member.add", f"team-{n:03d} " + "ü" * 200, note="x" * 300,
                     who="teams:29:1sam@72f988bf-tenant")
    assert (await client.post("/api/messages", json=user.personal("audit last 200"))).status == 201
    parts = connector.posted
    assert len(parts) >= 2 and all(message_size(p.activity) <= MAX_MESSAGE_BYTES for p in parts)
    assert all(MORE in p.text for p in parts[:-1]) and MORE not in parts[-1].text
    assert sum(p.text.count("team.member.add") for p in parts) == 200  # nothing lost


def test_every_rendered_activity_is_within_the_recommended_size() -> None:
    text = "\n".join(f"line {n}: " + "漢字😀" * 40 for n in range(3000))  # astral characters: 4 bytes each
    reply = Reply(text, title="Long", choices=tuple(Choice(f"b{n}", f"v{n}") for n in range(12)))
    activities = render_activities(reply)
    assert len(activities) > 2 and all(activity_size(a) <= TARGET_ACTIVITY_BYTES for a in activities)
    assert activities[-1].get("attachments")  # the buttons come after the last part of the text
