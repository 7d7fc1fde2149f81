"""Installing the Slack app into several workspaces by OAuth: slack_sdk's installation and state stores on our
database, and a bot token per workspace.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` (instead of ``SLACK_BOT_TOKEN``), ``GET /slack/install`` starts
the install and ``GET /slack/oauth_redirect`` finishes it (bolt's OAuth flow); each installation is stored by
slack_sdk's ``AsyncSQLAlchemyInstallationStore`` in ``slack_installations`` / ``slack_bots`` (created by our
migration ``slack_0002``), and bolt authorizes every request with the token of its workspace.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import Settings

log = logging.getLogger(__name__)
SEALED = "fernet:"  # stored tokens with this prefix are encrypted; older plain rows still read
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"
STATE_SECONDS = 600  # an install must finish within 10 minutes
# The bot scopes of slack/manifest.yaml (tests/test_slack_oauth.py checks they stay the same).
BOT_SCOPES = ("app_mentions:read", "channels:history", "groups:history", "im:history", "mpim:history", "chat:write",
              "chat:write.public", "commands", "im:write", "files:write", "users:read")


def async_url(url: str) -> str:
    """Our DATABASE_URL with the async driver slack_sdk's stores need (aiosqlite, psycopg's async mode)."""
    if url.startswith("sqlite"):
        return "sqlite+aiosqlite" + url[url.index(":"):]
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme.startswith("postgres") else url


class InstallNotAllowed(PermissionError):
    """A workspace outside ``SLACK_ALLOWED_TEAMS`` tried to install the app."""


class TokenBox:
    """Encrypts tokens at rest with Fernet (``FINOPS_TOKEN_KEY``); without a key tokens are stored as they are."""

    def __init__(self, key: str) -> None:
        self.fernet = Fernet(key.encode()) if key else None

    def seal(self, token: str | None) -> str | None:
        """The stored form of a token."""
        if not token or self.fernet is None or token.startswith(SEALED):
            return token
        return SEALED + self.fernet.encrypt(token.encode()).decode()

    def open(self, stored: str | None) -> str | None:
        """The token from its stored form (None when it cannot be decrypted with this key)."""
        if not stored or not stored.startswith(SEALED):
            return stored
        if self.fernet is None:
            return None
        try:
            return self.fernet.decrypt(stored[len(SEALED):].encode()).decode()
        except InvalidToken:
            log.warning("a stored Slack token cannot be decrypted with FINOPS_TOKEN_KEY (was the key changed?)")
            return None


class _AllowListedStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's store that refuses installations of workspaces not allow-listed and encrypts tokens at rest
    (bolt's token rotation saves rotated tokens through ``async_save`` too, so they are encrypted as well)."""

    allowed: tuple[str, ...] = ()
    box: TokenBox = TokenBox("")

    async def async_save(self, installation: Installation) -> None:
        """Save, unless ``SLACK_ALLOWED_TEAMS`` is set and names neither the workspace nor its org."""
        ids = {installation.team_id, installation.enterprise_id} - {None}
        if self.allowed and not ids & set(self.allowed):
            raise InstallNotAllowed("this workspace is not allowed to install the app (SLACK_ALLOWED_TEAMS)")
        await super().async_save(self._sealed(installation))

    async def async_save_bot(self, bot: Any) -> None:
        """Save a bot row with its tokens encrypted."""
        await super().async_save_bot(self._sealed(bot))

    async def async_find_bot(self, **kwargs: Any) -> Any:
        """The bot with its tokens decrypted."""
        return self._opened(await super().async_find_bot(**kwargs))

    async def async_find_installation(self, **kwargs: Any) -> Any:
        """The installation with its tokens decrypted."""
        return self._opened(await super().async_find_installation(**kwargs))

    def _sealed(self, item: Any) -> Any:
        sealed = copy.copy(item)
        for name in TOKEN_FIELDS:
            if hasattr(sealed, name):
                setattr(sealed, name, self.box.seal(getattr(sealed, name)))
        return sealed

    def _opened(self, item: Any) -> Any:
        if item is not None:
            for name in TOKEN_FIELDS:
                if hasattr(item, name):
                    setattr(item, name, self.box.open(getattr(item, name)))
        return item


class Installations:
    """The stores, their engine, and the bolt OAuth settings built from them."""

    def __init__(self, settings: Settings) -> None:
        self.engine: AsyncEngine = create_async_engine(async_url(settings.database_url))
        self.client_id = settings.slack_client_id
        self.store = _AllowListedStore(settings.slack_client_id, self.engine)
        self.store.allowed = settings.slack_allowed_teams
        self.store.box = TokenBox(settings.token_key)
        if not settings.token_key:
            log.warning("FINOPS_TOKEN_KEY is not set: Slack bot tokens are stored unencrypted")
        self.states = AsyncSQLAlchemyOAuthStateStore(STATE_SECONDS, self.engine)
        self.settings = AsyncOAuthSettings(client_id=settings.slack_client_id,
                                           client_secret=settings.slack_client_secret, scopes=list(BOT_SCOPES),
                                           installation_store=self.store, state_store=self.states,
                                           install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH)

    async def bot_token(self, team_id: str) -> str | None:
        """The newest bot token of an installed workspace, or None. By workspace id alone, so a workspace of an
        Enterprise Grid org (its installation carries the org's id too) is found as well."""
        bots = self.store.bots.c
        query = (select(bots.bot_token).where(bots.client_id == self.client_id, bots.team_id == team_id,
                                              bots.bot_token.is_not(None))
                 .order_by(bots.installed_at.desc()).limit(1))
        async with self.engine.connect() as conn:
            token = (await conn.execute(query)).scalar()
        token = self.store.box.open(str(token)) if token else None
        return token or None

    async def only_workspace(self) -> str | None:
        """The team id when exactly one workspace is installed (where a post that names none can go)."""
        bots = self.store.bots
        async with self.engine.connect() as conn:
            teams = (await conn.execute(select(bots.c.team_id).where(bots.c.client_id == self.client_id)
                                        .distinct().limit(2))).scalars().all()
        return str(teams[0]) if len(teams) == 1 and teams[0] else None

    async def forget(self, team_id: str) -> None:
        """The app was removed from a workspace: delete its installations and bot tokens (of any org)."""
        async with self.engine.begin() as conn:
            for table in (self.store.bots, self.store.installations):
                await conn.execute(delete(table).where(table.c.client_id == self.client_id,
                                                       table.c.team_id == team_id))

    async def close(self) -> None:
        await self.engine.dispose()
