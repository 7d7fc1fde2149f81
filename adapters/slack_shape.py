"""A shape check for Slack payloads before bolt sees them (SDK-free).

Bolt parses and inspects the body (team, user, channel, view, actions …) before and while it dispatches, and it
assumes each field has the type Slack documents: a field of the wrong type escapes from its middleware as a 500
(which Slack retries) or stops a listener before it acknowledges (a 3-second wait). Requests are signed, so this
only happens with a bug or someone holding the secret; such a payload is refused with a 400 instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

# Fields that must not be null when present (bolt or our listeners read into them); any other field may be null,
# as Slack sends e.g. "enterprise": null, "authorizations": [{"enterprise_id": null, …}], "previous_view_id": null.
NOT_NULL: dict[str, frozenset[str]] = {
    "": frozenset({"event", "view", "actions", "authorizations", "user", "event_id"}),
    "event": frozenset({"type", "channel", "ts", "text"}),
    "user": frozenset({"id"}),
    "actions": frozenset({"action_id"}),
    "view": frozenset({"state"}),
}
TEXT = (str,)
# field name → allowed types, per part of the payload ("" = the top level). Absent fields are fine.
SPEC: dict[str, dict[str, tuple[type, ...]]] = {
    "": {
        "type": TEXT, "event_id": TEXT, "team_id": TEXT, "api_app_id": TEXT, "token": TEXT, "user_id": TEXT,
        "channel_id": TEXT, "text": TEXT, "command": TEXT, "trigger_id": TEXT, "response_url": TEXT,
        "user_name": TEXT, "enterprise_id": TEXT, "challenge": TEXT, "event": (dict,), "user": (dict, str),
        "team": (dict, str), "enterprise": (dict, str), "channel": (dict, str), "container": (dict,),
        "message": (dict,), "view": (dict,), "actions": (list,), "authorizations": (list,),
        "is_enterprise_install": (bool, str),  # a form field ("false") in slash commands
    },
    "event": {
        "type": TEXT, "subtype": TEXT, "user": TEXT, "channel": TEXT, "text": TEXT, "ts": TEXT,
        "thread_ts": TEXT, "event_ts": TEXT, "channel_type": TEXT, "bot_id": TEXT, "tab": TEXT, "team": TEXT,
        "view": (dict,), "message": (dict,), "item": (dict,),
    },
    "user": {"id": TEXT, "team_id": TEXT, "username": TEXT, "name": TEXT},
    "team": {"id": TEXT, "domain": TEXT, "enterprise_id": TEXT},
    "enterprise": {"id": TEXT},
    "channel": {"id": TEXT, "name": TEXT},
    "container": {"type": TEXT, "channel_id": TEXT, "message_ts": TEXT, "view_id": TEXT},
    "message": {"ts": TEXT, "thread_ts": TEXT, "text": TEXT, "blocks": (list,)},
    "view": {"id": TEXT, "hash": TEXT, "callback_id": TEXT, "private_metadata": TEXT, "type": TEXT,
             "external_id": TEXT, "state": (dict,), "team_id": TEXT, "app_id": TEXT, "bot_id": TEXT},
    "actions": {"type": TEXT, "action_id": TEXT, "block_id": TEXT, "value": TEXT, "action_ts": TEXT,
                "text": (dict,), "selected_option": (dict,)},
    "authorizations": {"team_id": TEXT, "user_id": TEXT, "enterprise_id": TEXT, "is_bot": (bool,)},
}


def _utf8(value: str) -> bool:
    """False for lone surrogates ("\\udfff" in the JSON): no database or API accepts them, Slack never sends them."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _clean(name: str, value: str) -> bool:
    """Ids never hold NUL (PostgreSQL refuses it: one bad id would block the batched thread writes)."""
    return _utf8(value) and (name == "text" or "\x00" not in value)


def _fits(part: str, doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    for name, allowed in SPEC[part].items():
        value = doc.get(name)
        if value is None:
            if name in doc and name in NOT_NULL.get(part, ()):
                return False
            continue
        if not isinstance(value, allowed) or (isinstance(value, str) and not _clean(name, value)):
            return False
    return True


INTERACTIVE = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion")


def _required(doc: dict[str, Any], *names: str) -> bool:
    return all(isinstance(doc.get(name), str) for name in names)


def _dicts(value: Any, depth: int) -> bool:
    """A dict whose values are dicts, ``depth`` levels down (a modal's ``state.values``)."""
    if not isinstance(value, dict):
        return False
    return depth == 1 or all(_dicts(v, depth - 1) for v in value.values())


def _action_fits(action: dict[str, Any]) -> bool:
    option, label = action.get("selected_option"), action.get("text")
    return (_required(action, "action_id") and (option is None or _required(option, "value"))
            and (label is None or _required(label, "text")))


def _parts_fit(body: dict[str, Any]) -> bool:
    for part in ("event", "user", "team", "enterprise", "channel", "container", "message", "view"):
        value = body.get(part)
        if isinstance(value, dict) and not _fits(part, value):
            return False
    return all(_fits(part, item) for part in ("actions", "authorizations") for item in body.get(part) or [])


def _kind_fits(body: dict[str, Any]) -> bool:
    """What each kind of payload must carry: who, where, and the parts the listeners read."""
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        return _required(body, "event_id") and isinstance(event, dict) and _required(event, "type")
    if kind in INTERACTIVE:
        user = body.get("user")
        if not (isinstance(user, dict) and _required(user, "id")):
            return False
    if kind == "block_actions" and not body.get("actions"):
        return False
    if not all(_action_fits(action) for action in body.get("actions") or []):
        return False
    view = found if isinstance(found := body.get("view"), dict) else {}
    if "state" in view and not _dicts(view["state"].get("values", {}), 3):
        return False
    blocks = (body.get("message") or {}).get("blocks") if isinstance(body.get("message"), dict) else None
    if blocks is not None and not all(isinstance(b, dict) for b in blocks):
        return False
    return "command" not in body or _required(body, "user_id", "channel_id")


def well_formed(body: Any) -> bool:
    """True when every field bolt and our listeners read has the type Slack documents."""
    return _fits("", body) and _parts_fit(body) and _kind_fits(body)


def ssl_check(raw: bytes) -> bool:
    """Slack's unsigned certificate check (``ssl_check=1``), which bolt answers with a 200."""
    try:
        return parse_qs(raw.decode()).get("ssl_check") == ["1"]
    except (UnicodeDecodeError, ValueError):
        return False
