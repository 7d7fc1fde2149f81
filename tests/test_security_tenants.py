"""Red-team item 4 (edge part): installs and events only from allow-listed Slack workspaces / Teams tenants."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.app import Bot, build_bot, build_web_app
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import TEAM, FakeSlackAPI
from tests.fakes.slack_harness import start_harness
from tests.fakes.teams_activities import TeamsClient
from tests.test_slack_oauth import mention


async def test_events_from_a_workspace_outside_the_allow_list_are_refused(sqlite_demo_url: str,
                                                                          aiohttp_client: Any) -> None:
    h = await start_harness(sqlite_demo_url, aiohttp_client, slack_allowed_teams=(TEAM,))
    seen: list[Any] = []
    real = h.bot.router.handle
    h.bot.router.handle = lambda msg: seen.append(msg) or real(msg)  # type: ignore[method-assign]
    resp = await h.post(mention("T0EVIL", "<@UBOT> list teams", "1700000000.000100"))
    assert resp.status == 403 and seen == []
    resp = await h.post(mention(TEAM, "<@UBOT> help", "1700000000.000200"))
    assert resp.status == 200
    await h.fake.stop()


@pytest.fixture
def oauth_bot(sqlite_url: str, fake: FakeSlackAPI) -> Bot:
    return build_bot(make_settings(sqlite_url, slack_client_id="1111.2222", slack_client_secret="csecret",
                                   slack_signing_secret=p.SECRET, slack_api_url=fake.api_url,
                                   slack_allowed_teams=("T0ONE",)), demo=False)


async def _install(client: Any, fake: FakeSlackAPI, team: str) -> int:
    fake.installs[f"code-{team}"] = team
    page = await client.get("/slack/install", allow_redirects=False)
    state = re.search(r"state=([\w-]+)", page.headers.get("Location", "") + await page.text())
    cookie = page.cookies["slack-app-oauth-state"].value
    done = await client.get(f"/slack/oauth_redirect?code=code-{team}&state={state[1]}",
                            headers={"Cookie": f"slack-app-oauth-state={cookie}"}, allow_redirects=False)
    return done.status


async def test_install_from_a_workspace_outside_the_allow_list_stores_nothing(oauth_bot: Bot, fake: FakeSlackAPI,
                                                                             aiohttp_client: Any) -> None:
    from tests.test_slack_oauth import slack_adapter

    client = await aiohttp_client(build_web_app(oauth_bot))
    assert await _install(client, fake, "T0EVIL") != 200
    installations = slack_adapter(oauth_bot).installations
    assert await installations.bot_token("T0EVIL") is None
    assert await _install(client, fake, "T0ONE") == 200
    assert await installations.bot_token("T0ONE") == "xoxb-T0ONE"


async def test_teams_activities_from_another_tenant_are_refused_and_not_stored(sqlite_url: str, connector: Any,
                                                                               aiohttp_client: Any) -> None:
    bot = build_bot(make_settings(sqlite_url, teams_enabled=True, teams_allowed_tenants=("72f988bf-tenant",)),
                    demo=False)
    client = await aiohttp_client(build_web_app(bot))
    evil = TeamsClient(connector.url, tenant="evil-tenant")
    assert (await client.post("/api/messages", json=evil.personal("list teams"))).status == 403
    assert connector.posted == [] and await bot.services.db.run(bot.services.refs.list, "teams") == []
    good = TeamsClient(connector.url)
    assert (await client.post("/api/messages", json=good.personal("help"))).status == 201


async def test_oauth_tokens_are_encrypted_at_rest(sqlite_url: str, fake: FakeSlackAPI, aiohttp_client: Any) -> None:
    import sqlalchemy as sa
    from cryptography.fernet import Fernet

    from tests.test_slack_oauth import slack_adapter

    key = Fernet.generate_key().decode()
    bot = build_bot(make_settings(sqlite_url, slack_client_id="1111.2222", slack_client_secret="csecret",
                                  slack_signing_secret=p.SECRET, slack_api_url=fake.api_url, token_key=key),
                    demo=False)
    client = await aiohttp_client(build_web_app(bot))
    assert await _install(client, fake, "T0ONE") == 200
    with bot.services.db.engine.connect() as conn:
        stored = [str(v) for t in ("slack_bots", "slack_installations")
                  for row in conn.execute(sa.text(f"SELECT * FROM {t}")) for v in row]
    assert stored and not any("xoxb-T0ONE" in v for v in stored)
    assert any(v.startswith("fernet:") for v in stored)
    installations = slack_adapter(bot).installations
    assert await installations.bot_token("T0ONE") == "xoxb-T0ONE"
    found = await installations.store.async_find_bot(enterprise_id=None, team_id="T0ONE")
    assert found is not None and found.bot_token == "xoxb-T0ONE"
    resp = await client.post("/slack/events", data=mention("T0ONE", "<@UBOT> help", "1700000000.000300").encode(),
                             headers=p.signed_headers(mention("T0ONE", "<@UBOT> help", "1700000000.000300")))
    assert resp.status == 200
    from tests.fakes.slack_harness import eventually

    [post, *_] = await eventually(lambda: fake.of("chat.postMessage"))
    assert post.token == "xoxb-T0ONE"  # bolt authorized the event with the decrypted token


def test_a_bad_token_key_is_a_clear_start_up_error() -> None:
    from bot.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="FINOPS_TOKEN_KEY"):
        Settings.from_env({"DATABASE_URL": "sqlite://", "FINOPS_TOKEN_KEY": "not-a-key"})
