"""Logging set-up: structured records (text key=value or JSON lines); message text is never logged at INFO."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
MAX_FIELD = 2000  # characters of one logged value (message or field): a flood of huge bodies cannot fill the disk
# SDKs that log request/response bodies (tokens, message text, survey clicks) below WARNING: kept at WARNING.
QUIET_SDKS = ("slack_bolt", "slack_sdk", "msrest", "botbuilder", "botframework", "msal", "sqlalchemy.engine",
              "aiohttp.access", "alembic", "matplotlib", "urllib3")
_SECRETS = re.compile(r"(xox[a-z]-|xapp-|xoxe\.xox[a-z]-|xoxe-)[A-Za-z0-9-]+|(?i:bearer)\s+[A-Za-z0-9._~+/=-]+|"
                      r"(?i:(\"?(?:access_token|refresh_token|bot_token|client_secret|password)\"?\s*[:=]\s*\"?))"
                      r"[^\s\",&]+")
_ANSWERS = re.compile(r"(survey:\d+:\d+:)[\w-]+")  # a survey button value is an answer
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _redact_secret(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1) + "[redacted]"
    if m.group(2):
        return m.group(2) + "[redacted]"
    return m.group(0).split()[0] + " [redacted]"


def clean(value: object) -> str:
    """A value as it may be logged: tokens and survey answers redacted, control characters escaped (no forged
    lines), at most MAX_FIELD characters."""
    text = str(value)
    if len(text) > 4 * MAX_FIELD:
        text = text[:4 * MAX_FIELD]
    text = _ANSWERS.sub(r"\1[redacted]", _SECRETS.sub(_redact_secret, text))
    text = _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
    return text if len(text) <= MAX_FIELD else text[:MAX_FIELD] + f"…[{len(text) - MAX_FIELD} more]"


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: clean(v) for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


def _message(record: logging.LogRecord) -> str:
    try:
        return clean(record.getMessage())
    except Exception:  # a bad %-format in a library call: log the template, never fail the caller
        return clean(record.msg)


class QuietSdks(logging.Filter):
    """Drops records below WARNING from the SDKs that log bodies, whatever their logger's own level is (bolt copies
    the root level onto every logger it creates)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep our records and the SDKs' warnings and errors."""
        return record.levelno >= logging.WARNING or not record.name.startswith(QUIET_SDKS)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message key=value …``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The classic line plus the structured fields, every part cleaned (see ``clean``)."""
        line = f"{self.formatTime(record)} {record.levelname} {clean(record.name)} {_message(record)}"
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{line} {fields}" if fields else line
        if record.exc_info:
            line += " " + clean(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        """time, level, logger, message, the structured fields and any exception."""
        data: dict[str, Any] = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                                "message": _message(record), **_extras(record)}
        if record.exc_info:
            data["exception"] = clean(self.formatException(record.exc_info))
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
    handler.addFilter(QuietSdks())
    root.addHandler(handler)
    root.setLevel(level)
    # Also their loggers' levels, so they do not even format what would be dropped (slack_sdk tests its client
    # logger's own level before formatting two debug strings per Web API call).
    for noisy in (*QUIET_SDKS, "slack_sdk.web.async_base_client", "slack_sdk.web.base_client"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
