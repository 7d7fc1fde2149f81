"""Posting replies with the Slack Web API: messages, ephemeral messages, chart uploads, DMs, proactive posts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.names import SLACK_PERSON, named, people_in, remember
from adapters.slack_modal import modal_view
from adapters.slack_render import render
from bot.delivery import DeliveryResult, Target
from bot.identity import is_ref, parse
from bot.models import Reply

log = logging.getLogger(__name__)
NOT_IN_CHANNEL_NOTE = ("_(The chart is not attached: I'm not a member of this channel. Invite me with "
                       "`/invite @finops-bot`, or ask me in a direct message to see it.)_")
def retry_after_of(exc: Exception) -> float | None:
    """The seconds a 429 asked us to wait (its ``Retry-After``), else None."""
    response = getattr(exc, "response", None) if isinstance(exc, SlackApiError) else None
    if response is None or getattr(response, "status_code", None) != 429:
        return None
    headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
    after = headers.get("retry-after", "1")
    after = after[0] if isinstance(after, list) and after else after
    try:
        return max(0.0, float(str(after)))
    except ValueError:
        return 1.0


SEND_ERRORS = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError)  # a post that did not go out


def slack_error(exc: Exception) -> str:
    """The Slack error code of a failed call (``channel_not_found`` …), our own reason, or the exception's class."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http {exc.response.status_code}")
    if type(exc) is SlackClientError and str(exc):  # raised by us, e.g. "the app is not installed in workspace …"
        return str(exc)
    return type(exc).__name__


class SlackSender:
    """Renders replies and posts them; one instance per workspace token."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dms: dict[str, str] = {}
        self.names: dict[str, str] = {}  # user id → display name (users.info, or the name in a mention)

    async def _name(self, user_id: str) -> None:
        """Look up one person's display name (``users.info``, scope ``users:read``); failures leave the id."""
        try:
            resp = await self.client.users_info(user=user_id)
        except SEND_ERRORS as exc:
            log.info("users.info failed (%s): the person is shown by id", slack_error(exc))
            return
        user = resp.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        remember(self.names, {user_id: str(name or "")})

    async def with_names(self, replies: Sequence[Reply]) -> list[Reply]:
        """The replies with people shown by display name instead of ``slack:U…`` ids (looked up once each)."""
        unknown = people_in(tuple(replies), SLACK_PERSON) - set(self.names)
        if unknown:
            await asyncio.gather(*(self._name(u) for u in sorted(unknown)))
        return [named(r, SLACK_PERSON, self.names) for r in replies]

    async def dm_channel(self, user_id: str) -> str:
        """The bot's DM channel with a user (conversations.open, cached: the id never changes)."""
        channel = self._dms.get(user_id)
        if channel is None:
            resp = await self.client.conversations_open(users=user_id)
            channel = self._dms[user_id] = str(resp["channel"]["id"])
        return channel

    async def post(self, channel: str, replies: Sequence[Reply], thread_ts: str = "", user: str = "",
                   trigger_id: str = "") -> list[str]:
        """Post every reply in order; ephemeral ones only to ``user``. Returns the ts of each message posted.

        A reply with a form opens as a modal when the turn came with a ``trigger_id`` (a slash command, a click,
        a submitted modal; Slack accepts it for 3 s, once); otherwise it is posted with an "Open the form" button.
        """
        posted: list[str] = []
        for reply in await self.with_names(replies):
            if reply.form is not None and trigger_id and await self._open(trigger_id, reply, channel, thread_ts):
                trigger_id = ""
                continue
            if reply.ephemeral and user:
                await self._ephemeral(channel, user, reply, thread_ts)
                continue
            for message in render(reply):
                resp = await self.client.chat_postMessage(channel=channel, text=message.text,
                                                          blocks=list(message.blocks), thread_ts=thread_ts or None,
                                                          unfurl_links=False, unfurl_media=False)
                posted.append(str(resp.get("ts", "")))
            if reply.image is not None:
                await self._chart(channel, thread_ts, reply)
        return posted

    async def _chart(self, channel: str, thread_ts: str, reply: Reply) -> None:
        """Upload a reply's chart under its text; where Slack refuses the file (``not_in_channel``: the bot can
        post in public channels it has not joined, but not upload files there) a note says how to get it,
        instead of the whole answer coming again somewhere else."""
        assert reply.image is not None
        try:
            await self.client.files_upload_v2(channel=channel, thread_ts=thread_ts or None,
                                              content=reply.image.png, filename=reply.image.filename,
                                              title=reply.image.alt[:250], alt_txt=reply.image.alt[:1000])
        except SlackApiError as exc:
            error = slack_error(exc)
            log.info("chart upload refused (%s): posting a note instead", error)
            note = (NOT_IN_CHANNEL_NOTE if error == "not_in_channel"
                    else "_(I couldn't attach the chart here; ask me in a direct message to see it.)_")
            await self.client.chat_postMessage(channel=channel, text=note, thread_ts=thread_ts or None,
                                               unfurl_links=False, unfurl_media=False)

    async def _open(self, trigger_id: str, reply: Reply, channel: str, thread_ts: str) -> bool:
        assert reply.form is not None
        try:
            await self.client.views_open(trigger_id=trigger_id, view=modal_view(reply, reply.form, channel, thread_ts))
            return True
        except (SlackClientError, ValueError) as exc:  # an expired trigger: the form goes out as a message instead
            log.info("views.open failed (%s): posting the form's button instead", slack_error(exc))
            return False

    async def _ephemeral(self, channel: str, user: str, reply: Reply, thread_ts: str) -> None:
        # Files cannot be ephemeral: the chart's alternative text is already in the blocks.
        for message in render(reply):
            await self.client.chat_postEphemeral(channel=channel, user=user, text=message.text,
                                                 blocks=list(message.blocks), thread_ts=thread_ts or None)

    async def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Replace a message (used to retire the buttons of a clicked message); failures are only logged."""
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except Exception as exc:  # cosmetic: the answer itself is posted separately
            log.warning("chat.update failed: %s", slack_error(exc))


SenderFor = Callable[[str, str, str], Awaitable["SlackSender"]]  # (team, channel, user_ref) → the workspace's


class SlackPoster:
    """The ``Poster`` for Slack: channel posts, DMs and thread replies that report Slack errors as results."""

    platform = "slack"

    def __init__(self, sender: SlackSender | SenderFor) -> None:
        """One sender (one workspace), or a function finding the sender of a target's workspace (OAuth)."""
        if isinstance(sender, SlackSender):
            one = sender

            async def same(_team: str, _channel: str = "", _user_ref: str = "") -> SlackSender:
                return one

            sender = same
        self.sender_for: SenderFor = sender

    async def post(self, target: Target, replies: Sequence[Reply]) -> DeliveryResult:
        """Post to ``target.channel`` (in ``target.thread``) or DM ``target.user_ref``; never raises Slack errors."""
        try:
            sender = await self.sender_for(target.tenant, target.channel, target.user_ref)
            channel = target.channel or await self._dm(sender, target.user_ref)
            posted = await sender.post(channel, replies, thread_ts=target.thread)
        except (SlackClientError, ValueError, OSError, aiohttp.ClientError, TimeoutError) as exc:
            error = slack_error(exc) if not isinstance(exc, ValueError) else str(exc)
            log.warning("slack delivery to %s failed: %s", target.describe(), error)
            return DeliveryResult(ok=False, error=error, retry_after=retry_after_of(exc))
        return DeliveryResult(ok=True, message_id=posted[0] if posted else None)

    @staticmethod
    async def _dm(sender: SlackSender, user_ref: str) -> str:
        who = parse(user_ref) if is_ref(user_ref) else None
        platform, user = (who.platform, who.user) if who else ("", "")
        if platform != "slack" or not user:
            raise ValueError(f"not a Slack user: {user_ref or '(none)'}")
        return await sender.dm_channel(user)
