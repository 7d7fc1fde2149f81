"""``finops-bot ask --json`` throughput: 1,000 questions in one process, minus the start-up of a 1-line run.

``python -m bench.ask``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.common import row

QUESTIONS = [
    "what is the inform phase", "who owns rate optimization?", "wat is showback", "what's the weather",
    "help", "budget status for payments", "what is FOCUS BilledCost", "how do savings plans work",
    "tell me a joke", "what are the six finops principles",
]


def _run(lines: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "--json"], input="\n".join(lines) + "\n",
                          text=True, capture_output=True, env=env, cwd=cwd, timeout=300)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or len(proc.stdout.splitlines()) != len(lines):
        raise RuntimeError(f"ask failed: {proc.stderr[-500:]}")
    return elapsed


def run(n: int = 1000) -> list[dict[str, Any]]:
    """Rows: wall time for n lines beyond start-up (the 1-line run is the baseline)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/ask.db", "LOG_LEVEL": "WARNING"}
        _run(["help"], env, tmp)  # create and migrate the database, load the demo
        one = _run(["help"], env, tmp)
        many = _run([QUESTIONS[i % len(QUESTIONS)] for i in range(n)], env, tmp)
    beyond = many - one
    return [row(f"ask --json: {n} lines beyond start-up (s)", beyond, one, "< 2 s", beyond < 2.0, "s")]


if __name__ == "__main__":
    for r in run():
        print(r)
