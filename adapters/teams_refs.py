"""Where each Teams conversation is: the conversation reference stored for proactive posts (nudges, alerts)."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.teams_inbound import tenant_of
from adapters.teams_policy import PLATFORM, split_conversation_id
from bot.db import UNAVAILABLE_ERRORS
from bot.identity import make_ref
from bot.services import Services

log = logging.getLogger("adapters.teams")
KINDS = {"personal": "dm", "groupChat": "group", "channel": "channel"}


def reference_of(activity: Activity) -> dict[str, Any]:
    """A JSON conversation reference for proactive posts (to the channel itself, not to one thread)."""
    ref = TurnContext.get_conversation_reference(activity)
    ref.activity_id = None
    if ref.conversation is not None and ref.conversation.id:
        ref.conversation.id = split_conversation_id(ref.conversation.id)[0]
    if ref.conversation is None or ref.conversation.conversation_type != "personal":
        ref.user, ref.locale = None, None  # a shared conversation's reference must not depend on who spoke last
    return ref.serialize()


async def remember(services: Services, activity: Activity) -> None:
    """Store where this conversation is, for proactive posts (a DM names its person with the tenant)."""
    refs, conv = services.refs, activity.conversation
    if refs is None or conv is None or not conv.id or not activity.service_url:
        return
    kind = KINDS.get(conv.conversation_type or "", "channel")
    user = activity.from_property.id if kind == "dm" and activity.from_property else ""
    channel = split_conversation_id(conv.id)[0]
    tenant = tenant_of(activity)
    try:
        await services.db.run_short(refs.remember, PLATFORM, tenant, channel,
                                    make_ref(PLATFORM, tenant, user) if user else "", kind, reference_of(activity))
    except UNAVAILABLE_ERRORS:
        log.warning("could not store the Teams conversation reference (database unavailable)")
