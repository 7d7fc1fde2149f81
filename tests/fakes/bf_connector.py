"""A local fake of the Bot Framework connector (Teams' REST API) for contract and end-to-end tests.

It records what the bot posts to ``/v3/conversations/{id}/activities[/{replyToId}]`` and answers like the
real service, including 404 (conversation deleted) and 403 (bot removed) for conversations marked gone, 413
``MessageSizeTooBig`` for an activity over 100 KB (UTF-16, base64 images not counted, as Teams counts it),
card updates (``PUT …/activities/{id}``, recorded in ``updated``) and roster look-ups (``roster``).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

NOT_INSTALLED = {"code": "Forbidden", "message": "Bot is not installed in user's personal scope"}
MAX_MESSAGE_BYTES = 100 * 1024
TOO_BIG = {"code": "MessageSizeTooBig", "message": "Activity payload size exceeds the limit."}
MEMBER_NOT_FOUND = {"code": "MemberNotFoundInConversation", "message": "Member not found in the conversation."}
_BASE64_IMAGE = re.compile(r'"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]*"')
GONE_ERRORS = {
    404: {"code": "ConversationNotFound", "message": "Conversation not found."},
    403: {"code": "BotNotInConversationRoster", "message": "The bot is not part of the conversation roster."},
}


@dataclass
class Throttle:
    """At most ``per_conversation`` activities to one conversation per ``window`` seconds; beyond that the
    connector answers ``status`` (429, or 412 as Teams sometimes does under load), optionally with Retry-After."""

    per_conversation: int
    window: float = 1.0
    status: int = 429
    retry_after: int | None = None
    seen: list[tuple[float, str]] = field(default_factory=list)
    refused: int = 0

    def admit(self, conversation: str, now: float) -> bool:
        """Count the post, or False when the conversation is over its limit."""
        self.seen = [(t, c) for t, c in self.seen if now - t < self.window]
        if sum(c == conversation for _, c in self.seen) >= self.per_conversation:
            self.refused += 1
            return False
        self.seen.append((now, conversation))
        return True


@dataclass(frozen=True)
class Posted:
    """One activity the bot sent."""

    conversation_id: str
    reply_to_id: str | None
    activity: dict[str, Any]
    authorization: str | None

    @property
    def text(self) -> str:
        """The activity text ("" when it only has attachments)."""
        return str(self.activity.get("text") or "")

    def cards(self) -> list[dict[str, Any]]:
        """Adaptive Card contents attached to the activity."""
        return [a["content"] for a in self.activity.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]

    def actions(self) -> list[dict[str, Any]]:
        """Every Action.Submit of every attached card (ActionSet rows in the body, then the card's actions)."""
        found = []
        for card in self.cards():
            rows = [e.get("actions", []) for e in card.get("body", []) if e.get("type") == "ActionSet"]
            found += [a for row in [*rows, card.get("actions", [])] for a in row if a.get("type") == "Action.Submit"]
        return found


class FakeConnector:
    """Serve with ``await start()``; the returned base URL is what activities carry as ``serviceUrl``."""

    def __init__(self) -> None:
        self.posted: list[Posted] = []
        self.gone: dict[str, int] = {}  # conversation id → 404 or 403
        self.created: list[dict[str, Any]] = []  # bodies of POST /v3/conversations (1:1 chats the bot opened)
        self.not_installed: set[str] = set()  # user ids for whom opening a 1:1 chat is refused (403)
        self.updated: list[Posted] = []  # activities the bot replaced (PUT), with their id as reply_to_id
        self.roster: dict[str, str] = {}  # user id → name, for GET …/members/{id}
        self._ids = itertools.count(1)
        self.throttle: Throttle | None = None  # enforced per-conversation rate (``limit``)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def mark_gone(self, conversation_id: str, status: int = 404) -> None:
        """Make posts to this conversation fail like a deleted conversation (404) or removed bot (403)."""
        self.gone[conversation_id] = status

    def limit(self, per_conversation: int, window: float = 1.0, status: int = 429,
              retry_after: int | None = None) -> Throttle:
        """Throttle posts per conversation like the Bot Framework service does (429/412 beyond the rate)."""
        self.throttle = Throttle(per_conversation, window, status, retry_after)
        return self.throttle

    async def _activities(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        base = conversation_id.split(";messageid=")[0]
        if self.throttle is not None and not self.throttle.admit(base, time.monotonic()):
            headers = {"Retry-After": str(self.throttle.retry_after)} if self.throttle.retry_after else None
            return web.json_response({"error": {"code": "TooManyRequests", "message": "Too many requests"}},
                                     status=self.throttle.status, headers=headers)
        status = self.gone.get(conversation_id) or self.gone.get(base)
        if status:
            return web.json_response({"error": GONE_ERRORS[status]}, status=status)
        body = await request.json()
        if message_size(body) > MAX_MESSAGE_BYTES:
            return web.json_response({"error": TOO_BIG}, status=413)
        self.posted.append(Posted(conversation_id, request.match_info.get("reply_to_id"), body,
                                  request.headers.get("Authorization")))
        return web.json_response({"id": f"bot-msg-{next(self._ids)}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        if message_size(body) > MAX_MESSAGE_BYTES:
            return web.json_response({"error": TOO_BIG}, status=413)
        self.updated.append(Posted(request.match_info["conversation_id"], request.match_info["activity_id"], body,
                                   request.headers.get("Authorization")))
        return web.json_response({"id": request.match_info["activity_id"]}, status=200)

    async def _member(self, request: web.Request) -> web.Response:
        member = request.match_info["member_id"]
        if member not in self.roster:
            return web.json_response({"error": MEMBER_NOT_FOUND}, status=404)
        return web.json_response({"id": member, "name": self.roster[member], "aadObjectId": "aad-" + member,
                                  "userPrincipalName": f"{member}@example.com"})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = [m.get("id") for m in body.get("members") or []]
        if any(m in self.not_installed for m in members):
            return web.json_response({"error": NOT_INSTALLED}, status=403)
        self.created.append(body)
        return web.json_response({"id": f"a:1opened-{members[0] if members else 'x'}", "serviceUrl": self.url},
                                 status=201)

    async def start(self) -> str:
        """Listen on a free loopback port; returns the service URL (with a trailing slash, like Teams)."""
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation_id}/activities", self._activities)
        app.router.add_post("/v3/conversations/{conversation_id}/activities/{reply_to_id}", self._activities)
        app.router.add_put("/v3/conversations/{conversation_id}/activities/{activity_id}", self._update)
        app.router.add_get("/v3/conversations/{conversation_id}/members/{member_id}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        """Shut the server down."""
        if self._runner is not None:
            await self._runner.cleanup()

    def texts(self) -> list[str]:
        """The texts of every activity posted so far, in order."""
        return [p.text for p in self.posted if p.text]


def message_size(activity: dict[str, Any]) -> int:
    """The size Teams checks: the activity JSON in UTF-16, base64-encoded images excluded."""
    return len(_BASE64_IMAGE.sub('""', json.dumps(activity, ensure_ascii=False)).encode("utf-16-le"))
