"""Red-team item 10: stalled connections are cut off and /healthz still answers (the serve runner's guard)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
from aiohttp import web

from bot.serve_guard import GuardedRunner, Limits, body_deadline


async def _serve(limits: Limits) -> tuple[GuardedRunner, int]:
    app = web.Application(middlewares=[body_deadline(limits.body_seconds)])

    async def healthz(_r: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def echo(r: web.Request) -> web.Response:
        return web.Response(text=str(len(await r.read())))

    app.router.add_get("/healthz", healthz)
    app.router.add_post("/echo", echo)
    runner = GuardedRunner(app, limits, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


def _stalled(port: int, n: int) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finishes its headers
        s.setblocking(False)
        socks.append(s)
    return socks


def _closed(s: socket.socket) -> bool:
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


async def test_many_stalled_connections_do_not_stop_healthz(monkeypatch: Any) -> None:
    runner, port = await _serve(Limits(header_seconds=1.0, body_seconds=1.0, max_connections=20))
    socks = _stalled(port, 60)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as r:
                assert r.status == 200
            await asyncio.sleep(1.6)  # past the header deadline
            assert all(_closed(s) for s in socks)
            async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                assert r.status == 200
    finally:
        for s in socks:
            s.close()
        await runner.cleanup()


async def test_a_trickled_body_is_cut_off() -> None:
    runner, port = await _serve(Limits(header_seconds=5.0, body_seconds=0.5, max_connections=20))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), timeout=3)
        assert b"408" in status
        writer.close()
        async with aiohttp.ClientSession() as session, session.post(f"http://127.0.0.1:{port}/echo",
                                                                    data=b"x" * 10) as r:
            assert r.status == 200 and await r.text() == "10"
    finally:
        await runner.cleanup()
