"""Helpers shared by the benchmarks: result rows, percentiles, free ports, RSS."""

from __future__ import annotations

import socket
from typing import Any


def row(name: str, ours: float, baseline: float | None, target: str, passed: bool, unit: str = "") -> dict[str, Any]:
    """One line of the benchmark table."""
    ratio = round(ours / baseline, 2) if baseline else None
    return {"name": name, "ours": round(ours, 3), "baseline": None if baseline is None else round(baseline, 3),
            "ratio": ratio, "target": target, "passed": bool(passed), "unit": unit}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB."""
    import psutil

    return psutil.Process(pid).memory_info().rss / 1024 / 1024
