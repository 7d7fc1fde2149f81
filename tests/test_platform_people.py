"""People as each platform delivers them: Slack ``<@U…>`` / ``<@U…|name>``, Teams ``<at>`` mentions with entities;
commands that take people read them, and replies show display names (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import Bot, build_bot
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.slack_harness import Harness, eventually, start_harness
from tests.fakes.teams_activities import TeamsClient


@pytest.fixture
async def admin_slack(demo_url: str, aiohttp_client: Any) -> Any:
    h = await start_harness(demo_url, aiohttp_client, admins=("slack:U1@T0001",))
    h.bot.services.roles.grant("slack:U1@T0001", "practitioner", "test")
    h.fake.users.update({"U0ALICE": "Alice Smith", "U0BOB": "Bob Jones"})
    yield h
    await h.fake.stop()


def _posted(h: Harness, n: int) -> list[str]:
    return [c.args["text"] for c in h.fake.of("chat.postMessage")][:n]


async def test_slack_dm_grant_with_a_mention_names_the_person(admin_slack: Harness) -> None:
    await admin_slack.event(p.message("grant practitioner to <@U0ALICE>"))
    [answer] = await eventually(lambda: _posted(admin_slack, 1))
    assert "Alice Smith" in answer and "slack:U0ALICE@T0001" not in answer and "U0ALICE" not in answer
    roles = admin_slack.bot.services.roles
    assert "practitioner" in (await admin_slack.bot.services.db.run(roles.all)).get("slack:U0ALICE@T0001", set())
    await admin_slack.event(p.message("revoke practitioner from <@U0ALICE>", ts="1700000002.000200"))
    await eventually(lambda: len(_posted(admin_slack, 2)) == 2)
    assert "Alice Smith" in _posted(admin_slack, 2)[1]
    assert len(admin_slack.fake.of("users.info")) == 1  # the name is cached


async def test_slack_slash_command_escaped_mention_arrives_as_an_id(admin_slack: Harness) -> None:
    # with should_escape: true Slack sends "@bob" as <@U0BOB|bob>
    await admin_slack.form(p.slash_command("grant admin to <@U0BOB|bob>", channel="D1"))
    [answer] = await eventually(lambda: _posted(admin_slack, 1))
    assert "Bob Jones" in answer and "is now admin" in answer
    table = await admin_slack.bot.services.db.run(admin_slack.bot.services.roles.all)
    assert "admin" in table.get("slack:U0BOB@T0001", set())


async def test_slack_team_owner_and_nudge_audience_by_mention(admin_slack: Harness) -> None:
    await admin_slack.event(p.message("add <@U0ALICE> to payments as owner"))
    [done] = await eventually(lambda: _posted(admin_slack, 1))
    assert done.startswith("Done")
    team, _ = admin_slack.bot.services.teams.find("payments")
    assert team is not None and "slack:U0ALICE@T0001" in team.owners
    await admin_slack.event(p.message("nudge <@U0BOB>: please tag your volumes", ts="1700000002.000300"))
    await eventually(lambda: len(_posted(admin_slack, 2)) == 2)
    preview = _posted(admin_slack, 2)[1]
    assert "Bob Jones" in preview and "know a team" not in preview and "slack:U0BOB@T0001" not in preview


async def test_slack_unknown_person_is_shown_without_the_platform_prefix(admin_slack: Harness) -> None:
    await admin_slack.event(p.message("grant practitioner to <@U0CAROL>"))
    [answer] = await eventually(lambda: _posted(admin_slack, 1))
    assert "@U0CAROL" in answer and "slack:U0CAROL@T0001" not in answer  # users.info said user_not_found


# --- Teams ------------------------------------------------------------------------------------------------------
@pytest.fixture
def teams_bot(demo_url: str) -> Bot:
    return build_bot(make_settings(demo_url, teams_enabled=True, admins=("teams:29:1alex-aad-user@72f988bf-tenant",)),
                     demo=True)


async def test_teams_mention_entity_becomes_the_persons_id(client: TestClient, connector: FakeConnector,
                                                           user: TeamsClient, teams_bot: Bot) -> None:
    sam = {"29:1sam-aad": "Sam Lee"}
    resp = await client.post("/api/messages", json=user.personal("grant practitioner to <at>Sam Lee</at>", sam))
    assert resp.status == 201
    answer = connector.posted[-1].text
    assert "Sam Lee is now practitioner" in answer and "29:1sam" not in answer
    table = await teams_bot.services.db.run(teams_bot.services.roles.all)
    assert "practitioner" in table.get("teams:29:1sam-aad@72f988bf-tenant", set())


async def test_teams_group_chat_mentions_bot_and_a_person(client: TestClient, connector: FakeConnector,
                                                          user: TeamsClient, teams_bot: Bot) -> None:
    teams_bot.services.roles.grant("teams:29:1alex-aad-user@72f988bf-tenant", "practitioner", "test")
    activity = user.group("add <at>Sam Lee</at> to payments as member", people={"29:1sam-aad": "Sam Lee"})
    assert (await client.post("/api/messages", json=activity)).status == 201
    assert connector.posted[-1].text.startswith("Done")
    team, _ = teams_bot.services.teams.find("payments")
    assert team is not None and "teams:29:1sam-aad@72f988bf-tenant" in team.members


async def test_teams_names_unknown_people_from_the_roster(client: TestClient, connector: FakeConnector,
                                                          user: TeamsClient, teams_bot: Bot) -> None:
    connector.roster["29:1kim-aad"] = "Kim Park"
    teams_bot.services.roles.grant("teams:29:1kim-aad@72f988bf-tenant", "practitioner", "test")
    assert (await client.post("/api/messages", json=user.personal("roles"))).status == 201
    shown = connector.posted[-1].text
    assert "Kim Park" in shown and "teams:29:1kim-aad@72f988bf-tenant" not in shown
