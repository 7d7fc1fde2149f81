"""The Slack shape check accepts payloads exactly as Slack sends them (nulls included) and refuses wrong types."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.slack_shape import well_formed
from tests.fakes.slack_harness import start_harness

# Shapes as documented and observed from Slack (Events API, slash command form, block_actions, view_submission).
DM_EVENT: dict[str, Any] = {
    "token": "legacy", "team_id": "T0001", "context_team_id": "T0001", "context_enterprise_id": None,
    "api_app_id": "A0001", "type": "event_callback", "event_id": "Ev0REALSHAPE1", "event_time": 1700000000,
    "authorizations": [{"enterprise_id": None, "team_id": "T0001", "user_id": "UBOT", "is_bot": True,
                        "is_enterprise_install": False}],
    "is_ext_shared_channel": False, "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
    "event": {"type": "message", "user": "U1", "ts": "1700000010.000100", "client_msg_id": "6a3c-…",
              "text": "help", "team": "T0001", "channel": "D1", "event_ts": "1700000010.000100",
              "channel_type": "im", "blocks": [{"type": "rich_text", "block_id": "x", "elements": []}]},
}
SLASH = {"token": "legacy", "team_id": "T0001", "team_domain": "fake", "channel_id": "C1", "channel_name": "general",
         "user_id": "U1", "user_name": "alice", "command": "/finops", "text": "ask what is finops?",
         "api_app_id": "A0001",
         "is_enterprise_install": "false", "response_url": "https://hooks.slack.com/commands/x",
         "trigger_id": "1.2.abc"}
BLOCK_ACTIONS: dict[str, Any] = {
    "type": "block_actions", "user": {"id": "U1", "username": "alice", "name": "alice", "team_id": "T0001"},
    "api_app_id": "A0001", "token": "legacy", "trigger_id": "1.2.abc", "enterprise": None,
    "is_enterprise_install": False, "team": {"id": "T0001", "domain": "fake"},
    "container": {"type": "message", "message_ts": "1700000003.000100", "channel_id": "C1", "is_ephemeral": False},
    "channel": {"id": "C1", "name": "general"}, "state": {"values": {}},
    "message": {"type": "message", "user": "UBOT", "bot_id": "BBOT", "app_id": "A0001", "ts": "1700000003.000100",
                "text": "question", "team": "T0001", "blocks": [{"type": "actions", "elements": []}]},
    "actions": [{"type": "button", "action_id": "finops_choice_0", "block_id": "b", "value": "help",
                 "text": {"type": "plain_text", "text": "Help", "emoji": True}, "action_ts": "1700000004.1"}],
    "response_url": "https://hooks.slack.com/actions/x",
}
VIEW_SUBMISSION: dict[str, Any] = {
    "type": "view_submission", "team": None, "enterprise": {"id": "E1", "name": "Org"},
    "user": {"id": "U1", "username": "alice", "name": "alice", "team_id": "T0001"}, "api_app_id": "A0001",
    "token": "legacy", "trigger_id": "1.2.abc", "is_enterprise_install": True, "response_urls": [],
    "view": {"id": "V1", "team_id": "T0001", "type": "modal", "callback_id": "finops_budget", "hash": "h1",
             "private_metadata": "", "external_id": "", "previous_view_id": None, "root_view_id": "V1",
             "app_installed_team_id": "T0001", "bot_id": "BBOT", "submit": None, "close": None, "blocks": [],
             "state": {"values": {"amount": {"value": {"type": "plain_text_input", "value": "12000"}}}}},
}


@pytest.mark.parametrize("payload", [DM_EVENT, SLASH, BLOCK_ACTIONS, VIEW_SUBMISSION],
                         ids=["event", "slash", "block_actions", "view_submission"])
def test_real_payload_shapes_are_accepted(payload: dict[str, Any]) -> None:
    assert well_formed(payload)


@pytest.mark.parametrize(("payload", "path", "value"), [
    (DM_EVENT, ("event",), "a string"),
    (DM_EVENT, ("event", "channel"), None),
    (DM_EVENT, ("event", "text"), {"not": "text"}),
    (DM_EVENT, ("event", "user"), 42),
    (DM_EVENT, ("event_id",), None),
    (DM_EVENT, ("authorizations",), [1]),
    (DM_EVENT, ("event", "channel"), "D\x00"),
    (DM_EVENT, ("event", "user"), "U\udfff"),
    (BLOCK_ACTIONS, ("user",), "U1"),
    (BLOCK_ACTIONS, ("actions",), []),
    (BLOCK_ACTIONS, ("actions", 0, "action_id"), None),
    (BLOCK_ACTIONS, ("message", "blocks"), ["x"]),
    (VIEW_SUBMISSION, ("view", "state"), {"values": {"amount": "x"}}),
    (VIEW_SUBMISSION, ("view",), None),
    (SLASH, ("user_id",), None),
], ids=lambda v: repr(v)[:30] if not isinstance(v, dict) else v.get("type", "slash"))
def test_wrong_types_are_refused(payload: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    doc = copy.deepcopy(payload)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    assert not well_formed(doc)


async def test_real_shapes_are_answered_end_to_end(sqlite_demo_url: str, aiohttp_client: Any) -> None:
    h = await start_harness(sqlite_demo_url, aiohttp_client)
    try:
        resp = await h.post(json.dumps(DM_EVENT))
        assert resp.status == 200
        await h.fake.wait_for("chat.postMessage", 1)
        resp = await h.post(urlencode(SLASH), content_type="application/x-www-form-urlencoded")
        assert resp.status == 200
        await h.fake.wait_for("chat.postMessage", 2)
    finally:
        await h.fake.stop()
