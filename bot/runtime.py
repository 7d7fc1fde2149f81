"""The running bot as adapters see it: services, router and start/stop hooks (built by ``bot/app.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.router import Router
from bot.services import Services

Hook = Callable[[], Awaitable[None]]


@dataclass
class Bot:
    """A fully wired bot: services, router, and start/stop hooks for background work."""

    services: Services
    router: Router
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)
    background: list[asyncio.Task[None]] = field(default_factory=list)  # one-off start-up work


BOT_KEY = web.AppKey("bot", Bot)  # the Bot on its aiohttp application
