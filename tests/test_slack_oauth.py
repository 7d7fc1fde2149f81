"""Several workspaces: the app installed by OAuth (bolt's flow, slack_sdk's stores on our database), each
workspace answered and posted to with its own bot token, an uninstall deleting its token."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from adapters.slack_oauth import BOT_SCOPES, REDIRECT_PATH, async_url
from bot.app import Bot, build_bot, build_web_app
from bot.config import ConfigError, Settings
from bot.delivery import Target
from bot.models import Reply
from tests.conftest import make_settings
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_harness import eventually


@pytest.fixture
def oauth_bot(demo_url: str, fake: FakeSlackAPI) -> Bot:
    return build_bot(make_settings(demo_url, slack_client_id="1111.2222", slack_client_secret="csecret",
                                   slack_signing_secret=p.SECRET, slack_api_url=fake.api_url), demo=True)


def slack_adapter(bot: Bot) -> Any:
    """The SlackAdapter behind the bot's registered Slack poster."""
    poster = bot.services.delivery._posters["slack"]  # type: ignore[attr-defined]
    return poster.sender_for.__self__


async def install(client: Any, fake: FakeSlackAPI, team: str) -> None:
    """What a workspace admin does: open /slack/install, approve on Slack, come back to /slack/oauth_redirect."""
    fake.installs[f"code-{team}"] = team
    page = await client.get("/slack/install", allow_redirects=False)
    assert page.status in (200, 302)
    body = await page.text()
    state = re.search(r"state=([\w-]+)", page.headers.get("Location", "") + body)
    assert state is not None and "1111.2222" in (page.headers.get("Location", "") + body)
    cookie = page.cookies["slack-app-oauth-state"].value  # secure cookie: our test client is on http
    done = await client.get(f"/slack/oauth_redirect?code=code-{team}&state={state[1]}",
                            headers={"Cookie": f"slack-app-oauth-state={cookie}"}, allow_redirects=False)
    assert done.status == 200, await done.text()


def mention(team: str, text: str, ts: str) -> str:
    event = p.app_mention(text, user="U1", channel="C1", ts=ts)
    event["team"] = team
    return p.event_callback(event, event_id=f"Ev{team}{ts.replace('.', '')}").replace(p.TEAM, team)


async def test_two_workspaces_each_answered_with_its_own_token(oauth_bot: Bot, fake: FakeSlackAPI,
                                                               aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_web_app(oauth_bot))
    for team in ("T0AAA", "T0BBB"):
        await install(client, fake, team)
    for team, ts in (("T0AAA", "1700000700.000001"), ("T0BBB", "1700000700.000002")):
        body = mention(team, "help", ts)
        resp = await client.post("/slack/events", data=body.encode(), headers=p.signed_headers(body))
        assert resp.status == 200
    posts = await eventually(lambda: len(fake.of("chat.postMessage")) == 2 and fake.of("chat.postMessage"))
    assert {(c.args["thread_ts"], c.token) for c in posts} == {("1700000700.000001", "xoxb-T0AAA"),
                                                               ("1700000700.000002", "xoxb-T0BBB")}
    # proactive posts: the workspace of the target, or the one the conversation was stored under
    delivery = oauth_bot.services.delivery
    assert (await delivery.send(Target("slack", "T0BBB", channel="C9"), [Reply("nudge")])).ok
    assert fake.of("chat.postMessage")[-1].token == "xoxb-T0BBB"
    await eventually(lambda: oauth_bot.services.refs.find("slack", channel="C1", tenant="T0AAA"))
    missing = await delivery.send(Target("slack", "", channel="C404"), [Reply("nudge")])
    assert not missing.ok and "not installed" in (missing.error or "")  # two workspaces: which one is C404 in?

    body = p.event_callback({"type": "app_uninstalled", "event_ts": "1700000701.000001"}, event_id="EvGone")
    body = body.replace(p.TEAM, "T0BBB")
    assert (await client.post("/slack/events", data=body.encode(), headers=p.signed_headers(body))).status == 200
    installations = slack_adapter(oauth_bot).installations
    assert installations is not None
    await slack_adapter(oauth_bot).drain()  # the listener runs after the ack
    assert await installations.bot_token("T0BBB") is None
    result = await delivery.send(Target("slack", "T0BBB", channel="C9"), [Reply("nudge")])
    assert not result.ok and "not installed in workspace T0BBB" in (result.error or "")
    assert await installations.bot_token("T0AAA") == "xoxb-T0AAA"


async def test_one_installed_workspace_takes_posts_that_name_none(oauth_bot: Bot, fake: FakeSlackAPI,
                                                                  aiohttp_client: Any) -> None:
    client = await aiohttp_client(build_web_app(oauth_bot))
    delivery = oauth_bot.services.delivery
    before = await delivery.send(Target("slack", "", channel="C0PAYMENTS"), [Reply("nudge")])
    assert not before.ok and "not installed" in (before.error or "")  # nothing installed yet
    await install(client, fake, "T0ONE")
    assert (await delivery.send(Target("slack", "", channel="C0PAYMENTS"), [Reply("nudge")])).ok
    assert fake.of("chat.postMessage")[-1].token == "xoxb-T0ONE"


async def test_a_workspace_of_an_enterprise_grid_org_is_found_by_its_id(oauth_bot: Bot, aiohttp_client: Any) -> None:
    from slack_sdk.oauth.installation_store import Installation

    await aiohttp_client(build_web_app(oauth_bot))
    installations = slack_adapter(oauth_bot).installations
    await installations.store.async_save(Installation(
        app_id="A0001", enterprise_id="E0ORG", team_id="T0GRID", user_id="U1", bot_token="xoxb-grid",
        bot_id="BBOT", bot_user_id="UBOT", bot_scopes=list(BOT_SCOPES)))
    assert await installations.bot_token("T0GRID") == "xoxb-grid"
    await installations.forget("T0GRID")
    assert await installations.bot_token("T0GRID") is None


def test_manifest_scopes_are_the_ones_the_install_asks_for() -> None:
    manifest = yaml.safe_load((Path(__file__).parent.parent / "slack" / "manifest.yaml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert [u.split("example.com", 1)[1] for u in manifest["oauth_config"]["redirect_urls"]] == [REDIRECT_PATH]


@pytest.mark.parametrize(("env", "needle"), [
    ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET is missing"),
    ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, "SLACK_SIGNING_SECRET is missing"),
    ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x", "SLACK_BOT_TOKEN": "xoxb"},
     "not both"),
])
def test_oauth_configuration_errors_are_one_clear_line(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        Settings.from_env({"DATABASE_URL": "sqlite:///x.db", **env})


def test_async_urls_for_the_stores() -> None:
    assert async_url("sqlite:////data/finops.db") == "sqlite+aiosqlite:////data/finops.db"
    assert async_url("postgresql://u@h:5432/d?options=x") == "postgresql+psycopg://u@h:5432/d?options=x"
    assert async_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"


def test_the_migrated_tables_are_slack_sdks_layout(demo_url: str) -> None:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    from bot.db import Database

    db = Database(demo_url)
    db.upgrade()
    expected = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(expected, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(expected, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(expected, "slack_oauth_states")
    found = sa.inspect(db.engine)
    for table in expected.tables.values():
        columns = {c["name"]: c for c in found.get_columns(table.name)}
        assert set(columns) == set(table.columns.keys()), table.name
        for column in table.columns:
            got = columns[column.name]
            assert got["nullable"] == column.nullable or column.primary_key, (table.name, column.name)
            length = getattr(column.type, "length", None)
            assert getattr(got["type"], "length", None) == length, (table.name, column.name)
        assert {i["name"] for i in found.get_indexes(table.name)} == {i.name for i in table.indexes}
    db.dispose()
