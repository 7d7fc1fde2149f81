"""DuckDB settings for imports and progress on long ones (rows/s and % of the file, on a terminal)."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

Progress = Callable[[float], None]  # called with DuckDB's percent done (0-100)
THREADS = max(1, int(os.environ.get("FINOPS_IMPORT_THREADS", "0") or 0) or (os.cpu_count() or 1))
MEMORY_LIMIT = os.environ.get("FINOPS_IMPORT_MEMORY", "") or "256MB"  # DuckDB's buffer pool; spills to disk beyond
TEMP_DIR = str(Path(tempfile.gettempdir()) / f"finops-bot-duckdb-{os.getpid()}")  # one per process: no clashes


def duckdb_config() -> dict[str, Any]:
    """Connection settings: bounded memory (aggregates spill to ``TEMP_DIR``), no insertion order to keep."""
    return {"threads": THREADS, "memory_limit": MEMORY_LIMIT, "preserve_insertion_order": False,
            "temp_directory": TEMP_DIR}


class Watch:
    """Polls a running DuckDB query's progress on a thread and reports it."""

    def __init__(self, con: Any, report: Progress, every: float = 0.5) -> None:
        self.con, self.report, self.every = con, report, every
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin polling."""
        self._thread = threading.Thread(target=self._run, name="import-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (idempotent)."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._done.wait(self.every):
            try:
                pct = float(self.con.query_progress())
            except Exception:  # the query finished or the connection closed between two polls
                return
            if pct >= 0:
                self.report(pct)


def estimate_rows(path: Path, sample: int = 1 << 20) -> int:
    """Rows in a CSV file from the newlines in its first MiB (0 when compressed or Parquet)."""
    with path.open("rb") as fh:
        head = fh.read(sample)
    if head[:2] == b"\x1f\x8b" or head[:4] == b"PAR1" or not head.count(b"\n"):
        return 0
    return int(path.stat().st_size / (len(head) / head.count(b"\n")))


def clear(out: TextIO | None = None) -> None:
    """Erase the progress line."""
    out = out or sys.stdout
    out.write("\r" + " " * 78 + "\r")
    out.flush()


def terminal(path: Path, label: str, out: TextIO | None = None) -> Progress | None:
    """A progress line for ``path`` when ``out`` (stdout) is a terminal, else None."""
    out = out or sys.stdout
    if not out.isatty():
        return None
    size, rows, started = path.stat().st_size, estimate_rows(path), time.monotonic()

    def report(pct: float) -> None:
        elapsed = max(time.monotonic() - started, 1e-3)
        rate = f", ~{rows * pct / 100 / elapsed:,.0f} rows/s" if rows else ""
        out.write(f"\r  {label}: {pct:5.1f}% of {size / 1e6:,.0f} MB{rate}   ")
        out.flush()

    return report
