"""Settings: the only module that reads the environment. Invalid values fail fast with one clear line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, options: tuple[str, ...], default: str) -> str:
    raw = env.get(name, "").strip().lower() or default
    if raw not in options:
        raise ConfigError(f"{name} must be one of {', '.join(options)}, got {raw!r}")
    return raw


def _pair(env: Mapping[str, str], first: str, second: str) -> tuple[str, str]:
    """Both or neither: a half-configured pair of secrets is a start-up error."""
    a, b = env.get(first, "").strip(), env.get(second, "").strip()
    if bool(a) != bool(b):
        missing = second if a else first
        present = first if a else second
        raise ConfigError(f"{present} is set but {missing} is missing: set both or neither")
    return a, b


def _slack(env: Mapping[str, str]) -> tuple[str, str, str, str]:
    """Bot token + signing secret (one workspace), or OAuth client id + secret + signing secret (many)."""
    client_id, client_secret = _pair(env, "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
    token, secret = env.get("SLACK_BOT_TOKEN", "").strip(), env.get("SLACK_SIGNING_SECRET", "").strip()
    if token and client_id:
        raise ConfigError("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installed "
                          "into workspaces by OAuth), not both")
    if client_id and not secret:
        raise ConfigError("SLACK_CLIENT_ID is set but SLACK_SIGNING_SECRET is missing: an OAuth install needs both")
    if not client_id:
        token, secret = _pair(env, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    return token, secret, client_id, client_secret


def _admins(env: Mapping[str, str]) -> tuple[str, ...]:
    items = [p.strip() for p in env.get("FINOPS_ADMINS", "").replace(";", ",").split(",") if p.strip()]
    for item in items:
        if ":" not in item:
            raise ConfigError(f"FINOPS_ADMINS entries must be platform-qualified (slack:U123), got {item!r}")
    return tuple(items)


def _socket_mode(env: Mapping[str, str], slack_enabled: bool) -> bool:
    on = _bool(env, "SLACK_SOCKET_MODE", False)
    if on and not (slack_enabled and env.get("SLACK_APP_TOKEN", "").strip().startswith("xapp-")):
        raise ConfigError("SLACK_SOCKET_MODE needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and an xapp- SLACK_APP_TOKEN")
    return on


def _quiet_hours(env: Mapping[str, str]) -> str:
    raw = env.get("FINOPS_QUIET_HOURS", "").strip()
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)", raw)
    if raw and (not m or (int(m[1]), m[2]) == (int(m[3]), m[4])):
        raise ConfigError(f"FINOPS_QUIET_HOURS must look like 20:00-08:00 (start-end, local time), got {raw!r}")
    return f"{int(m[1]):02d}:{m[2]}-{int(m[3]):02d}:{m[4]}" if m else ""


def _database_url(env: Mapping[str, str], cwd: Path) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{cwd / 'finops-bot.db'}"
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        # Heroku-style and bare URLs: use the psycopg 3 driver we ship.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite") or url.startswith("postgresql+psycopg")):
        raise ConfigError(f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {url.split(':')[0]!r}")
    return url


@dataclass(frozen=True)
class Settings:
    """Every setting of the bot, read once at start-up."""

    database_url: str
    log_level: str = "INFO"
    timezone: str = "UTC"
    admins: tuple[str, ...] = ()
    demo: bool = True
    flow_ttl_seconds: int = 7 * 24 * 3600
    assessment_ttl_days: int = 7  # a paused maturity assessment expires after this
    scheduler_grace_minutes: int = 60
    rate_limit_per_minute: int = 60
    log_format: str = "text"
    scheduler_interval_seconds: int = 5
    allocation_tag: str = "team"  # FOCUS tag key that names the owning team (case/space-insensitive)
    cost_column: str = "billed"  # billed (BilledCost) | effective (EffectiveCost, amortized)
    forecast_days: int = 7  # run-rate window for the period-end forecast
    anomaly_threshold_pct: int = 50  # a day's team/service spend this % above its weekday baseline is a spike
    anomaly_min_amount: int = 20  # … and at least this many currency units above it (ignores pennies)
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_client_id: str = ""  # with the secret: installed into workspaces by OAuth, a bot token per workspace
    slack_client_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    slack_socket_mode: bool = False  # SLACK_SOCKET_MODE or `serve --socket-mode`; needs SLACK_APP_TOKEN
    teams_app_id: str = ""
    teams_app_password: str = ""
    teams_tenant_id: str = ""
    teams_app_type: str = "MultiTenant"
    teams_enabled: bool = False
    survey_min_responses: int = 5  # anonymous survey results appear once this many people answered a question
    survey_reminder_hours: int = 24  # default hours between survey reminders
    survey_max_reminders: int = 2  # default number of reminders to people who have not answered
    quiet_hours: str = ""  # "20:00-08:00" in the tenant time zone: nudges due then wait until the end
    nudge_max_per_day: int = 3  # nudges per recipient per local day (0 = no limit)
    nudge_channels: tuple[str, ...] = ()  # when set, the only channels nudges may go to

    @property
    def tz(self) -> ZoneInfo:
        """The tenant time zone used for schedules and 'today'."""
        return ZoneInfo(self.timezone)

    @property
    def slack_enabled(self) -> bool:
        """Slack runs with a signing secret and either a bot token (one workspace) or an OAuth client."""
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_oauth))

    @property
    def slack_oauth(self) -> bool:
        """Installed into workspaces by OAuth (``/slack/install``) instead of one bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
        """Read and validate the environment (``os.environ`` by default)."""
        env = dict(os.environ if env is None else env)
        level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
        tz = env.get("FINOPS_TIMEZONE", "UTC").strip() or "UTC"
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"FINOPS_TIMEZONE is not a known IANA time zone: {tz!r}") from None
        slack_token, slack_secret, client_id, client_secret = _slack(env)
        app_id, app_password = env.get("MICROSOFT_APP_ID", "").strip(), env.get("MICROSOFT_APP_PASSWORD", "")
        if app_password and not app_id:
            raise ConfigError("MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is missing: set both or neither")
        app_type = env.get("MICROSOFT_APP_TYPE", "MultiTenant").strip() or "MultiTenant"
        if app_type not in ("MultiTenant", "SingleTenant", "UserAssignedMSI"):
            raise ConfigError(f"MICROSOFT_APP_TYPE must be MultiTenant or SingleTenant, got {app_type!r}")
        tenant = env.get("MICROSOFT_APP_TENANT_ID", "").strip()
        if app_type == "SingleTenant" and app_id and not tenant:
            raise ConfigError("MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID")
        return cls(
            database_url=_database_url(env, cwd or Path.cwd()),
            log_level=level,
            timezone=tz,
            admins=_admins(env),
            demo=_bool(env, "FINOPS_DEMO", True),
            flow_ttl_seconds=_int(env, "FINOPS_FLOW_TTL_SECONDS", 7 * 24 * 3600, 60, 90 * 24 * 3600),
            assessment_ttl_days=_int(env, "FINOPS_ASSESSMENT_TTL_DAYS", 7, 1, 365),
            rate_limit_per_minute=_int(env, "FINOPS_RATE_LIMIT_PER_MINUTE", 60, 0, 100_000),
            log_format=_choice(env, "LOG_FORMAT", ("text", "json"), "text"),
            scheduler_grace_minutes=_int(env, "FINOPS_SCHEDULER_GRACE_MINUTES", 60, 0, 7 * 24 * 60),
            scheduler_interval_seconds=_int(env, "FINOPS_SCHEDULER_INTERVAL_SECONDS", 5, 1, 3600),
            allocation_tag=env.get("FINOPS_ALLOCATION_TAG", "").strip() or "team",
            cost_column=_choice(env, "FINOPS_COST_COLUMN", ("billed", "effective"), "billed"),
            forecast_days=_int(env, "FINOPS_FORECAST_DAYS", 7, 1, 62),
            anomaly_threshold_pct=_int(env, "FINOPS_ANOMALY_THRESHOLD_PCT", 50, 5, 10_000),
            anomaly_min_amount=_int(env, "FINOPS_ANOMALY_MIN_AMOUNT", 20, 0, 10**9),
            slack_bot_token=slack_token,
            slack_signing_secret=slack_secret,
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            slack_api_url=env.get("SLACK_API_URL", "").strip() or "https://slack.com/api/",
            slack_socket_mode=_socket_mode(env, bool(slack_token or client_id)),
            teams_app_id=app_id,
            teams_app_password=app_password,
            teams_tenant_id=tenant,
            teams_app_type=app_type,
            teams_enabled=_bool(env, "TEAMS_ENABLED", bool(app_id)),
            survey_min_responses=_int(env, "FINOPS_SURVEY_MIN_RESPONSES", 5, 1, 1000),
            survey_reminder_hours=_int(env, "FINOPS_SURVEY_REMINDER_HOURS", 24, 1, 336),
            survey_max_reminders=_int(env, "FINOPS_SURVEY_MAX_REMINDERS", 2, 0, 10),
            quiet_hours=_quiet_hours(env),
            nudge_max_per_day=_int(env, "FINOPS_NUDGE_MAX_PER_DAY", 3, 0, 1000),
            nudge_channels=tuple(c.strip() for c in env.get("FINOPS_NUDGE_CHANNELS", "").split(",") if c.strip()),
        )
