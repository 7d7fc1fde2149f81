"""Red-team item 1: Teams authentication is never off by accident, `serve` binds loopback, no SSRF via serviceUrl."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot import cli
from bot.app import Bot, build_bot, build_web_app
from bot.config import ConfigError, Settings
from bot.delivery import Target
from bot.models import Reply
from tests.conftest import make_settings
from tests.fakes.bf_connector import FakeConnector
from tests.fakes.teams_activities import TeamsClient


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> list[dict[str, Any]]:
    """`serve` runs up to serve_guard.run_app, which records its host instead of serving."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("bot.serve_guard.run_app", lambda app, **kw: calls.append(kw))
    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "MICROSOFT_APP_TYPE",
                 "TEAMS_ENABLED", "TEAMS_LOCAL_TEST", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("FINOPS_DEMO", "false")
    return calls


@pytest.mark.parametrize("env", [
    {"TEAMS_ENABLED": "true"},
    {"TEAMS_ENABLED": "true", "MICROSOFT_APP_ID": "   "},
    {"TEAMS_ENABLED": "true", "MICROSOFT_APP_TYPE": "SingleTenant", "MICROSOFT_APP_TENANT_ID": "72f988bf-tenant"},
])
def test_teams_without_an_app_id_refuses_to_start(served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], env: dict[str, str]) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert cli.main(["serve", "--no-demo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "MICROSOFT_APP_ID" in err[0] and "TEAMS_LOCAL_TEST" in err[0]
    assert served == []


def test_local_test_mode_only_on_a_loopback_bind(served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TEAMS_ENABLED", "true")
    monkeypatch.setenv("TEAMS_LOCAL_TEST", "true")
    assert cli.main(["serve", "--no-demo", "--host", "0.0.0.0"]) == 2
    assert "not loopback" in capsys.readouterr().err
    assert served == []
    assert cli.main(["serve", "--no-demo"]) == 0
    assert served[0]["host"] == "127.0.0.1"


def test_serve_binds_loopback_unless_told(served: list[dict[str, Any]]) -> None:
    assert cli.main(["serve", "--no-demo"]) == 0
    assert cli.main(["serve", "--no-demo", "--host", "0.0.0.0"]) == 0
    assert [c["host"] for c in served] == ["127.0.0.1", "0.0.0.0"]


def test_local_test_mode_with_an_app_id_is_refused() -> None:
    with pytest.raises(ConfigError, match="TEAMS_LOCAL_TEST"):
        Settings.from_env({"DATABASE_URL": "sqlite://", "MICROSOFT_APP_ID": "x", "MICROSOFT_APP_PASSWORD": "y",
                           "TEAMS_LOCAL_TEST": "true"})


def test_mounting_teams_without_auth_outside_local_test_mode_fails(sqlite_url: str) -> None:
    bot = build_bot(make_settings(sqlite_url, teams_enabled=True, teams_local_test=False), demo=False)
    with pytest.raises(ConfigError):
        build_web_app(bot)


@pytest.fixture
def teams_bot(db_url: str) -> Bot:
    return build_bot(make_settings(db_url, teams_enabled=True), demo=False)


@pytest.fixture
async def evil() -> Any:
    """A host that is not allow-listed (localhost, where the allowed test URL is 127.0.0.1)."""
    fake = FakeConnector()
    await fake.start()
    fake.url = fake.url.replace("127.0.0.1", "localhost")
    yield fake
    await fake.stop()


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "https://evil.example/",
                                 "https://smba.trafficmanager.net.evil.example/", "file:///etc/passwd", None])
async def test_inbound_activity_with_a_foreign_service_url_is_refused_and_not_stored(
        client: TestClient, teams_bot: Bot, url: str | None) -> None:
    activity = TeamsClient(url or "").personal("help")
    if url is None:
        del activity["serviceUrl"]
    seen: list[Any] = []
    teams_bot.router.handle = lambda msg: seen.append(msg)  # type: ignore[assignment,method-assign,return-value]
    resp = await client.post("/api/messages", json=activity)
    assert resp.status == 403
    assert seen == []
    assert await teams_bot.services.db.run(teams_bot.services.refs.list, "teams") == []


async def test_inbound_activity_to_the_real_service_host_is_accepted() -> None:
    from adapters.teams_policy import service_url_allowed

    assert service_url_allowed("https://smba.trafficmanager.net/emea/")
    assert service_url_allowed("https://smba.infra.gcc.teams.microsoft.com/")
    assert not service_url_allowed("http://smba.trafficmanager.net/emea/")
    assert not service_url_allowed("https://user@smba.trafficmanager.net/")
    assert not service_url_allowed("https://smba.trafficmanager.net:8443/")


async def test_a_stored_foreign_service_url_receives_no_post(client: TestClient, teams_bot: Bot, evil: Any,
                                                             connector: FakeConnector, user: TeamsClient) -> None:
    assert (await client.post("/api/messages", json=user.personal("help"))).status == 201
    services = teams_bot.services
    [ref] = await services.db.run(services.refs.list, "teams")
    payload = {**ref.payload, "serviceUrl": evil.url}  # an attacker-written reference
    await services.db.run(services.refs.remember, "teams", ref.tenant, ref.channel, ref.user_ref, ref.kind, payload)
    result = await services.delivery.send(Target("teams", user_ref=ref.user_ref, tenant=ref.tenant),
                                          [Reply("a nudge for someone else")])
    assert not result.ok and "not allowed" in (result.error or "")
    assert evil.posted == [] and evil.created == []
