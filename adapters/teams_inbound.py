"""Teams activities → IncomingMessage: mentions, card submissions, tenants, double clicks (no SDK import).

The functions read botbuilder ``Activity`` objects by attribute only, so the successor SDK's activities (the same
Bot Framework schema) can be passed in unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.press_ids import press_id
from adapters.teams_cards import FORM_KEY, LABEL_KEY, PROMPT_KEY, SET_KEY
from adapters.teams_policy import PLATFORM, split_conversation_id
from bot.models import Action, Choice, ConversationKey, IncomingMessage, Reply

DOUBLE_CLICK_SECONDS = 120  # the same button of the same card pressed again within this is one event
WELCOME = ("Hi, I'm finops-bot. Ask me FinOps questions, or about your team's budget and maturity. "
           "In a channel, @mention me first. Type “help” to see everything I can do.")
Activity = Any  # a botbuilder (or Agents SDK) Activity, read by attribute


def tenant_of(activity: Activity) -> str:
    """The Azure AD tenant: ``channelData.tenant.id``, else ``conversation.tenantId``."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = found if isinstance(found := data.get("tenant"), dict) else {}
    conv = activity.conversation
    if tenant.get("id") or conv is None:
        return str(tenant.get("id") or "")
    # botbuilder maps "tenantID" but Teams sends "tenantId", which lands in additional_properties.
    return str(conv.tenant_id or (conv.additional_properties or {}).get("tenantId") or "")


def _mentioned(mention: Any) -> tuple[str, str, str]:
    """(tag as it appears in the text, user id, name) of one mention entity."""
    props = mention.additional_properties or {}
    mentioned = found if isinstance(found := props.get("mentioned"), dict) else {}
    name = str(mentioned.get("name") or "")
    return str(props.get("text") or f"<at>{name}</at>"), str(mentioned.get("id") or ""), name


def without_bot_mention(activity: Activity) -> str:
    """The text with the bot's ``<at>…</at>`` mention removed and people's mentions as ``<@29:…>`` tokens.

    The mention entities tell who each ``<at>Name</at>`` is
    (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/channel-and-group-conversations
    "Work with mentions"). botbuilder's ``TurnContext.remove_recipient_mention`` deletes every occurrence of the
    bot's *name* ("what is FinOps?" loses "FinOps" when the bot is called FinOps), so only the exact tag goes.
    A person becomes the token commands read (like Slack's ``<@U…>``); their name is kept by ``mentioned_names``.
    """
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient is not None else None
    for mention in _mentions(activity):
        tag, user, _name = _mentioned(mention)
        if bot_id and user == bot_id:
            text = text.replace(tag, " ", 1)
        elif user and tag in text:
            text = text.replace(tag, f"<@{user}>", 1)
    # Mentions without an entity keep their names; Teams also sends non-breaking spaces around mentions.
    text = text.replace("<at>", "").replace("</at>", "").replace("\xa0", " ")
    return re.sub(r"[ \t]{2,}", " ", _plain(text)).strip()


def mentioned_names(activity: Activity) -> dict[str, str]:
    """Display names Teams sent with this activity, by user id: the sender's and every mentioned person's."""
    names = {user: name for _tag, user, name in map(_mentioned, _mentions(activity)) if user and name}
    sender = activity.from_property
    if sender is not None and sender.id and sender.name:
        names[str(sender.id)] = str(sender.name)
    return names


_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>|</div>\s*<div[^>]*>", re.I)
_FORMAT_TAG = re.compile(r"</?(?:p|div|span|b|i|u|s|em|strong|code|pre)\b[^>]*>", re.I)
_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|#\d{1,6}|#x[0-9a-f]{1,5});", re.I)


def _plain(text: str) -> str:
    """Plain text from the HTML that Teams sends for formatted messages (only formatting tags are removed, so
    a typed ``a < b`` stays as it is)."""
    if not (_FORMAT_TAG.search(text) or _ENTITY.search(text)):
        return text
    text = _FORMAT_TAG.sub("", _BREAK.sub("\n", text))
    return html.unescape(text).replace("\xa0", " ")


def mentions_bot(activity: Activity) -> bool:
    """Whether the message @mentions the bot (with RSC, Teams also delivers channel messages that do not)."""
    bot_id = activity.recipient.id if activity.recipient is not None else None
    for mention in _mentions(activity):
        props = mention.additional_properties or {}
        mentioned = found if isinstance(found := props.get("mentioned"), dict) else {}
        if bot_id and mentioned.get("id") == bot_id:
            return True
    return False


def _mentions(activity: Activity) -> list[Any]:
    """The mention entities (botbuilder's ``get_mentions`` fails on an entity without a type)."""
    return [e for e in activity.entities or [] if e is not None and str(e.type or "").lower() == "mention"]


def submitted_value(value: Any) -> tuple[str | None, dict[str, str]]:
    """The ``Choice.value`` and any other inputs of a card submission, in each shape Teams delivers."""
    if not isinstance(value, dict):
        return (value if isinstance(value, str) and value else None), {}
    chosen = value.get("value")
    teams = found if isinstance(found := value.get("msteams"), dict) else {}
    if chosen is None and teams.get("value"):
        inner = teams["value"]
        with contextlib.suppress(ValueError):
            inner = json.loads(inner) if isinstance(inner, str) else inner
        chosen = inner.get("value") if isinstance(inner, dict) else inner
    form = {k: str(v) for k, v in value.items()
            if k not in ("value", "msteams", LABEL_KEY, PROMPT_KEY, SET_KEY) and isinstance(v, str | int | float)}
    return (str(chosen) if chosen not in (None, "") else None), form


def _digest(*parts: str) -> str:
    """A plain message's id: the same activity redelivered (to any replica) gives the same id; it carries no answer."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def pressed(activity: Activity) -> tuple[str, str, str] | None:
    """(label, card's first line, digest of its buttons) of the button pressed in this activity, or None."""
    value = activity.value if isinstance(activity.value, dict) else {}
    label = value.get(LABEL_KEY)
    if not isinstance(label, str) or not label or not activity.reply_to_id:
        return None
    return label, str(value.get(PROMPT_KEY) or ""), str(value.get(SET_KEY) or "")


def to_incoming(activity: Activity) -> IncomingMessage | None:
    """A message activity as the router sees it, or None when it carries nothing to answer."""
    conv, user = activity.conversation, activity.from_property
    if conv is None or user is None or not conv.id or not user.id:
        return None
    channel, thread = split_conversation_id(conv.id)
    key = ConversationKey(PLATFORM, tenant_of(activity), channel, thread, user.id)
    text = without_bot_mention(activity)
    chosen, form = submitted_value(activity.value)
    form_id = activity.value.get(FORM_KEY) if isinstance(activity.value, dict) else None
    action = None
    if isinstance(form_id, str) and form_id:  # a card form: its inputs, under the form's id
        values = {k: v for k, v in form.items() if k != FORM_KEY}
        action, text = Action(id=form_id, value=form_id, form=values), form_id
        window = str(int((activity.timestamp or datetime.now(UTC)).timestamp() // DOUBLE_CLICK_SECONDS))
        event_id = "teams:form:" + press_id(conv.id, activity.reply_to_id or "", user.id, form_id,
                                            json.dumps(values, sort_keys=True), window)
    elif chosen is not None:
        # A double-clicked card sends two activities with different ids: the same card, user and value within
        # a short window are one event, so the second is dropped by the router's event claim.
        action, text = Action(id="choice", value=chosen, form=form), chosen
        window = str(int((activity.timestamp or datetime.now(UTC)).timestamp() // DOUBLE_CLICK_SECONDS))
        event_id = "teams:card:" + press_id(conv.id, activity.reply_to_id or "", user.id, chosen, window)
    else:
        event_id = "teams:" + _digest(conv.id, activity.id or uuid.uuid4().hex)
    if not text:
        return None
    return IncomingMessage(key, text, event_id, is_direct=conv.conversation_type == "personal", action=action,
                           raw=activity.serialize(), user_name=user.name)


def welcome_reply(intents: Sequence[Any]) -> Reply:
    """The short card sent when the app is installed: the help intent's (safe buttons only), or a plain hello."""
    for intent in intents:
        welcome = getattr(intent, "welcome", None)
        if callable(welcome):
            reply = welcome()
            if isinstance(reply, Reply):
                return reply
    return Reply(WELCOME, title="Welcome to finops-bot", choices=(Choice("Help", "help"),))


def only_attachments(activity: Activity) -> bool:
    """A message with a picture or file and no text (nothing to route, but the person expects an answer)."""
    return bool(activity.attachments) and not (activity.text or "").strip() and activity.value is None
