"""Settings: the only module that reads the environment. Invalid values fail fast with one clear line.

Each setting is a pydantic-settings field whose alias is its environment variable and whose description is the
documentation (``python -m bot.config --markdown`` writes docs/configuration.md; a test keeps them equal).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.identity import parse as parse_ref
from bot.identity import qualify

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


def _between(low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value

    return AfterValidator(check)


def _one_of(options: tuple[str, ...], fold: str = "lower") -> AfterValidator:
    def check(value: str) -> str:
        folded = {o.lower(): o for o in options}.get(value.lower()) if fold == "keep" else getattr(value, fold)()
        if folded not in options:
            raise ValueError(f"must be one of {', '.join(options)}, got {value!r}")
        return folded

    return AfterValidator(check)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _items(value: Any) -> tuple[str, ...]:
    """A comma- (or semicolon-) separated list from the environment, or a tuple given in code."""
    if isinstance(value, str):
        return tuple(p.strip() for p in value.replace(";", ",").split(",") if p.strip())
    return tuple(value)


def _qualified(items: tuple[str, ...]) -> tuple[str, ...]:
    for item in items:
        parse_ref(item)  # the tenant is checked with the other settings (home_tenants)
    return items


def _timezone(value: str) -> str:
    value = value or "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"is not a known IANA time zone: {value!r}") from None
    return value


def _quiet_hours(raw: str) -> str:
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)", raw)
    if raw and (not m or (int(m[1]), m[2]) == (int(m[3]), m[4])):
        raise ValueError(f"must look like 20:00-08:00 (start-end, local time), got {raw!r}")
    return f"{int(m[1]):02d}:{m[2]}-{int(m[3]):02d}:{m[4]}" if m else ""


def _database_url(url: str) -> str:
    if url.startswith(("postgres://", "postgresql://")):  # Heroku-style and bare URLs: the psycopg 3 driver we ship
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url and not url.startswith(("sqlite", "postgresql+psycopg")):
        raise ValueError(f"must be a sqlite:/// or postgresql:// URL, got {url.split(':')[0]!r}")
    return url


# Bot Framework service URL hosts the bot may call (Teams' public and government clouds, the Bot Framework itself).
BOT_FRAMEWORK_HOSTS = ("smba.trafficmanager.net", "*.botframework.com", "*.botframework.us",
                       "*.teams.microsoft.com", "*.teams.microsoft.us", "*.infra.gov.teams.microsoft.us")
COST_SOURCE_SCHEMES = ("s3", "az", "abfs", "abfss", "gs", "gcs")


def _urls(items: tuple[str, ...]) -> tuple[str, ...]:
    urls = tuple(u.rstrip("/") for u in items)
    for url in urls:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", url):
            raise ValueError(f"entries must be scheme://host[:port] without a path, got {url!r}")
    return urls


def _cost_sources(urls: tuple[str, ...]) -> tuple[str, ...]:
    """Export URLs; credentials never belong in them (the providers' own chains supply them)."""
    for url in urls:
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme not in COST_SOURCE_SCHEMES:
            raise ValueError(f"entries must be s3://, az://, abfs:// or gs:// URLs, got {url!r}")
        netloc = url.split("://", 1)[1].split("/", 1)[0]
        if ("@" in netloc and ":" in netloc.split("@", 1)[0]) or "?" in url:
            raise ValueError("must not carry credentials or SAS tokens: use the provider's standard credentials "
                             "(environment, profile, managed identity)")
    return urls


def _fernet_key(raw: str) -> str:
    if raw:
        import base64
        import binascii

        try:
            ok = len(base64.urlsafe_b64decode(raw.encode())) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            raise ValueError("must be a Fernet key (32 url-safe base64 bytes), e.g. from python -c 'import "
                             "cryptography.fernet as f; print(f.Fernet.generate_key().decode())'")
    return raw


def is_loopback(host: str) -> bool:
    """Whether ``serve --host`` is reachable from this machine only."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


Text = Annotated[str, BeforeValidator(_strip)]
Items = Annotated[tuple[str, ...], BeforeValidator(_items)]


def _env(name: str, doc: str, default: Any = "") -> Any:
    return Field(default, validation_alias=name, description=doc)


class Settings(BaseSettings):
    """Every setting of the bot, read once at start-up (``Settings.from_env``); frozen."""

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    database_url: Annotated[Text, AfterValidator(_database_url)] = _env(
        "DATABASE_URL", "SQLite file or `postgresql://user@host:5432/db` (psycopg 3 driver); default "
        "`sqlite:///./finops-bot.db` in the working directory")
    log_level: Annotated[Text, _one_of(LOG_LEVELS, "upper")] = _env(
        "LOG_LEVEL", "`DEBUG`, `INFO`, `WARNING` or `ERROR`", "INFO")
    log_format: Annotated[Text, _one_of(("text", "json"))] = _env(
        "LOG_FORMAT", "`text` (key=value lines) or `json` (one object per line); message text is never logged", "text")
    timezone: Annotated[Text, AfterValidator(_timezone)] = _env(
        "FINOPS_TIMEZONE", "IANA time zone for schedules, \"today\" and month boundaries", "UTC")
    admins: Annotated[Items, AfterValidator(_qualified)] = _env(
        "FINOPS_ADMINS", "comma-separated user ids with their workspace/tenant, e.g. `slack:U0123@T0456,"
        "teams:29:1abc@<tenant id>`; `slack:U0123` alone when SLACK_ALLOWED_TEAMS names one workspace (Teams: "
        "MICROSOFT_APP_TENANT_ID or one TEAMS_ALLOWED_TENANTS)", ())
    demo: bool = _env("FINOPS_DEMO", "load demo data into an empty database (`--no-demo` also turns it off)", True)
    flow_ttl_seconds: Annotated[int, _between(60, 90 * 24 * 3600)] = _env(
        "FINOPS_FLOW_TTL_SECONDS", "an unfinished multi-step conversation expires after this long", 7 * 24 * 3600)
    assessment_ttl_days: Annotated[int, _between(1, 365)] = _env(
        "FINOPS_ASSESSMENT_TTL_DAYS", "a paused maturity assessment expires this many days after its last answer "
        "(reminder one day before)", 7)
    rate_limit_per_minute: Annotated[int, _between(0, 100_000)] = _env(
        "FINOPS_RATE_LIMIT_PER_MINUTE", "messages per user per minute before the bot asks them to slow down "
        "(0 = off)", 60)
    scheduler_grace_minutes: Annotated[int, _between(0, 7 * 24 * 60)] = _env(
        "FINOPS_SCHEDULER_GRACE_MINUTES", "after downtime, one-off jobs overdue by more than this are marked missed "
        "instead of sent late", 60)
    scheduler_interval_seconds: Annotated[int, _between(1, 3600)] = _env(
        "FINOPS_SCHEDULER_INTERVAL_SECONDS", "how often each replica polls for due nudges, reminders and alerts", 5)
    allocation_tag: Annotated[Text, AfterValidator(lambda v: v or "team")] = _env(
        "FINOPS_ALLOCATION_TAG", "FOCUS tag key naming the owning team (keys match case- and space-insensitively)",
        "team")
    cost_column: Annotated[Text, _one_of(("billed", "effective"))] = _env(
        "FINOPS_COST_COLUMN", "default cost column: `billed` (BilledCost) or `effective` (EffectiveCost, amortized)",
        "billed")
    forecast_days: Annotated[int, _between(1, 62)] = _env(
        "FINOPS_FORECAST_DAYS", "run-rate window (days) for the period-end forecast", 7)
    slack_bot_token: Text = _env("SLACK_BOT_TOKEN", "enable Slack for one workspace (with `SLACK_SIGNING_SECRET`)")
    slack_signing_secret: Text = _env("SLACK_SIGNING_SECRET", "verifies every Slack request")
    slack_client_id: Text = _env(
        "SLACK_CLIENT_ID", "instead of `SLACK_BOT_TOKEN`: install into several workspaces by OAuth (`/slack/install`), "
        "with `SLACK_CLIENT_SECRET` and `SLACK_SIGNING_SECRET`")
    slack_client_secret: Text = _env("SLACK_CLIENT_SECRET", "the OAuth client secret (with `SLACK_CLIENT_ID`)")
    slack_app_token: Text = _env("SLACK_APP_TOKEN", "Socket Mode app-level token (`xapp-…`)")
    slack_api_url: Annotated[Text, AfterValidator(lambda v: v or "https://slack.com/api/")] = _env(
        "SLACK_API_URL", "Web API base URL (tests point it at a local fake)", "https://slack.com/api/")
    slack_socket_mode: bool = _env(
        "SLACK_SOCKET_MODE", "connect to Slack over Socket Mode (same as `serve --socket-mode`; needs "
        "`SLACK_APP_TOKEN`)", False)
    teams_app_id: Text = _env("MICROSOFT_APP_ID", "enable Teams (Bot Framework) with this app id")
    teams_app_password: str = _env("MICROSOFT_APP_PASSWORD", "the Bot Framework app password (with the app id)")
    teams_tenant_id: Text = _env("MICROSOFT_APP_TENANT_ID", "single-tenant bots: the tenant id")
    teams_app_type: Annotated[Text, AfterValidator(lambda v: v or "MultiTenant"), _one_of(APP_TYPES, "keep")] = _env(
        "MICROSOFT_APP_TYPE", "`MultiTenant`, `SingleTenant` or `UserAssignedMSI`", "MultiTenant")
    teams_enabled: bool | None = _env(
        "TEAMS_ENABLED", "mount `POST /api/messages`; default: true when `MICROSOFT_APP_ID` is set", None)
    survey_min_responses: Annotated[int, _between(1, 1000)] = _env(
        "FINOPS_SURVEY_MIN_RESPONSES", "an anonymous survey question's results appear once this many people "
        "answered it", 5)
    survey_reminder_hours: Annotated[int, _between(1, 336)] = _env(
        "FINOPS_SURVEY_REMINDER_HOURS", "default hours between survey reminders to people who have not answered", 24)
    survey_max_reminders: Annotated[int, _between(0, 10)] = _env(
        "FINOPS_SURVEY_MAX_REMINDERS", "default number of survey reminders (0 = none)", 2)
    quiet_hours: Annotated[Text, AfterValidator(_quiet_hours)] = _env(
        "FINOPS_QUIET_HOURS", "e.g. `20:00-08:00` in `FINOPS_TIMEZONE`: a nudge due then goes out when they end")
    nudge_max_per_day: Annotated[int, _between(0, 1000)] = _env(
        "FINOPS_NUDGE_MAX_PER_DAY", "nudges per recipient (channel or person) per local day; the excess is recorded "
        "as skipped (0 = no limit)", 3)
    nudge_channels: Items = _env(
        "FINOPS_NUDGE_CHANNELS", "comma-separated allow-list of channels nudges may go to (`C0123`, `#finops`, "
        "`19:…@thread.tacv2`); DMs are not affected", ())
    scheduler_lease_seconds: Annotated[int, _between(1, 3600)] = _env(
        "FINOPS_SCHEDULER_LEASE_SECONDS", "a running job whose replica stopped renewing its lease this long is taken "
        "over by another replica", 60)
    anomaly_threshold_pct: Annotated[int, _between(5, 10_000)] = _env(
        "FINOPS_ANOMALY_THRESHOLD_PCT", "a day's team/service spend this % above its weekday baseline is a spike", 50)
    anomaly_min_amount: Annotated[int, _between(0, 10**9)] = _env(
        "FINOPS_ANOMALY_MIN_AMOUNT", "… and at least this many currency units above it (ignores pennies)", 20)
    cost_sources: Annotated[Items, AfterValidator(_cost_sources)] = _env(
        "FINOPS_COST_SOURCES", "comma-separated export URLs (`s3://`, `az://`, `abfs://`, `gs://`) pulled on a "
        "schedule; credentials come from the provider's standard chain, never from the URL", ())
    cost_pull_every: Annotated[Text, _one_of(("daily", "weekdays", "weekly"))] = _env(
        "FINOPS_COST_PULL", "how often the scheduler pulls `FINOPS_COST_SOURCES`: `daily`, `weekdays` or `weekly`",
        "daily")
    # --- security (docs/security.md) ---
    teams_local_test: bool = _env(
        "TEAMS_LOCAL_TEST", "Teams without an app id and so without authentication, for a local test only: `serve` "
        "then binds loopback only", False)
    teams_test_service_urls: Annotated[Items, AfterValidator(_urls)] = _env(
        "TEAMS_TEST_SERVICE_URLS", "extra allowed Bot Framework serviceUrls (`scheme://host[:port]`, e.g. a local "
        "fake); the Bot Framework's own hosts are always allowed", ())
    slack_allowed_teams: Items = _env(
        "SLACK_ALLOWED_TEAMS", "workspaces (`T…`) or Enterprise Grid orgs (`E…`) that may install and use the bot; "
        "empty = any", ())
    teams_allowed_tenants: Items = _env(
        "TEAMS_ALLOWED_TENANTS", "Entra tenant ids whose Teams activities are handled; empty = any", ())
    metrics_token: Text = _env(
        "FINOPS_METRICS_TOKEN", "when set, `GET /metrics` needs `Authorization: Bearer <token>`")
    token_key: Annotated[Text, AfterValidator(_fernet_key)] = _env(
        "FINOPS_TOKEN_KEY", "Fernet key that encrypts stored Slack OAuth tokens at rest")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Values come only from ``from_env`` (or code): the environment is read in one place, with one mapping."""
        return (init_settings,)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        _check_slack(self)
        if self.teams_app_password and not self.teams_app_id:
            raise ValueError("MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is missing: set both or neither")
        if self.teams_app_type == "SingleTenant" and self.teams_app_id and not self.teams_tenant_id:
            raise ValueError("MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID")
        slack_app = self.slack_bot_token or self.slack_client_id
        if self.slack_socket_mode and not (slack_app and self.slack_app_token.startswith("xapp-")):
            raise ValueError("SLACK_SOCKET_MODE needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and an xapp- "
                             "SLACK_APP_TOKEN")
        if self.teams_enabled is None:
            object.__setattr__(self, "teams_enabled", bool(self.teams_app_id))
        _check_teams_auth(self)
        self.admin_refs  # noqa: B018 - every admin names a workspace/tenant, or start-up stops here
        return self

    @property
    def home_tenants(self) -> dict[str, str]:
        """The one workspace/tenant per platform the deployment is limited to (none when it serves several)."""
        home = {}
        if len(self.slack_allowed_teams) == 1:
            home["slack"] = self.slack_allowed_teams[0]
        teams = (self.teams_tenant_id,) if self.teams_tenant_id else self.teams_allowed_tenants
        if len(teams) == 1:
            home["teams"] = teams[0]
        return home

    @property
    def admin_refs(self) -> frozenset[str]:
        """FINOPS_ADMINS as full user refs (``slack:U1`` completed with the home workspace)."""
        return frozenset(qualify(a, self.home_tenants) for a in self.admins)

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

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (as code sets them: not validated again, like ``dataclasses.replace``)."""
        return self.model_copy(update=changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
        """Read and validate the environment (``os.environ`` by default); a bad value is one ConfigError line."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {alias: env[alias] for alias in env_names() if env.get(alias, "").strip()}
        values.setdefault("DATABASE_URL", f"sqlite:///{(cwd or Path.cwd()) / 'finops-bot.db'}")
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(_one_line(exc, values)) from None


def _check_slack(s: Settings) -> None:
    """Bot token + signing secret (one workspace), or OAuth client id + secret + signing secret (many)."""
    pairs = (("SLACK_CLIENT_ID", s.slack_client_id), ("SLACK_CLIENT_SECRET", s.slack_client_secret))
    _pair(*pairs)
    if s.slack_bot_token and s.slack_client_id:
        raise ValueError("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installed "
                         "into workspaces by OAuth), not both")
    if s.slack_client_id and not s.slack_signing_secret:
        raise ValueError("SLACK_CLIENT_ID is set but SLACK_SIGNING_SECRET is missing: an OAuth install needs both")
    if not s.slack_client_id:
        _pair(("SLACK_BOT_TOKEN", s.slack_bot_token), ("SLACK_SIGNING_SECRET", s.slack_signing_secret))


def _check_teams_auth(s: Settings) -> None:
    """Teams with an empty app id has no authentication: only in the documented local-test mode."""
    if s.teams_enabled and not s.teams_app_id and not s.teams_local_test:
        why = " (MICROSOFT_APP_TENANT_ID is set but the app id is not)" if s.teams_tenant_id else ""
        raise ValueError("TEAMS_ENABLED=true but MICROSOFT_APP_ID is empty" + why + ": Teams authentication would be "
                         "off; set MICROSOFT_APP_ID/PASSWORD, or TEAMS_LOCAL_TEST=true for a local test on 127.0.0.1")
    if s.teams_local_test and s.teams_app_id:
        raise ValueError("TEAMS_LOCAL_TEST=true turns Teams authentication off: unset it or MICROSOFT_APP_ID")


def _pair(first: tuple[str, str], second: tuple[str, str]) -> None:
    """Both or neither: a half-configured pair of secrets is a start-up error."""
    if bool(first[1]) != bool(second[1]):
        present, missing = (first[0], second[0]) if first[1] else (second[0], first[0])
        raise ValueError(f"{present} is set but {missing} is missing: set both or neither")


_TYPE_MESSAGES = {"int_parsing": "must be a whole number", "bool_parsing": "must be true or false",
                  "int_from_float": "must be a whole number"}


def _one_line(exc: ValidationError, values: Mapping[str, Any]) -> str:
    """The first problem as one line that names the environment variable."""
    error = exc.errors()[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a model-level check: its message names the variables itself
        return message
    name = str(error["loc"][0])
    if error["type"] in _TYPE_MESSAGES:
        return f"{name} {_TYPE_MESSAGES[error['type']]}, got {values.get(name)!r}"
    return f"{name} {message}"


def env_names() -> tuple[str, ...]:
    """Every environment variable the bot reads."""
    return tuple(str(f.validation_alias) for f in Settings.model_fields.values())


def markdown() -> str:
    """docs/configuration.md, generated from the fields above."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for field in Settings.model_fields.values():
        default = field.default
        text = str(default).lower() if isinstance(default, bool) else str(default)
        shown = "(none)" if default in ("", (), None) else f"`{text}`"
        rows.append(f"| `{field.validation_alias}` | {shown} | {field.description} |")
    head = ("# Configuration\n\nAll settings come from environment variables, read only in `bot/config.py` "
            "(pydantic-settings). A bad value stops start-up with one line naming the variable (exit status 2).\n"
            "This page is generated: `python -m bot.config --markdown > docs/configuration.md`.\n\n")
    return head + "\n".join(rows) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        sys.stdout.write(markdown())
    else:
        sys.exit("usage: python -m bot.config --markdown")
