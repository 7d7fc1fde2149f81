"""Red-team item 4: a person is (platform, workspace/tenant, user). The same user id in another workspace is someone
else: FINOPS_ADMINS, stored roles, team ownership and membership do not follow it there."""

from __future__ import annotations

import sqlite3

import pytest

from bot.app import Bot, build_bot
from bot.config import ConfigError, Settings
from bot.db import Database
from bot.identity import IdentityError, parse, qualify
from tests.conftest import make_settings, message


def _as(text: str, user: str, tenant: str, platform: str = "slack"):  # type: ignore[no-untyped-def]
    return message(text, user=user, platform=platform, tenant=tenant, channel=f"D-{user}", thread="")


@pytest.fixture
def two_workspaces(demo_url: str) -> Bot:
    bot = build_bot(make_settings(demo_url, admins=("slack:UADMIN@T0HOME", "teams:29:boss@tenant-home")), demo=True)
    s = bot.services
    s.teams.add_member("checkout", "slack:UOWNER@T0HOME", "owner")
    s.roles.grant("slack:UPRAC@T0HOME", "practitioner", "console:you@local")
    yield bot
    s.db.dispose()


async def test_an_admin_id_from_another_workspace_is_not_an_admin(two_workspaces: Bot) -> None:
    bot = two_workspaces
    home = await bot.router.handle(_as("my roles", "UADMIN", "T0HOME"))
    assert "admin" in home.replies[0].text
    evil = await bot.router.handle(_as("audit last 5", "UADMIN", "T0EVIL"))
    assert "You need the admin role" in evil.replies[0].text
    grant = await bot.router.handle(_as("grant admin to <@UEVIL2>", "UADMIN", "T0EVIL"))
    assert "admin role" in grant.replies[0].text and not bot.services.access.is_admin("slack:UEVIL2@T0EVIL")
    teams_evil = await bot.router.handle(_as("audit last 5", "29:boss", "tenant-evil", platform="teams"))
    assert "You need the admin role" in teams_evil.replies[0].text


async def test_stored_roles_and_team_ownership_stay_in_their_workspace(two_workspaces: Bot) -> None:
    bot = two_workspaces
    access = bot.services.access
    assert access.is_practitioner("slack:UPRAC@T0HOME") and not access.is_practitioner("slack:UPRAC@T0EVIL")
    nudge = await bot.router.handle(_as("nudge payments: tag your resources", "UPRAC", "T0EVIL"))
    assert "practitioner role" in nudge.replies[0].text
    owner = await bot.router.handle(_as("set budget for checkout to 9000", "UOWNER", "T0HOME"))
    assert "9,000" in owner.replies[0].text or "9000" in owner.replies[0].text
    stranger = await bot.router.handle(_as("set budget for checkout to 1", "UOWNER", "T0EVIL"))
    assert "Only the team's owners" in stranger.replies[0].text or "Only checkout" in stranger.replies[0].text


async def test_people_are_named_only_in_the_speakers_workspace(two_workspaces: Bot) -> None:
    bot = two_workspaces
    cross = await bot.router.handle(_as("grant practitioner to slack:UX@T0EVIL", "UADMIN", "T0HOME"))
    assert "not in this workspace" in cross.replies[0].text
    assert not bot.services.access.is_practitioner("slack:UX@T0EVIL")
    typed = await bot.router.handle(_as("grant practitioner to slack:UNEW", "UADMIN", "T0HOME"))  # no @: this one
    assert "Done" in typed.replies[0].text, typed.replies[0].text
    assert bot.services.access.is_practitioner("slack:UNEW@T0HOME")
    assert not bot.services.access.is_practitioner("slack:UNEW@T0EVIL")


def test_refs_parse_and_qualify() -> None:
    assert parse("teams:29:1abc-X@72f988bf-tn") == parse("teams:29:1abc-X@72f988bf-tn")
    who = parse("teams:29:1abc-X@72f988bf-tn")
    assert (who.platform, who.user, who.tenant) == ("teams", "29:1abc-X", "72f988bf-tn")
    assert parse("slack:U1").tenant == "" and qualify("slack:U1", {"slack": "T9"}) == "slack:U1@T9"
    assert qualify("console:bob", {}) == "console:bob@local"
    for bad in ("U1", "slack:", "smtp:U1", "slack:U1@", "slack:U 1"):
        with pytest.raises(IdentityError):
            parse(bad)
    with pytest.raises(IdentityError, match="names no workspace id"):
        qualify("slack:U1", {})


def test_an_admin_without_a_workspace_stops_start_up_unless_the_bot_serves_one() -> None:
    with pytest.raises(ConfigError, match="slack:UADMIN names no workspace id"):
        Settings.from_env({"FINOPS_ADMINS": "slack:UADMIN"})
    one = Settings.from_env({"FINOPS_ADMINS": "slack:UADMIN,teams:29:x", "SLACK_ALLOWED_TEAMS": "T0HOME",
                             "TEAMS_ALLOWED_TENANTS": "tn-1"})
    assert one.admin_refs == {"slack:UADMIN@T0HOME", "teams:29:x@tn-1"}


def test_an_upgrade_gives_stored_people_their_workspace(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A database from before identities carried tenants: people get the workspace they were seen in, or the only
    known one; a person who could be in several keeps the old ref, which matches nobody (fails closed)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    db.upgrade("0006_surveys", "0004_practice", "slack_0002", "nudges_0002", "0003_assessment", "costq_0001")
    con = sqlite3.connect(tmp_path / "old.db")
    con.executescript("""
        INSERT INTO conversation_ref (platform, tenant, channel, user_ref, kind, payload, updated_at)
            VALUES ('slack', 'T0A', 'D1', 'slack:U1', 'dm', '{}', '2026-01-01'),
                   ('slack', 'T0B', 'D2', 'slack:U2', 'dm', '{}', '2026-01-01'),
                   ('teams', 'tn-1', '19:x', '', 'channel', '{}', '2026-01-01');
        INSERT INTO team (name, aliases, created_at) VALUES ('payments', '[]', '2026-01-01');
        INSERT INTO team_member (team_id, user_ref, role) VALUES (1, 'slack:U1', 'owner'), (1, 'slack:U9', 'member'),
            (1, 'teams:29:t', 'member'), (1, 'console:you', 'member');
        INSERT INTO role_grant (user_ref, role, granted_by, created_at)
            VALUES ('slack:U2', 'admin', 'cli', '2026-01-01');
    """)
    con.commit()
    con.close()
    db.upgrade()
    con = sqlite3.connect(tmp_path / "old.db")
    members = {r[0] for r in con.execute("SELECT user_ref FROM team_member")}
    grants = {r[0] for r in con.execute("SELECT user_ref FROM role_grant")}
    con.close()
    db.dispose()
    # U1 was seen in T0A; U9 never seen and two Slack workspaces known: left as is; Teams has one known tenant
    assert members == {"slack:U1@T0A", "slack:U9", "teams:29:t@tn-1", "console:you@local"}
    assert grants == {"slack:U2@T0B"}
    bot = build_bot(make_settings(url), migrate=False, demo=False)
    try:
        assert not bot.services.access.is_admin("slack:U2@T0A") and bot.services.access.is_admin("slack:U2@T0B")
        assert bot.services.teams.teams_for_user("slack:U9@T0A") == []  # an old, unplaced ref matches nobody
    finally:
        bot.services.db.dispose()
