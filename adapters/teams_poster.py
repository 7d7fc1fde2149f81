"""Proactive Teams posts for ``services.delivery``: stored conversation references, threads, opening 1:1 chats.

No SDK import here: the Bot Framework calls are ``TeamsAdapter.send_proactive`` and ``open_personal_chat``, seen
through the ``TeamsSender`` protocol (so this module does not import adapters/teams.py, which imports it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from adapters.teams_policy import PLATFORM, THREAD_MARK, split_conversation_id
from bot.db import UNAVAILABLE_ERRORS
from bot.delivery import DeliveryResult, Target
from bot.identity import is_ref, parse
from bot.models import Reply
from bot.refs import StoredRef

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def in_thread(reference: dict[str, Any], thread: str) -> dict[str, Any]:
    """The reference aimed at one thread of its channel (a post there is a reply in that thread)."""
    conv = dict(reference.get("conversation") or {})
    conv["id"] = f"{split_conversation_id(str(conv.get('id', '')))[0]}{THREAD_MARK}{thread}"
    return {**reference, "conversation": conv}


class TeamsSender(Protocol):
    """The Bot Framework calls the poster needs (``adapters.teams.TeamsAdapter``, which registers the poster)."""

    services: Services

    async def send_proactive(self, reference: dict[str, Any], replies: Sequence[Reply]) -> DeliveryResult: ...

    async def open_personal_chat(self, service_url: str, tenant: str, bot: dict[str, Any],
                                 user_id: str) -> dict[str, Any] | str: ...


class TeamsPoster:
    """The ``teams`` poster: finds the stored reference for a target (or opens the person's chat) and posts."""

    platform = PLATFORM

    def __init__(self, adapter: TeamsSender) -> None:
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
