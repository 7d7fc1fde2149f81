"""Logging set-up: one line per record, key=value style, never message text at INFO."""

from __future__ import annotations

import logging
import sys


def configure(level: str = "INFO", stream: object = None) -> None:
    """Configure the root logger once (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_finops", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler._finops = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("aiohttp.access", "alembic.runtime.migration", "matplotlib", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
