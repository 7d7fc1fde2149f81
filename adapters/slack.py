"""Slack on slack-bolt's AsyncApp: mentions, DMs, thread follow-ups, `/finops`, buttons, modals and App Home.

Events, slash commands and interactivity share ``POST /slack/events`` on the bot's aiohttp server (or arrive over
Socket Mode). Bolt verifies the signature and acknowledges; with ``process_before_response=False`` every listener
runs after the ack, so a slow answer never makes Slack retry. A retried delivery carries the same ``event_id``,
which the router claims once in the database. The slash command, button and modal listeners are in
``slack_interactive.py`` (a mixin of the adapter).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters import press_ids
from adapters.replies import IMAGE_ONLY
from adapters.slack_home import home_view
from adapters.slack_interactive import Interactivity
from adapters.slack_oauth import INSTALL_PATH, REDIRECT_PATH, Installations
from adapters.slack_send import SEND_ERRORS, SlackPoster, SlackSender, slack_error
from adapters.slack_shape import ssl_check, well_formed
from adapters.slack_text import clean_text, team_of
from adapters.threads import FLUSH_SECONDS, SlackThreadStore
from bot.db import UNAVAILABLE_ERRORS
from bot.identity import make_ref
from bot.models import ConversationKey, IncomingMessage, Reply, TurnResult

if TYPE_CHECKING:
    from bot.runtime import Bot

log = logging.getLogger(__name__)
MAX_BODY = 128 * 1024  # Slack's largest payloads (a view submission) are far smaller; bigger ones are refused unread
PATH = "/slack/events"
ANSWERED_SUBTYPES = (None, "thread_broadcast", "file_share")  # anything else is an edit, join, bot post …
DRAIN_SECONDS = 10.0  # at shutdown, turns already acknowledged get this long to finish
SLACK_ADAPTER: web.AppKey[SlackAdapter] = web.AppKey("finops_slack_adapter")  # the mounted adapter (tests drain it)
Listener = Callable[..., Awaitable[None]]
MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ValueError)  # a field missing or of the wrong type


def _same_token_warning(record: logging.LogRecord) -> bool:
    """Drop bolt's "`token` will be unused" warning (the token it found in the environment is the client's)."""
    return "`token` will be unused" not in record.getMessage()


_MENTION = re.compile(r"<@[UW][A-Z0-9]+")  # a person mentioned in a message (the bot's own is checked first)
_LISTENER_RUNNER = "AsyncioListenerRunner."  # bolt's tasks that run a listener (and its lazy functions) after the ack


def _ignored(event: dict[str, Any]) -> bool:
    """Bot posts, edits, joins and other subtypes are not questions."""
    return event.get("subtype") not in ANSWERED_SUBTYPES or bool(event.get("bot_id")) or not event.get("user")


class SlackAdapter(Interactivity):
    """Turns Slack payloads into IncomingMessages for the router and posts the replies."""

    def __init__(self, bot: Bot, client: AsyncWebClient | None = None) -> None:
        settings = bot.services.settings
        self.bot, self.services, self.settings = bot, bot.services, settings
        self._retry = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=3)]
        self.client = client or AsyncWebClient(token=settings.slack_bot_token or None,
                                               base_url=settings.slack_api_url, retry_handlers=self._retry)
        # One workspace: the client carries its bot token. Several (OAuth): bolt finds each request's token in the
        # installation store, and we find the token of the workspace we post to (``sender_for``).
        self.installations = Installations(settings) if settings.slack_oauth else None
        oauth = {"oauth_settings": self.installations.settings} if self.installations is not None else {}
        # Bolt also reads SLACK_BOT_TOKEN from the environment (where our settings come from) and would warn that
        # it is unused: the client holds that token.
        bolt_log = logging.getLogger("slack_bolt.AsyncApp")
        bolt_log.addFilter(_same_token_warning)
        try:  # bolt acks before listeners run
            self.app = AsyncApp(client=self.client, signing_secret=settings.slack_signing_secret, name="finops-bot",
                                process_before_response=False, **oauth)  # type: ignore[arg-type]
            # (a name given, bolt does not call inspect.stack() to name the app: 90 ms under a deep call stack)
        finally:
            bolt_log.removeFilter(_same_token_warning)
        self._verifier = SignatureVerifier(settings.slack_signing_secret or "")
        self.sender = SlackSender(self.client)
        self._senders: dict[str, SlackSender] = {}  # OAuth: one per installed workspace
        self.threads = SlackThreadStore(bot.services.db)
        self._refs_seen: set[tuple[str, str, str]] = set()
        self._socket: Any = None
        self._flusher: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._spawned: set[asyncio.Task[Any]] = set()
        self._register()

    def _register(self) -> None:
        on = self._tracked
        self.app.event("app_mention")(on(self._on_mention))
        self.app.event("message")(on(self._on_message))
        self.app.event("app_home_opened")(on(self._on_home))
        self.app.event("app_uninstalled")(on(self._on_uninstalled))
        self.app.event("tokens_revoked")(on(self._on_uninstalled))
        self.app.command("/finops")(on(self._on_command))
        self.app.action(re.compile(r"^finops_"))(on(self._on_action))
        self.app.view(re.compile(r"^finops"))(on(self._on_view))

    def _tracked(self, listener: Listener) -> Listener:
        """Bolt runs each listener as a task after the ack: remember it, so shutdown can let it finish."""

        @functools.wraps(listener)  # bolt reads the argument names through __wrapped__
        async def run(**kwargs: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                await listener(**kwargs)
            finally:
                self._inflight.discard(task)  # type: ignore[arg-type]

        return run

    # --- HTTP and lifecycle ------------------------------------------------------------------------
    async def handle_http(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: signature first (401 if bad or old), then the shape, then bolt dispatches.

        Bolt parses the body before it checks the signature, and a signed body that is not UTF-8, not JSON (or a form
        whose ``payload`` is not a JSON object, or JSON that is not an object), or nested too deeply would escape
        as a 500: those are a 400.
        """
        if request.content_length is None or request.content_length > MAX_BODY:  # before bolt reads or logs it
            return web.json_response({"error": "request body missing or too large"}, status=413)
        stamp = request.headers.get("X-Slack-Request-Timestamp")
        if stamp is not None and not stamp.isdigit():  # bolt's int() would fail; an absent one is bolt's 401
            return web.json_response({"error": "invalid request"}, status=401)  # (or an unsigned ssl_check's 200)
        raw = await request.read()  # verified before anything parses it (bolt verifies again; an ssl_check is unsigned)
        if not self._verifier.is_valid(raw, stamp, request.headers.get("X-Slack-Signature")) and not ssl_check(raw):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except (*MALFORMED, RecursionError):  # not UTF-8, not JSON, not an object, fields of the wrong type
            return web.json_response({"error": "invalid request body"}, status=400)
        if not well_formed(bolt_request.body):
            log.warning("slack: refused a payload with missing parts or fields of the wrong type")
            return web.json_response({"error": "unexpected payload shape"}, status=400)
        allowed = self.services.settings.slack_allowed_teams
        ids = {team_of(bolt_request.body), str(bolt_request.body.get("enterprise_id") or "")} - {""}
        if allowed and not ids & set(allowed) and bolt_request.body.get("type") != "url_verification":
            log.warning("slack: refused a payload from a workspace outside SLACK_ALLOWED_TEAMS")
            return web.json_response({"error": "workspace not allowed"}, status=403)
        before = asyncio.all_tasks()
        try:
            return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))
        except MALFORMED as exc:  # bolt's own error handling tripped over the payload
            log.warning("slack: could not dispatch a payload (%s)", type(exc).__name__)
            return web.json_response({"error": "unexpected payload shape"}, status=400)
        finally:  # the listener tasks bolt started for this request (they run after the ack): see ``drain``
            for task in asyncio.all_tasks() - before:
                if _LISTENER_RUNNER in getattr(task.get_coro(), "__qualname__", ""):  # not an HTTP keep-alive task
                    self._spawned.add(task)
                    task.add_done_callback(self._spawned.discard)

    async def drain(self) -> None:
        """Wait until every turn started by a request so far (and any turn those start) has finished."""
        while pending := (self._spawned | self._inflight) - {asyncio.current_task()}:
            await asyncio.wait(pending)

    def mount(self, web_app: web.Application) -> None:
        """Add the route(s), the shared HTTP session and (when asked) the Socket Mode connection."""
        web_app.router.add_post(PATH, self.handle_http)
        web_app[SLACK_ADAPTER] = self
        if self.installations is not None:  # bolt's OAuth flow: start an install, finish it
            web_app.router.add_get(INSTALL_PATH, self.handle_oauth)
            web_app.router.add_get(REDIRECT_PATH, self.handle_oauth)
        web_app.on_startup.append(self._start)
        web_app.on_cleanup.append(self._stop)

    async def _start(self, _app: web.Application) -> None:
        # One keep-alive session for every Web API call (slack_sdk opens a session per call otherwise).
        self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))
        self._flusher = asyncio.create_task(self._flush_threads())
        if self.settings.slack_socket_mode:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token, web_client=self.client)
            await self._socket.connect_async()
            log.info("slack: connected over Socket Mode")

    async def handle_oauth(self, request: web.Request) -> web.Response:
        """``GET /slack/install`` (redirect to Slack's consent page) and ``/slack/oauth_redirect`` (store the
        installation): bolt's OAuth flow with slack_sdk's stores."""
        flow = self.app.oauth_flow
        assert flow is not None
        bolt_request = await to_bolt_request(request)
        if request.path == INSTALL_PATH:
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    async def sender_for(self, team: str, channel: str = "", user_ref: str = "") -> SlackSender:
        """The sender for a workspace: the one bot token, or (OAuth) that workspace's. A proactive post may not
        know its workspace: then the conversation references tell, or the only installation."""
        if self.installations is None:
            return self.sender
        team = team or await self._workspace_of(channel, user_ref)
        sender = self._senders.get(team)
        if sender is None:
            token = await self.installations.bot_token(team) if team else None
            if token is None:
                raise SlackClientError(f"the app is not installed in workspace {team or '(unknown)'}")
            client = AsyncWebClient(token=token, base_url=self.settings.slack_api_url, retry_handlers=self._retry,
                                    session=self.client.session)
            sender = self._senders[team] = SlackSender(client)
        return sender

    async def _workspace_of(self, channel: str, user_ref: str) -> str:
        refs = self.services.refs
        if refs is not None and (channel or user_ref):
            found = await self.services.db.run(refs.find, "slack", channel or None, user_ref or None)
            if found is not None and found.tenant:
                return found.tenant
        assert self.installations is not None
        return await self.installations.only_workspace() or ""

    async def _flush_threads(self) -> None:
        """Store remembered threads in batches (one statement per interval, shared with other replicas)."""
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            if self.threads.pending:
                try:
                    await self.services.db.run_short(self.threads.flush)
                except Exception:  # the database is down: the threads stay pending and are retried
                    log.warning("slack: could not store %d bot threads yet", self.threads.pending)

    async def _stop(self, _app: web.Application) -> None:
        # Runs after the server stopped accepting requests: acknowledged turns finish and post their answers
        # (Slack does not redeliver an acknowledged event, so a turn cut short here would be lost). Socket Mode
        # stops receiving first; its acks were sent on arrival and the answers go through the Web API client.
        if self._socket is not None:
            await self._socket.close_async()
        if self._inflight:
            log.info("slack: letting %d turns in progress finish", len(self._inflight))
            _done, pending = await asyncio.wait(set(self._inflight), timeout=DRAIN_SECONDS)
            if pending:
                log.warning("slack: %d turns did not finish within %.0f s of shutdown", len(pending), DRAIN_SECONDS)
        if self._flusher is not None:
            self._flusher.cancel()
        if self.threads.pending:
            try:
                await self.services.db.run_short(self.threads.flush)
            except Exception:
                log.warning("slack: %d bot threads were not stored at shutdown", self.threads.pending)
        if self.client.session is not None:
            await self.client.session.close()
        if self.installations is not None:
            await self.installations.close()

    @property
    def poster(self) -> SlackPoster:
        """The proactive-delivery poster for ``services.delivery``."""
        return SlackPoster(self.sender_for)

    # --- one turn --------------------------------------------------------------------------------
    async def _turn(self, msg: IncomingMessage, channel: str, thread_ts: str, kind: str,
                    trigger_id: str = "") -> TurnResult:
        """Route, post the replies where the message came from, remember where we can post later."""
        return await self._deliver(msg, await self.bot.router.handle(msg), channel, thread_ts, kind, trigger_id)

    async def _deliver(self, msg: IncomingMessage, result: TurnResult, channel: str, thread_ts: str, kind: str,
                       trigger_id: str = "", dm_fallback: bool = False) -> TurnResult:
        """Post the replies; with ``dm_fallback`` (a modal opened from a channel the bot cannot post in, such as a
        private channel it was not invited to) a refused channel post goes to the person's DM instead."""
        if result.duplicate or not result.replies:
            return result
        try:
            sender = await self.sender_for(msg.key.tenant)
            await sender.post(channel, result.replies, thread_ts, user=msg.key.user, trigger_id=trigger_id)
        except SEND_ERRORS as exc:
            log.warning("slack reply failed event=%s channel=%s error=%s", msg.event_id, channel, slack_error(exc))
            if dm_fallback and not channel.startswith("D"):
                await self._to_dm(msg, result)
            return result
        await self._remember(msg.key, kind)
        return result

    async def _to_dm(self, msg: IncomingMessage, result: TurnResult) -> None:
        note = Reply("I can't post in the channel you opened this from (invite me there to share answers), so "
                     "here it is privately.")
        try:
            sender = await self.sender_for(msg.key.tenant)
            dm = await sender.dm_channel(msg.key.user)
            await sender.post(dm, (note, *result.replies), user=msg.key.user)
        except SEND_ERRORS as exc:
            log.warning("slack reply to the DM failed too event=%s error=%s", msg.event_id, slack_error(exc))

    async def _remember(self, key: ConversationKey, kind: str) -> None:
        refs = self.services.refs
        user_ref = key.user_ref if kind == "dm" else ""
        if refs is None or (key.tenant, key.channel, user_ref) in self._refs_seen:
            return
        try:
            await self.services.db.run_short(refs.remember, "slack", key.tenant, key.channel, user_ref, kind,
                                       {"team_id": key.tenant})
            self._refs_seen.add((key.tenant, key.channel, user_ref))
        except UNAVAILABLE_ERRORS:  # an outage is reported once per turn by the router; retried next message
            log.warning("slack: conversation reference not stored (database unavailable)")
        except Exception:  # a reference is a convenience; the answer was already posted
            log.exception("slack: could not record the conversation reference")

    # --- events ----------------------------------------------------------------------------------
    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        """``@finops-bot …`` in a channel: answer in the thread of the mention and remember that thread."""
        if _ignored(event) or "edited" in event:
            return
        team, channel, root = team_of(body), event["channel"], event.get("thread_ts") or event["ts"]
        key = ConversationKey("slack", team, channel, root, event["user"])
        msg = IncomingMessage(key, clean_text(event.get("text", ""), context.bot_user_id), body["event_id"],
                              is_direct=True, raw=event)
        self.threads.add(team, channel, root)  # stored by the flush loop: no database hop per mention
        if not await self._only_files(msg, event, channel, root):
            await self._turn(msg, channel, root, "channel")

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        """Direct messages, and follow-ups without a mention in a thread the bot replied in."""
        if _ignored(event):
            return
        team, channel, thread = team_of(body), event["channel"], event.get("thread_ts") or ""
        text = event.get("text", "")
        in_thread = event.get("channel_type") != "im"
        if in_thread:
            bot_id = context.bot_user_id
            if not thread or (bot_id and f"<@{bot_id}" in text):
                return  # not our thread, or an @mention (answered by app_mention)
            if _MENTION.search(text):
                return  # addressed to someone else in the thread
            if not (self.threads.cached(team, channel, thread)
                    or await self.services.db.run_short(self.threads.is_known, team, channel, thread)):
                return
        key = ConversationKey("slack", team, channel, thread, event["user"])
        msg = IncomingMessage(key, clean_text(text, context.bot_user_id), body["event_id"], is_direct=True,
                              raw=event, addressed=not in_thread)
        if not await self._only_files(msg, event, channel, thread):
            await self._turn(msg, channel, thread, "channel" if in_thread else "dm")

    async def _only_files(self, msg: IncomingMessage, event: dict[str, Any], channel: str, thread: str) -> bool:
        """A picture or file with no words (``file_share``): say what the bot can read instead of routing an
        empty message (which would print the whole help)."""
        if msg.text or not event.get("files"):
            return False
        try:
            await (await self.sender_for(msg.key.tenant)).post(channel, (IMAGE_ONLY,), thread)
        except SEND_ERRORS as exc:
            log.warning("slack reply failed event=%s error=%s", msg.event_id, slack_error(exc))
        return True

    async def _on_home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """App Home opened: publish the user's team cards, quick actions and help."""
        if event.get("tab") != "home":
            return
        try:
            team = team_of(body)
            view = await home_view(self.services, self.bot.router.intents, make_ref("slack", team, event["user"]))
            await (await self.sender_for(team)).client.views_publish(user_id=event["user"], view=view)
        except SEND_ERRORS as exc:
            log.warning("slack: views.publish failed: %s", slack_error(exc))

    async def _on_uninstalled(self, body: dict[str, Any]) -> None:
        """The app was removed from a workspace (or its tokens revoked): forget where we could post there and the
        threads we were in, so later nudges to it are recorded as failed instead of being attempted."""
        team = team_of(body)
        if not team:
            return
        self._refs_seen = {seen for seen in self._refs_seen if seen[0] != team}
        self._senders.pop(team, None)
        refs = self.services.refs
        try:
            forgotten = await self.services.db.run(refs.forget, "slack", team) if refs is not None else 0
            threads = await self.services.db.run(self.threads.forget, team)
            if self.installations is not None:  # its bot token too
                await self.installations.forget(team)
        except UNAVAILABLE_ERRORS:
            log.warning("slack: could not forget an uninstalled workspace yet (database unavailable)")
            return
        log.info("slack: app removed from a workspace; forgot %d conversations and %d threads", forgotten, threads)


def mount_slack(web_app: web.Application, bot: Bot) -> SlackAdapter:
    """Create the adapter, mount it and register its poster (called by ``bot.app.mount_adapters``)."""
    press_ids.use_secret(bot.services.settings.slack_signing_secret)  # replicas agree on click ids
    adapter = SlackAdapter(bot)
    adapter.mount(web_app)
    bot.services.delivery.register(adapter.poster)
    return adapter
