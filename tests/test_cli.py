"""The command line as a person uses it: ask --json, chat over stdin, serve answering /healthz."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

EXE = [sys.executable, "-m", "bot"]


def _run(args: list[str], cwd: Path, stdin: bytes = b"", env: dict[str, str] | None = None):
    full_env = {**os.environ, "DATABASE_URL": f"sqlite:///{cwd / 'cli.db'}", **(env or {})}
    return subprocess.run(EXE + args, input=stdin, capture_output=True, cwd=cwd, env=full_env, timeout=120)


def test_ask_json_shape_and_bad_input(tmp_path: Path) -> None:
    lines = b"help\n\n" + b"x" * 100_000 + b"\n\xff\xfe\x00 binary\nwhat is the weather\n"
    proc = _run(["ask", "--json"], tmp_path, lines)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(rows) == 5
    for row in rows:
        assert set(row) == {"question", "intent", "topic", "confidence", "text", "sources", "entities", "handled_by"}
        assert row["intent"] in {"framework_question", "budget_status", "maturity_status",
                                 "start_assessment", "help", "unknown"}
        assert isinstance(row["text"], str) and row["text"]
    assert rows[0]["intent"] == "help"
    assert b"Traceback" not in proc.stderr


def test_ask_single_question_from_arguments(tmp_path: Path) -> None:
    proc = _run(["ask", "--json", "help"], tmp_path)
    assert json.loads(proc.stdout)["intent"] == "help"


def test_chat_over_stdin(tmp_path: Path) -> None:
    proc = _run(["chat"], tmp_path, b"help\ncancel\nexit\n")
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "Here is what I can do" in out and "nothing to cancel" in out


def test_unknown_command_and_bad_config_are_clear(tmp_path: Path) -> None:
    proc = _run(["frobnicate"], tmp_path)
    assert proc.returncode == 2 and b"invalid choice" in proc.stderr and b"Traceback" not in proc.stderr
    proc = _run(["ask", "help"], tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().startswith("finops-bot: configuration error: SLACK_BOT_TOKEN")


def test_db_upgrade_twice_keeps_data(tmp_path: Path) -> None:
    assert _run(["ask", "help"], tmp_path).returncode == 0
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    proc = _run(["db", "upgrade"], tmp_path)
    assert proc.returncode == 0 and b"up to date" in proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_healthz_and_metrics(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    proc = subprocess.Popen([*EXE, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, body = time.monotonic() + 20, None
        while time.monotonic() < deadline and body is None:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            except OSError:
                time.sleep(0.05)
        assert body is not None and json.loads(body)["status"] == "ok"
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
        assert "finops_turn_seconds" in metrics
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode == 0, proc.stderr.read().decode()
