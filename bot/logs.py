"""Logging set-up: structured records (text key=value or JSON lines); message text is never logged at INFO."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message key=value …``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The classic line plus the structured fields."""
        line = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        return f"{line} {fields}" if fields else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        """time, level, logger, message, the structured fields and any exception."""
        data: dict[str, Any] = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                                "message": record.getMessage(), **_extras(record)}
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def configure(level: str = "INFO", fmt: str = "text", stream: Any = None) -> None:
    """Configure the root logger once (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_finops", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._finops = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("aiohttp.access", "alembic", "matplotlib", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # slack_sdk tests its client logger's own level (not the effective one) before formatting two debug strings per
    # Web API call: left unset (0), it formats them on every call only for logging to drop them.
    for client in ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client"):
        logging.getLogger(client).setLevel(root.level)
