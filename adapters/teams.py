"""Microsoft Teams over the Bot Framework: the ONLY module importing botbuilder.

botbuilder-python is archived (support ended December 2025); everything SDK-specific lives in this file so the
Microsoft 365 Agents SDK can replace it here without touching the router, the intents or the stores.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError, web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters import press_ids, teams_keys, teams_refs
from adapters.names import TEAMS_PERSON, named, people_in, remember
from adapters.replies import IMAGE_ONLY
from adapters.teams_cards import chosen_card, render_activities
from adapters.teams_inbound import (
    mentioned_names,
    mentions_bot,
    only_attachments,
    pressed,
    tenant_of,
    to_incoming,
    welcome_reply,
)
from adapters.teams_policy import PLATFORM, refusal, service_url_allowed, split_conversation_id
from adapters.teams_poster import TeamsPoster
from adapters.threads import TeamsThreadStore
from bot.config import ConfigError
from bot.db import UNAVAILABLE_ERRORS
from bot.delivery import DeliveryResult
from bot.models import ConversationKey, Reply

if TYPE_CHECKING:
    from bot.runtime import Bot

log = logging.getLogger(__name__)
ROUTE = "/api/messages"
MAX_BODY = 256 * 1024  # an activity (a card submission included) is a few KB: bigger bodies are refused unread
REPLY_ERRORS = (HttpOperationError, ClientRequestError, ClientError, OSError, ValueError)


@dataclass(frozen=True)
class _BotFrameworkConfig:
    """The attribute names botbuilder's configuration-based authentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str


class _StrictAuthentication(ConfigurationBotFrameworkAuthentication):
    """Every token that fails validation is a 401: botbuilder lets a malformed JWT escape as a 500."""

    async def authenticate_request(self, activity: Activity, auth_header: str) -> Any:
        """Validate the inbound token; any failure becomes PermissionError (CloudAdapter answers 401)."""
        try:
            return await super().authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except Exception as exc:
            log.warning("Bot Framework token rejected (%s)", type(exc).__name__)
            raise PermissionError("invalid Bot Framework token") from exc


# --- connector errors, activities ---------------------------------------------------------------------------
def _refusal(exc: HttpOperationError) -> str:
    """A readable reason for a connector error (403/404 mean the bot or the conversation is gone)."""
    status = getattr(exc.response, "status_code", None)
    code = getattr(getattr(getattr(exc, "error", None), "error", None), "code", None)
    detail = f"HTTP {status}" + (f" {code}" if code else "")
    if status == 403:
        return f"bot removed from the conversation or blocked ({detail})"
    if status == 404:
        return f"conversation not found: deleted, or the bot was removed ({detail})"
    return f"Teams connector error ({detail})"


def _deserializes(body: dict[str, Any]) -> bool:
    """Whether botbuilder can read the body as an Activity (fields of the wrong type would escape as a 500)."""
    try:
        Activity().deserialize(body)
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError):  # DeserializationError is a ValueError
        log.warning("Teams: refused a body that is not a Bot Framework activity")
        return False
    return True


def _activities(replies: Sequence[Reply], names: dict[str, str]) -> list[Activity]:
    """The activities for some replies, with people shown by the names Teams told us."""
    return [Activity().deserialize(a) for reply in replies for a in render_activities(named(reply, TEAMS_PERSON,
                                                                                          names))]


# --- the adapter ---------------------------------------------------------------------------------------
class TeamsAdapter:
    """Receives activities on ``POST /api/messages``, answers through the router, and posts proactively."""

    def __init__(self, bot: Bot) -> None:
        s = bot.services.settings
        self.router, self.services, self.app_id = bot.router, bot.services, s.teams_app_id
        teams_keys.install()  # signing keys fetched off the event loop, with a timeout, failures cached
        config = _BotFrameworkConfig(s.teams_app_id, s.teams_app_password, s.teams_tenant_id, s.teams_app_type)
        self.cloud = CloudAdapter(_StrictAuthentication(config))
        self.cloud.on_turn_error = self._on_turn_error
        self.handler = _Handler(self)
        self.threads = TeamsThreadStore(bot.services.db)
        self.names: dict[str, str] = {}  # Teams user id → display name (from activities, mentions, the roster)
        self.test_urls, self.tenants = s.teams_test_service_urls, s.teams_allowed_tenants

    def allowed_url(self, url: object) -> bool:
        """Outbound calls go only to Bot Framework hosts (or the configured test connector): no SSRF."""
        return service_url_allowed(url, self.test_urls)

    async def handle_request(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp route: 415/400 for bad bodies, 401 for bad tokens, 201 (or an invoke response) otherwise."""
        if request.content_type != "application/json":
            return web.json_response({"error": "expected application/json"}, status=415)
        if request.content_length is None or request.content_length > MAX_BODY:
            return web.json_response({"error": "request body missing or too large"}, status=413)
        try:
            body = await request.json()
        except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deeply
            return web.json_response({"error": "invalid JSON"}, status=400)
        if not isinstance(body, dict) or not body.get("type") or not _deserializes(body):
            return web.json_response({"error": "expected a Bot Framework activity"}, status=400)
        if (why := refusal(body, self.test_urls, self.tenants)) is not None:
            log.warning("Teams: refused an activity (%s)", why)
            return web.json_response({"error": why}, status=403)
        return await self.cloud.process(request, self.handler) or web.Response(status=201)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed (%s) conversation=%s", type(error).__name__,
                  getattr(context.activity.conversation, "id", "?"), exc_info=error)

    async def remember(self, activity: Activity) -> None:
        """Store where this conversation is, for proactive posts (``adapters/teams_refs.py``)."""
        await teams_refs.remember(self.services, activity)

    async def forget(self, activity: Activity) -> None:
        """Drop the stored reference of a conversation the app was removed from."""
        refs, conv = self.services.refs, activity.conversation
        if refs is None or conv is None or not conv.id:
            return
        tenant, channel = tenant_of(activity), split_conversation_id(conv.id)[0]
        try:
            await self.services.db.run(refs.forget, PLATFORM, tenant, channel)
            await self.services.db.run(self.threads.forget, tenant, channel)
        except UNAVAILABLE_ERRORS:
            log.warning("could not forget a Teams conversation reference (database unavailable)")

    async def on_message(self, context: TurnContext) -> None:
        """A message or a card submission: route it and send the replies into the same conversation/thread.

        In a channel, a message without an @mention of the bot (Teams delivers those when the app has the
        ``ChannelMessage.Read.Group`` permission) is answered only in a thread the bot already replied in.
        """
        activity = context.activity
        remember(self.names, mentioned_names(activity))
        msg = to_incoming(activity)
        if msg is None:
            if only_attachments(activity) and (activity.conversation is None
                                               or activity.conversation.conversation_type == "personal"
                                               or mentions_bot(activity)):
                await self._reply(context, [IMAGE_ONLY])  # a pasted picture: say what the bot can read
            return
        in_channel = activity.conversation is not None and activity.conversation.conversation_type == "channel"
        key = msg.key
        followup = in_channel and msg.action is None and not mentions_bot(activity)
        if followup and not await self._our_thread(key):
            return  # channel chatter, not for us
        await self.remember(activity)
        result = await self.router.handle(replace(msg, addressed=not followup))
        replies = result.replies
        personal = activity.conversation is not None and activity.conversation.conversation_type == "personal"
        press = pressed(activity) if personal and not result.duplicate else None
        again = press is not None and len(replies) == 1 and replies[0].redraw
        # the same question again (a multiple-choice tick): the card itself shows the new ticks
        if again and replies[0].choices and await self._update_card(context, self._rendered(replies[0])):
            return
        if replies:
            await self._reply(context, replies)
            if in_channel and key.thread:
                await self._remember_thread(key.tenant, key.channel, key.thread)
        if press is not None:
            # A personal card becomes what was chosen, so it cannot be pressed twice. Cards in group chats and
            # channels are shared: they stay as they are for everyone else.
            card = {"contentType": "application/vnd.microsoft.card.adaptive", "content": chosen_card(*press[:2])}
            await self._update_card(context, {"type": "message", "attachments": [card]})

    def _rendered(self, reply: Reply) -> dict[str, Any]:
        """One reply as a single activity (JSON), people shown by name."""
        return render_activities(named(reply, TEAMS_PERSON, self.names))[0]

    async def _update_card(self, context: TurnContext, content: dict[str, Any]) -> bool:
        """Replace the card the pressed button was on; a refusal is only logged (the answer goes out anyway)."""
        update = Activity().deserialize({**content, "id": context.activity.reply_to_id})
        try:
            await context.update_activity(update)
        except REPLY_ERRORS as exc:
            log.info("Teams: could not update the pressed card (%s)", type(exc).__name__)
            return False
        return True

    async def _our_thread(self, key: ConversationKey) -> bool:
        """Whether the bot replied in this channel thread before (this replica's memory, then the database)."""
        if not key.thread:
            return False
        if self.threads.cached(key.tenant, key.channel, key.thread):
            return True
        try:
            return await self.services.db.run_short(self.threads.is_known, key.tenant, key.channel, key.thread)
        except UNAVAILABLE_ERRORS:  # unsure: stay quiet rather than answer channel chatter
            log.warning("could not look up a Teams thread (database unavailable)")
            return False

    async def _remember_thread(self, tenant: str, channel: str, thread: str) -> None:
        """Remember a channel thread we answered in (one small write the first time, cached afterwards)."""
        if self.threads.cached(tenant, channel, thread):
            return
        try:
            await self.services.db.run_short(self.threads.remember, tenant, channel, thread)
        except UNAVAILABLE_ERRORS:
            log.warning("could not remember a Teams thread (database unavailable)")

    async def on_installed(self, context: TurnContext) -> None:
        """The bot was added to a chat, group chat or team: store the reference and say hello."""
        await self.remember(context.activity)
        await self._reply(context, [welcome_reply(self.router.intents)])

    async def _reply(self, context: TurnContext, replies: Sequence[Reply]) -> None:
        """Answer in the activity's conversation; a connector that refuses or fails is logged, not raised."""
        activity = context.activity
        if activity.conversation is None or not activity.conversation.id or not activity.service_url:
            log.warning("Teams: cannot answer an activity without a conversation id or service URL")
            return
        await self._learn_names(context, replies)
        try:
            await context.send_activities(_activities(replies, self.names))
        except REPLY_ERRORS as exc:  # ValueError: the connector's answer was not a readable JSON reply
            log.warning("Teams reply failed (%s) conversation=%s", type(exc).__name__, activity.conversation.id)

    async def _learn_names(self, context: TurnContext, replies: Sequence[Reply]) -> None:
        """Names of people the replies mention that no activity told us yet: the conversation's roster."""
        for user in sorted(people_in(tuple(replies), TEAMS_PERSON) - set(self.names))[:20]:
            try:
                member = await TeamsInfo.get_member(context, user)
            except Exception as exc:  # not in this conversation, or the roster is unavailable: shown by id
                log.info("Teams: no roster name for a person (%s)", type(exc).__name__)
                continue
            remember(self.names, {user: str(getattr(member, "name", "") or "")})

    async def send_proactive(self, reference: dict[str, Any], replies: Sequence[Reply]) -> DeliveryResult:
        """Post to a stored conversation; connector refusals (bot removed, conversation deleted) are results."""
        ref = ConversationReference().deserialize(reference)
        if not ref.service_url or ref.conversation is None or not ref.conversation.id:
            return DeliveryResult(ok=False, error="invalid Teams conversation reference")
        if not self.allowed_url(ref.service_url):
            log.warning("Teams: refused a proactive post to a service URL that is not a Bot Framework host")
            return DeliveryResult(ok=False, error="Teams service URL not allowed")
        outcome: list[DeliveryResult] = []

        async def post(context: TurnContext) -> None:
            context.activity.id = None  # a new message, not a reply to the synthetic continuation event
            try:
                sent = await context.send_activities(_activities(replies, self.names))
            except HttpOperationError as exc:  # status and Retry-After let Delivery back off on 429/412/502/504
                response = getattr(exc, "response", None)
                after = str(getattr(response, "headers", {}).get("Retry-After", ""))
                outcome.append(DeliveryResult(ok=False, error=_refusal(exc),
                                              status=getattr(response, "status_code", None),
                                              retry_after=float(after) if after.isdigit() else None))
                return
            except ClientRequestError as exc:
                log.warning("Teams connector unreachable: %s", type(exc).__name__)
                outcome.append(DeliveryResult(ok=False, error="Teams connector unreachable"))
                return
            outcome.append(DeliveryResult(ok=True, message_id=next((r.id for r in sent if r and r.id), None)))

        try:
            await self.cloud.continue_conversation(ref, post, bot_app_id=self.app_id)
        except (ClientRequestError, ClientError, OSError, HttpOperationError) as exc:
            log.warning("Teams proactive post failed: %s", type(exc).__name__)
            return DeliveryResult(ok=False, error=f"Teams connector unreachable ({type(exc).__name__})")
        return outcome[0] if outcome else DeliveryResult(ok=False, error="Teams post did not run")

    async def open_personal_chat(self, service_url: str, tenant: str, bot: dict[str, Any],
                                 user_id: str) -> dict[str, Any] | str:
        """Open (or find) the bot's 1:1 chat with a person: its reference, or why Teams refused."""
        if not self.allowed_url(service_url):
            return "Teams service URL not allowed"
        params = ConversationParameters(is_group=False, bot=ChannelAccount().deserialize(bot),
                                        members=[ChannelAccount(id=user_id)], tenant_id=tenant,
                                        channel_data={"tenant": {"id": tenant}})
        opened: list[dict[str, Any]] = []

        async def capture(context: TurnContext) -> None:
            ref = TurnContext.get_conversation_reference(context.activity)
            ref.activity_id, ref.user = None, ChannelAccount(id=user_id)
            opened.append(ref.serialize())

        try:
            await self.cloud.create_conversation(self.app_id, capture, params, channel_id="msteams",
                                                 service_url=service_url)
        except HttpOperationError as exc:
            status = getattr(exc.response, "status_code", None)
            return (f"cannot open a Teams chat with {user_id}: the app is not installed for them (HTTP 403)"
                    if status == 403 else f"cannot open a Teams chat with {user_id}: {_refusal(exc)}")
        except (ClientRequestError, ClientError, OSError) as exc:
            return f"Teams connector unreachable ({type(exc).__name__})"
        return opened[0] if opened else f"Teams did not open a chat with {user_id}"


def _is_the_bot_among(members: list[ChannelAccount] | None, turn_context: TurnContext) -> bool:
    bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
    return bool(bot_id) and any(m is not None and m.id == bot_id for m in members or [])


class _Handler(ActivityHandler):
    """botbuilder's activity dispatch, forwarding the activity types the bot handles."""

    def __init__(self, adapter: TeamsAdapter) -> None:
        self.adapter = adapter

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Messages and Action.Submit card presses."""
        await self.adapter.on_message(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        """Welcome only when the bot itself was added (not for every person joining a team)."""
        if _is_the_bot_among(members_added, turn_context):
            await self.adapter.on_installed(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """The bot's cards use messageBack, never invokes: refuse them (botbuilder answers 501, or a 500 when an
        ``adaptiveCard/action`` has no value, because it cannot serialize its own error)."""
        log.info("Teams: unsupported invoke %r", str(turn_context.activity.name)[:80])
        return InvokeResponse(status=400)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """Installed (the conversationUpdate that follows says hello): only store the reference."""
        await self.adapter.remember(turn_context.activity)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """Uninstalled from a chat or team: forget its reference (later posts are recorded as failed)."""
        await self.adapter.forget(turn_context.activity)

    async def on_members_removed_activity(self, members_removed: list[ChannelAccount],
                                          turn_context: TurnContext) -> None:
        """The bot itself removed from a conversation (not a person leaving a team): forget it too."""
        if _is_the_bot_among(members_removed, turn_context):
            await self.adapter.forget(turn_context.activity)


def mount_teams(app: web.Application, bot: Bot) -> TeamsAdapter:
    """Add ``POST /api/messages`` and register the Teams poster (called by ``bot.app.mount_adapters``)."""
    settings = bot.services.settings
    if not settings.teams_app_id and not settings.teams_local_test:
        raise ConfigError("Teams is enabled without MICROSOFT_APP_ID: authentication would be off (TEAMS_LOCAL_TEST)")
    press_ids.use_secret(settings.teams_app_password)  # replicas agree on click ids
    adapter = TeamsAdapter(bot)
    if not settings.teams_app_id:
        log.warning("!!! TEAMS AUTHENTICATION IS OFF: MICROSOFT_APP_ID is empty, so %s accepts requests from "
                    "anyone. Use this only for local testing; set MICROSOFT_APP_ID/PASSWORD in production. !!!",
                    ROUTE)
    app.router.add_post(ROUTE, adapter.handle_request)
    bot.services.delivery.register(TeamsPoster(adapter))
    return adapter
