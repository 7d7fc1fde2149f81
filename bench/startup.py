"""Start-up and idle memory: ``finops-bot serve`` on a fresh database until ``/healthz`` answers.

Baseline, in the same run: a bare aiohttp app with one ``/healthz`` route started the same way.
``python -m bench.startup``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

from bench.common import free_port, row, rss_mb

BARE = """
import sys
from aiohttp import web
app = web.Application()
app.router.add_get("/healthz", lambda r: web.json_response({"status": "ok"}))
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _time_to_health(cmd: list[str], port: int, env: dict[str, str], cwd: str) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 30:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                elapsed = time.perf_counter() - started
                return elapsed, rss_mb(proc.pid)
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"{cmd[0]} did not answer /healthz within 30 s")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def run() -> list[dict[str, Any]]:
    """Rows: start-up to /healthz (fresh database with demo data, and warm), idle RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "LOG_LEVEL": "WARNING"}
        serve = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port"]
        port = free_port()
        cold, _ = _time_to_health([*serve, str(port)], port, env, tmp)
        port = free_port()
        warm, rss = _time_to_health([*serve, str(port)], port, env, tmp)
        port = free_port()
        bare, _ = _time_to_health([sys.executable, "-c", BARE, str(port)], port, env, tmp)
    return [
        row("start-up to /healthz, empty db + demo (s)", cold, bare, "< 2 s", cold < 2.0, "s"),
        row("start-up to /healthz, existing db (s)", warm, bare, "< 2 s", warm < 2.0, "s"),
        row("serving RSS after start (MB)", rss, None, "< 150 MB", rss < 150, "MB"),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
