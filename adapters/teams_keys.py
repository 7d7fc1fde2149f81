"""Bot Framework signing keys fetched off the event loop, with a timeout, and cached (failures briefly).

botframework-connector's ``_OpenIdMetadata._refresh`` calls ``requests.get`` without a timeout, on the event loop,
and does not remember a failure: one junk token per second against a slow key endpoint froze the server. The seam
botframework offers is ``JwtTokenExtractor.metadataCache`` (metadata objects by URL): we put a dict there that
hands out our subclass, whose ``_refresh`` runs in a thread, gives up after ``FETCH_TIMEOUT`` and, after a failure,
does not try again for ``FAILURE_SECONDS`` (tokens are refused meanwhile, unless keys fetched earlier still serve).
Part of the Teams adapter: only the Bot Framework SDK is imported here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

import requests
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 5.0  # seconds for each of the two GETs (OpenID configuration, then its JWKS)
FAILURE_SECONDS = 30.0  # a failed fetch is not retried for this long


class CachedKeys(_OpenIdMetadata):
    """botframework's key cache, fetching in a worker thread with a timeout; one fetch at a time."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.failed_at: float | None = None
        self.fetches = 0
        self._lock: asyncio.Lock | None = None

    async def _refresh(self) -> None:
        """Fetch the keys unless a fetch failed moments ago; a failure keeps the keys we had."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.failed_at is not None and time.monotonic() - self.failed_at < FAILURE_SECONDS:
                return
            self.fetches += 1
            try:
                keys = await asyncio.wait_for(asyncio.to_thread(self._fetch), FETCH_TIMEOUT * 2 + 1)
            except Exception as exc:  # timeout, network, HTTP status, bad JSON: refuse tokens for a while
                self.failed_at = time.monotonic()
                log.warning("Bot Framework signing keys not fetched (%s); retrying in %.0f s", type(exc).__name__,
                            FAILURE_SECONDS)
                return
            self.keys, self.last_updated, self.failed_at = keys, datetime.now(), None

    def _fetch(self) -> list[dict[str, Any]]:
        response = requests.get(self.url, timeout=FETCH_TIMEOUT)
        response.raise_for_status()
        keys = requests.get(response.json()["jwks_uri"], timeout=FETCH_TIMEOUT)
        keys.raise_for_status()
        return list(keys.json()["keys"])


class _KeyCaches(dict[str, Any]):
    """What ``JwtTokenExtractor.metadataCache`` becomes: a ``CachedKeys`` for every metadata URL asked for."""

    def get(self, url: str, default: Any = None) -> Any:  # botframework passes default=None
        """The URL's key cache, created on first use."""
        return self.setdefault(url, CachedKeys(url))


def install() -> None:
    """Make botframework use ``CachedKeys`` (idempotent)."""
    if not isinstance(JwtTokenExtractor.metadataCache, _KeyCaches):
        JwtTokenExtractor.metadataCache = _KeyCaches()
