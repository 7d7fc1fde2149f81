"""Proactive Teams posts for ``services.delivery``: stored conversation references, threads, opening 1:1 chats.

No SDK import here: the Bot Framework calls are ``TeamsAdapter.send_proactive`` and ``open_personal_chat``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.config import BOT_FRAMEWORK_HOSTS
from bot.db import UNAVAILABLE_ERRORS
from bot.delivery import DeliveryResult, Target
from bot.identity import is_ref, parse
from bot.models import Reply
from bot.refs import StoredRef

if TYPE_CHECKING:
    from adapters.teams import TeamsAdapter

log = logging.getLogger(__name__)
PLATFORM = "teams"
THREAD_MARK = ";messageid="


def service_url_allowed(url: object, test_urls: Sequence[str] = ()) -> bool:
    """Whether the bot may call this Bot Framework service URL: https on a Bot Framework host, or a configured test
    URL (``TEAMS_TEST_SERVICE_URLS``; without a port it allows every port of that host)."""
    if not isinstance(url, str) or not url:
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    for allowed in test_urls:
        a = urlsplit(allowed)
        if a.scheme == parts.scheme and (a.hostname or "").lower() == host and a.port in (None, port):
            return True
    if parts.scheme != "https" or port not in (None, 443) or parts.username or parts.password:
        return False
    return any(host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
               for pattern in BOT_FRAMEWORK_HOSTS)


def split_conversation_id(conversation_id: str) -> tuple[str, str]:
    """``19:…@thread.tacv2;messageid=123`` → (channel, thread "123"); chats and DMs have no thread."""
    base, mark, message_id = conversation_id.partition(THREAD_MARK)
    return (base, message_id) if mark else (conversation_id, "")


def in_thread(reference: dict[str, Any], thread: str) -> dict[str, Any]:
    """The reference aimed at one thread of its channel (a post there is a reply in that thread)."""
    conv = dict(reference.get("conversation") or {})
    conv["id"] = f"{split_conversation_id(str(conv.get('id', '')))[0]}{THREAD_MARK}{thread}"
    return {**reference, "conversation": conv}


class TeamsPoster:
    """The ``teams`` poster: finds the stored reference for a target (or opens the person's chat) and posts."""

    platform = PLATFORM

    def __init__(self, adapter: TeamsAdapter) -> None:
        self.adapter = adapter

    async def _find(self, channel: str | None, user_ref: str | None, tenant: str | None) -> StoredRef | None:
        refs = self.adapter.services.refs
        if refs is None:
            return None
        return await self.adapter.services.db.run(refs.find, PLATFORM, channel, user_ref, tenant)

    async def _open_chat(self, target: Target) -> dict[str, Any] | str:
        """A person the bot never talked to 1:1: open the chat through a known conversation of the tenant."""
        refs = self.adapter.services.refs
        who = parse(target.user_ref) if is_ref(target.user_ref) else None
        user = who.user if who and who.platform == PLATFORM else ""
        known = await self._find(None, None, target.tenant or None) if user else None
        if refs is None or known is None or not known.payload.get("serviceUrl") or not known.payload.get("bot"):
            return f"no Teams conversation stored for {target.describe()} (the app must be installed there first)"
        tenant = target.tenant or known.tenant
        opened = await self.adapter.open_personal_chat(known.payload["serviceUrl"], tenant, known.payload["bot"], user)
        if isinstance(opened, dict):
            try:
                await self.adapter.services.db.run(refs.remember, PLATFORM, tenant, opened["conversation"]["id"],
                                                   target.user_ref, "dm", opened)
            except UNAVAILABLE_ERRORS:
                log.warning("could not store the opened Teams chat (database unavailable)")
        return opened

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        """Post to a channel (or a thread in it) or to a person's 1:1 chat with the bot."""
        reference = dict(target.reference) if target.reference else None
        if reference is None and target.channel:
            found = await self._find(split_conversation_id(target.channel)[0], None, target.tenant or None)
            reference = dict(found.payload) if found is not None else None
        elif reference is None and target.user_ref:
            found = await self._find(None, target.user_ref, target.tenant or None)
            reference = dict(found.payload) if found is not None else None
            if reference is None:
                opened = await self._open_chat(target)
                if isinstance(opened, str):
                    return DeliveryResult(ok=False, error=opened)
                reference = opened
        if not reference:
            return DeliveryResult(ok=False, error=f"no Teams conversation stored for {target.describe()} "
                                                  "(the app must be installed there first)")
        if target.thread and target.channel:
            reference = in_thread(reference, target.thread)
        return await self.adapter.send_proactive(reference, replies)


def refusal(body: dict[str, Any], test_urls: tuple[str, ...], tenants: tuple[str, ...]) -> str | None:
    """Why an inbound activity is refused before anything is stored or sent (serviceUrl, tenant), or None."""
    if not service_url_allowed(body.get("serviceUrl"), test_urls):
        return "serviceUrl is not a Bot Framework host"
    if tenants:
        data, conv = body.get("channelData"), body.get("conversation")
        data = data if isinstance(data, dict) else {}
        conv = conv if isinstance(conv, dict) else {}
        tenant = data["tenant"].get("id") if isinstance(data.get("tenant"), dict) else None
        if str(tenant or conv.get("tenantId") or "") not in tenants:
            return "tenant not allowed"
    return None

