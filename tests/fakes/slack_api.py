"""A local fake of the Slack Web API (aiohttp on 127.0.0.1) that records every call; for tests and benchmarks.

Answers auth.test, users.info (names in ``users``), oauth.v2.access (install codes in ``installs``),
chat.postMessage, chat.postEphemeral, chat.update, views.publish, views.open (a trigger works once; a view
breaking Slack's rules is refused with ``invalid_arguments``), conversations.open, files.getUploadURLExternal,
the upload URL, files.completeUploadExternal (``not_in_channel`` outside ``members``, when set) and response_url
posts; each call records the token it was made with. Failures can be scripted per method (``fail``), e.g.
``ratelimited`` with HTTP 429 and ``Retry-After``, and rate limits enforced per method and per channel (``limit``):
calls over them get 429 with ``Retry-After``, as from Slack.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER, BOT_ID, TEAM = "UBOT", "BBOT", "T0001"


@dataclass
class Call:
    """One request the fake received."""

    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    token: str = ""  # the bearer token the call was made with (each workspace has its own with OAuth)
    failed: str = ""  # the scripted error it was answered with (``fail``), if any


@dataclass
class RateLimit:
    """At most ``per_channel`` calls to one channel and ``per_method`` calls in all per ``window`` seconds (like
    Slack: chat.postMessage ~1/s per channel, Tier limits per method); beyond that HTTP 429 with Retry-After."""

    per_channel: int | None = None
    per_method: int | None = None
    window: float = 1.0
    retry_after: int = 1
    seen: list[tuple[float, str]] = field(default_factory=list)  # (time, channel) of accepted calls
    refused: int = 0

    def admit(self, channel: str, now: float) -> bool:
        """Count the call, or False when it is over a limit."""
        self.seen = [(t, c) for t, c in self.seen if now - t < self.window]
        if (self.per_method is not None and len(self.seen) >= self.per_method) or (
                self.per_channel is not None and sum(c == channel for _, c in self.seen) >= self.per_channel):
            self.refused += 1
            return False
        self.seen.append((now, channel))
        return True


@dataclass
class Failure:
    """A scripted error answer for the next ``times`` calls of a method."""

    error: str
    times: int = 1
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlackAPI:
    """Start with ``await fake.start()``; point ``SLACK_API_URL`` at ``fake.api_url``; read ``fake.calls``."""

    def __init__(self, record: bool = True) -> None:
        self.calls: list[Call] = []
        self.record = record
        self.failures: dict[str, list[Failure]] = {}
        self.on_post: Callable[[Call], None] | None = None  # benchmarks timestamp chat.postMessage here
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.socket_envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # pushed to Socket Mode clients
        self.socket_acks: list[dict[str, Any]] = []
        self._triggers_used: set[str] = set()
        self.installs: dict[str, str] = {}  # OAuth install code → team id (oauth.v2.access)
        self.users: dict[str, str] = {}  # user id → display name (users.info; others are user_not_found)
        self.members: set[str] | None = None  # channels the bot is in (None: all); uploads elsewhere fail
        self.limits: dict[str, RateLimit] = {}  # method → enforced rate limit (``limit``)

    @property
    def api_url(self) -> str:
        """Base URL for ``AsyncWebClient(base_url=...)``."""
        return f"{self.url}/api/"

    def fail(self, method: str, error: str, times: int = 1, status: int = 200, **headers: str) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}``."""
        self.failures.setdefault(method, []).append(Failure(error, times, status, headers))

    def limit(self, method: str, per_channel: int | None = None, per_method: int | None = None,
              window: float = 1.0, retry_after: int = 1) -> RateLimit:
        """Enforce a rate limit on ``method``: calls over it are answered 429 ``ratelimited`` (not recorded)."""
        self.limits[method] = RateLimit(per_channel, per_method, window, retry_after)
        return self.limits[method]

    def of(self, method: str) -> list[Call]:
        """The recorded calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` arrived (listeners run after the ack)."""
        deadline = time.monotonic() + timeout
        while len(self.of(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method}: {len(self.of(method))} calls, expected {count}: {self.calls!r}")
            await asyncio.sleep(0.01)
        return self.of(method)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on a free port; returns the base URL."""
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # users.info and other read methods are GETs
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{token}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        """Shut the server down."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        # slack_sdk sends ``params=`` methods as a query string and ``json=`` methods as a JSON body
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            return {**args, **await request.json()}
        args.update(await request.post())
        for name in ("blocks", "view", "files", "attachments"):
            if isinstance(args.get(name), str) and args[name][:1] in "[{":
                args[name] = json.loads(args[name])
        return args

    def _scripted(self, method: str) -> tuple[web.Response, str] | None:
        queue = self.failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return web.json_response({"ok": False, "error": failure.error}, status=failure.status,
                                 headers=failure.headers), failure.error

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        auth = request.headers.get("Authorization", "")
        call = Call(method, await self._args(request), token=auth.removeprefix("Bearer ").strip())
        limit = self.limits.get(method)
        if limit is not None and not limit.admit(str(call.args.get("channel") or call.args.get("users") or ""),
                                                 time.monotonic()):
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(limit.retry_after)})
        if self.record:
            self.calls.append(call)
        if self.on_post is not None and method == "chat.postMessage":
            self.on_post(call)
        scripted = self._scripted(method)
        if scripted is not None:
            call.failed = str(scripted[1])
            return scripted[0]
        ruled = self._platform_rule(method, call.args)
        if ruled is not None:
            return web.json_response(ruled)
        return web.json_response(self._answer(method, call.args))

    def _platform_rule(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Answers that follow a Slack rule beyond the happy path (people, channel membership), or None."""
        if method == "users.info":
            user = str(args.get("user", ""))
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            name = self.users[user]
            return {"ok": True, "user": {"id": user, "team_id": TEAM, "name": name.lower().replace(" ", "."),
                                         "real_name": name, "profile": {"display_name": name, "real_name": name}}}
        # chat:write.public lets the bot post in any public channel, but a file needs membership:
        # https://docs.slack.dev/reference/methods/files.completeUploadExternal (error not_in_channel)
        channel = str(args.get("channel_id") or args.get("channels") or "")
        if method == "files.completeUploadExternal" and self.members is not None and channel not in self.members:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "apps.connections.open":
            return {"ok": True, "url": f"{self.url.replace('http', 'ws', 1)}/socket"}
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "finops-bot",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.update"):
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts") or ts,
                    "message": {"text": args.get("text"), "blocks": args.get("blocks"), "ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "X")).lstrip("UW")}}
        if method == "oauth.v2.access":  # the install code of ``installs`` → that workspace's bot token
            team = self.installs.get(str(args.get("code")))
            if team is None:
                return {"ok": False, "error": "invalid_code"}
            return {"ok": True, "app_id": "A0001", "authed_user": {"id": "U1"}, "scope": "chat:write,commands",
                    "token_type": "bot", "access_token": f"xoxb-{team}", "bot_user_id": BOT_USER,
                    "team": {"id": team, "name": f"Workspace {team}"}, "enterprise": None,
                    "is_enterprise_install": False}
        if method == "views.open":
            trigger, view = str(args.get("trigger_id") or ""), args.get("view") or {}
            if not trigger or trigger in self._triggers_used:
                return {"ok": False, "error": "expired_trigger_id"}
            self._triggers_used.add(trigger)
            problems = view_problems(view)
            if problems:
                return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", "hash": f"h{next(self._ts)}", **view}}
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):05d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in args.get("files", [])]}
        return {"ok": True}

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"], "length": len(body),
                                          "png": body[:8] == b"\x89PNG\r\n\x1a\n"}))
        return web.Response(text="OK - " + str(len(body)))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, push queued envelopes, record the client's acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}})

        async def push() -> None:
            while True:
                await ws.send_json(await self.socket_envelopes.get())

        pusher = asyncio.create_task(push())
        try:
            async for frame in ws:
                if frame.type == 1:  # text
                    self.socket_acks.append(json.loads(frame.data))
        finally:
            pusher.cancel()
        return ws

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", {"token": request.match_info["token"], **await request.json()}))
        return web.Response(text="ok")


def _text_over(obj: Any, limit: int) -> bool:
    return not isinstance(obj, dict) or obj.get("type") != "plain_text" or not 0 < len(obj.get("text", "")) <= limit


def view_problems(view: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a modal (the rules of views.open that our modals touch)."""
    problems = []
    if view.get("type") != "modal":
        problems.append("type must be modal")
    for name in ("title", "submit", "close"):
        if name in view and _text_over(view[name], 24):
            problems.append(f"{name} must be plain_text of 1-24 characters")
    blocks = view.get("blocks") or []
    if not 0 < len(blocks) <= 100:
        problems.append("a view has 1-100 blocks")
    if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
        problems.append("a view with input blocks needs submit")
    if len(view.get("private_metadata", "")) > 3000 or len(view.get("callback_id", "")) > 255:
        problems.append("private_metadata max 3000, callback_id max 255 characters")
    ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    if len(ids) != len(set(ids)):
        problems.append("block_id must be unique")
    for block in (b for b in blocks if b.get("type") == "input"):
        element = block.get("element") or {}
        if _text_over(block.get("label"), 2000) or ("hint" in block and _text_over(block["hint"], 2000)):
            problems.append("input label and hint: plain_text of 1-2000 characters")
        if element.get("type") == "static_select":
            options = element.get("options") or []
            if not 0 < len(options) <= 100 or any(_text_over(o.get("text"), 75) or not 0 < len(o.get("value", ""))
                                                  <= 150 for o in options):
                problems.append("static_select: 1-100 options of 75 characters, values of 1-150")
            if "initial_option" in element and element["initial_option"] not in options:
                problems.append("initial_option must be one of the options")
        elif element.get("type") == "plain_text_input":
            if len(element.get("initial_value", "")) > 3000:
                problems.append("initial_value max 3000 characters")
        else:
            problems.append(f"unexpected element {element.get('type')!r}")
    return problems
