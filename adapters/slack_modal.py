"""Form → Slack modal view (``views.open``), within Slack's limits for views and input blocks.

Limits: https://docs.slack.dev/reference/views and /reference/block-kit/blocks/input-block (title, submit and close
24 characters, private_metadata 3000, label 2000, hint 2000, placeholder 150, 100 options of 75 characters with
values of 150 in a static select, 3000 characters of initial text).
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack_render import mrkdwn, split_text
from bot.models import Form, Input, Reply

CALLBACK_ID = "finops_form"  # every modal of ours; the form's own id travels in private_metadata
MAX_TITLE, MAX_LABEL, MAX_PLACEHOLDER, MAX_OPTIONS, MAX_OPTION_TEXT, MAX_OPTION_VALUE = 24, 2000, 150, 100, 75, 150
MAX_INITIAL, MAX_METADATA = 3000, 3000


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = " ".join(text.split()) or "…"
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


def _element(field: Input) -> dict[str, Any]:
    if field.kind == "choice":
        options = [{"text": _plain(o.label, MAX_OPTION_TEXT), "value": o.value[:MAX_OPTION_VALUE]}
                   for o in field.options[:MAX_OPTIONS]]
        element: dict[str, Any] = {"type": "static_select", "action_id": field.name, "options": options}
        chosen = [o for o in options if o["value"] == field.initial]
        if chosen:
            element["initial_option"] = chosen[0]
        return element
    element = {"type": "plain_text_input", "action_id": field.name, "multiline": field.kind == "multiline"}
    if field.initial:
        element["initial_value"] = field.initial[:MAX_INITIAL]
    return element


def _input_block(field: Input) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": field.name, "label": _plain(field.label, MAX_LABEL),
                             "element": _element(field), "optional": field.optional}
    if field.hint:
        block["hint"] = _plain(field.hint, MAX_LABEL)
    return block


def modal_view(reply: Reply, form: Form, channel: str, thread: str = "") -> dict[str, Any]:
    """The modal for ``form``: the reply's text on top, one input block per field; where to answer in metadata."""
    meta = json.dumps({"form": form.id, "channel": channel, "thread": thread}, separators=(",", ":"))
    if len(meta) > MAX_METADATA:  # ids are short; never send a view Slack would refuse
        raise ValueError("form metadata too long for a Slack modal")
    intro = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(mrkdwn(reply.text))]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(form.title, MAX_TITLE),
        "submit": _plain(form.submit, MAX_TITLE),
        "close": _plain("Cancel", MAX_TITLE),
        "private_metadata": meta,
        "blocks": [*intro[:3], *(_input_block(f) for f in form.inputs)],
    }
