"""Real-shaped Slack payloads (Events API, slash command, interactivity) and request signing for tests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import BOT_USER, TEAM

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def signed_headers(body: str, secret: str = SECRET, timestamp: int | None = None,
                   content_type: str = "application/json", **extra: str) -> dict[str, str]:
    """Headers Slack sends: ``X-Slack-Request-Timestamp`` and the v0 HMAC ``X-Slack-Signature``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, **extra}


def event_callback(event: dict[str, Any], event_id: str | None = None, team: str = TEAM) -> str:
    """An Events API envelope around one event."""
    return json.dumps({
        "token": "legacy", "team_id": team, "api_app_id": "A0001", "type": "event_callback",
        "event": event, "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}],
    })


def app_mention(text: str, user: str = "U1", channel: str = "C1", ts: str = "1700000001.000100",
                thread_ts: str | None = None) -> dict[str, Any]:
    """An ``app_mention`` event (the text includes the bot's mention, as Slack sends it)."""
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel,
             "event_ts": ts, "team": TEAM}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(text: str, user: str = "U1", channel: str = "D1", channel_type: str = "im",
            ts: str = "1700000002.000100", **extra: Any) -> dict[str, Any]:
    """A ``message`` event (``message.im`` by default; pass channel_type="channel" and thread_ts for threads)."""
    return {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
            "channel_type": channel_type, "team": TEAM, **extra}


def slash_command(text: str, user: str = "U1", channel: str = "C1", response_url: str = "",
                  trigger_id: str | None = None) -> str:
    """The form body of ``/finops <text>``."""
    return urlencode({
        "token": "legacy", "team_id": TEAM, "team_domain": "fake", "channel_id": channel, "channel_name": "general",
        "user_id": user, "user_name": "alice", "command": "/finops", "text": text, "api_app_id": "A0001",
        "response_url": response_url, "trigger_id": trigger_id or f"tr.{uuid.uuid4().hex[:12]}",
    })


def block_actions(value: str, user: str = "U1", channel: str = "C1", message_ts: str = "1700000003.000100",
                  action_id: str = "finops_choice_0", label: str = "Yes", thread_ts: str | None = None,
                  blocks: list[dict[str, Any]] | None = None, response_url: str = "",
                  ephemeral: bool = False) -> str:
    """The form body (``payload=`` JSON) of a button click on a bot message. On an ephemeral message Slack
    sends no ``message`` (the bot never has its copy) and marks the container ``is_ephemeral``."""
    msg: dict[str, Any] = {"type": "message", "user": BOT_USER, "ts": message_ts, "text": "question",
                           "blocks": blocks or [{"type": "actions", "block_id": "finops_actions_0", "elements": []}]}
    if thread_ts:
        msg["thread_ts"] = thread_ts
    payload = {
        "type": "block_actions", "user": {"id": user, "username": "alice", "team_id": TEAM},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": f"tr.{uuid.uuid4().hex[:12]}",
        "team": {"id": TEAM, "domain": "fake"},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": ephemeral},
        "channel": {"id": channel, "name": "general"}, **({} if ephemeral else {"message": msg}),
        "response_url": response_url or "https://hooks.slack.com/actions/T0001/1/x",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "finops_actions_0", "value": value,
                     "text": {"type": "plain_text", "text": label}, "action_ts": str(time.time())}],
    }
    return urlencode({"payload": json.dumps(payload)})


def home_click(value: str, user: str = "U1", action_id: str = "finops_home_0") -> str:
    """A button click on the App Home tab (a ``view`` container)."""
    payload = {
        "type": "block_actions", "user": {"id": user, "team_id": TEAM}, "team": {"id": TEAM},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": "tr.home",
        "container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME", "hash": "h1", "type": "home"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "finops_home_actions", "value": value,
                     "text": {"type": "plain_text", "text": value}, "action_ts": str(time.time())}],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission(callback_id: str, values: dict[str, dict[str, dict[str, Any]]], private_metadata: str = "",
                    user: str = "U1", view_id: str = "VMODAL", view_hash: str = "h1") -> str:
    """The form body of a modal submission."""
    payload = {
        "type": "view_submission", "team": {"id": TEAM, "domain": "fake"}, "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": f"tr.{uuid.uuid4().hex[:12]}",
        "view": {"id": view_id, "type": "modal", "callback_id": callback_id, "hash": view_hash,
                 "private_metadata": private_metadata, "state": {"values": values}, "blocks": []},
    }
    return urlencode({"payload": json.dumps(payload)})


def filled_view(view: dict[str, Any], answers: dict[str, str], user: str = "U1") -> str:
    """Submitting a modal the bot opened (as ``views.open`` returned it) with ``answers`` by action id: the
    ``state.values`` Slack builds from the view's input blocks (untouched inputs keep their initial values)."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        name = element["action_id"]
        if element["type"] == "static_select":
            chosen = next((o for o in element["options"] if o["value"] == answers.get(name)),
                          element.get("initial_option"))
            state = {"type": "static_select", "selected_option": chosen}
        else:
            state = {"type": "plain_text_input", "value": answers.get(name, element.get("initial_value"))}
        values[block["block_id"]] = {name: state}
    return view_submission(view["callback_id"], values, view.get("private_metadata", ""), user=user,
                           view_id=view["id"], view_hash=view["hash"])
