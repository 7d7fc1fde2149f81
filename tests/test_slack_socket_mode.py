"""Socket Mode: the same app over a WebSocket (fake apps.connections.open + socket), and its configuration."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from adapters.slack import PATH
from bot.config import ConfigError, Settings
from tests.fakes import slack_payloads as p
from tests.fakes.slack_harness import eventually, start_harness


async def test_event_over_socket_mode_is_acked_and_answered(sqlite_demo_url: str, aiohttp_client: Any) -> None:
    h = await start_harness(sqlite_demo_url, aiohttp_client, slack_app_token="xapp-1-test", slack_socket_mode=True)
    try:
        body = json.loads(p.event_callback(p.message("help", channel="D8"), event_id="EvSOCKET1"))
        envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                    "retry_attempt": 0, "retry_reason": "", "payload": body}
        await h.fake.socket_envelopes.put(envelope)
        post = (await h.fake.wait_for("chat.postMessage"))[0]
        assert post.args["channel"] == "D8"
        assert await eventually(lambda: [a for a in h.fake.socket_acks if a.get("envelope_id") == "env-1"])
        assert h.fake.of("apps.connections.open")
    finally:
        await h.client.close()
        await h.fake.stop()


def test_socket_mode_needs_an_app_token() -> None:
    base = {"DATABASE_URL": "sqlite:///x.db", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        Settings.from_env({**base, "SLACK_SOCKET_MODE": "true"})
    assert Settings.from_env({**base, "SLACK_SOCKET_MODE": "1", "SLACK_APP_TOKEN": "xapp-1"}).slack_socket_mode


def test_serve_socket_mode_flag_without_app_token_is_a_config_error(monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    assert main(["serve", "--socket-mode", "--no-demo"]) == 2
    assert "SLACK_APP_TOKEN" in capsys.readouterr().err


def test_manifest_matches_what_the_adapter_handles() -> None:
    from pathlib import Path

    manifest = yaml.safe_load((Path(__file__).parent.parent / "slack" / "manifest.yaml").read_text())
    settings = manifest["settings"]
    urls = [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"],
            manifest["features"]["slash_commands"][0]["url"]]
    assert all(u.endswith(PATH) for u in urls)
    assert manifest["features"]["slash_commands"][0]["command"] == "/finops"
    assert {"app_mention", "app_home_opened", "message.im", "message.channels"} <= set(
        settings["event_subscriptions"]["bot_events"])
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "im:write", "files:write"} <= scopes
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
