"""Slow clients cannot hold the server: a header deadline, a body deadline and a connection cap for ``serve``.

aiohttp has no header read timeout (a client that sends a partial request line and then trickles bytes keeps its
connection for ever) and no connection limit, so 300 half-open requests exhausted 256 file descriptors and
``/healthz`` timed out. ``GuardedRunner`` is aiohttp's ``AppRunner`` whose connections must deliver their request
headers within ``header_seconds`` of connecting (or of the previous response); past ``max_connections`` the
oldest connection that is not handling a request is dropped for the newcomer. ``body_deadline`` is a middleware
reading every body within ``body_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_server import Server

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """The limits ``serve`` applies to every connection."""

    header_seconds: float = 10.0
    body_seconds: float = 20.0
    max_connections: int = 200  # below a container's usual 1024 descriptors, with room for the database pool


class _Guard:
    """The open connections, oldest first, and the deadline checks."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.open: OrderedDict[RequestHandler, None] = OrderedDict()

    def made(self, handler: RequestHandler) -> bool:
        """Register a new connection; False when it must be refused (every slot busy with a request)."""
        if len(self.open) >= self.limits.max_connections:
            idle = next((h for h in self.open if not h._request_in_progress), None)
            if idle is None:
                return False
            self.drop(idle, "connection limit reached")
        self.open[handler] = None
        self.watch(handler, handler._request_count)
        return True

    def watch(self, handler: RequestHandler, served: int) -> None:
        """Close the connection if no new request started within the header deadline."""
        loop = asyncio.get_running_loop()
        loop.call_later(self.limits.header_seconds, self._check, handler, served)

    def _check(self, handler: RequestHandler, served: int) -> None:
        if handler not in self.open:
            return
        if handler._request_in_progress or handler._request_count != served:
            self.watch(handler, handler._request_count)  # busy or moved on: check its next request
            return
        self.drop(handler, "request headers not received in time")

    def drop(self, handler: RequestHandler, why: str) -> None:
        """Close one connection now."""
        self.open.pop(handler, None)
        log.debug("closing a slow connection: %s", why)
        handler.force_close()
        if handler.transport is not None:
            handler.transport.close()


class _Watched(RequestHandler):
    """aiohttp's connection handler, registered with its server's guard while open."""

    __slots__ = ()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Accept, then register (refused when every slot is busy with a request)."""
        super().connection_made(transport)
        if not self._manager.guard.made(self):  # type: ignore[union-attr]
            self.force_close()
            transport.close()

    def connection_lost(self, exc: BaseException | None) -> None:
        """Unregister."""
        if self._manager is not None:
            self._manager.guard.open.pop(self, None)  # type: ignore[attr-defined]
        super().connection_lost(exc)


class _GuardedServer(Server):
    """aiohttp's protocol factory, making ``_Watched`` handlers."""

    guard: _Guard

    def __call__(self) -> RequestHandler:
        handler = super().__call__()
        handler.__class__ = _Watched
        return handler


class GuardedRunner(web.AppRunner):
    """``web.AppRunner`` with the guard on every connection."""

    def __init__(self, app: web.Application, limits: Limits, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.limits = limits

    async def _make_server(self) -> Server:
        server = await super()._make_server()
        server.__class__ = _GuardedServer
        server.guard = _Guard(self.limits)  # type: ignore[attr-defined]
        return server


def body_deadline(seconds: float) -> Callable[..., Awaitable[web.StreamResponse]]:
    """A middleware reading each request body within ``seconds`` (a trickled body is a 408)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        if request.body_exists:
            try:
                async with asyncio.timeout(seconds):
                    await request.read()  # cached: handlers read it again from memory
            except TimeoutError:
                return web.json_response({"error": "request body too slow"}, status=408)
        return await handler(request)

    return middleware


def run_app(app: web.Application, host: str, port: int, limits: Limits = Limits()) -> None:
    """Serve until SIGINT/SIGTERM, then shut down gracefully (what ``web.run_app`` does, with the guard)."""
    app.middlewares.append(body_deadline(limits.body_seconds))

    async def main() -> None:
        runner = GuardedRunner(app, limits, access_log=None, shutdown_timeout=15)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(main())
