"""Event ids for button presses and form submissions, which carry what someone chose.

The router stores every event id (to answer a double click once). A plain hash of (message, user, value) could be
recomputed by anyone reading that table for each option of a survey and would reveal who pressed what, so these
ids are keyed with a secret that is never stored: derived from the platform secret every replica has in its
environment (``use_secret``: the Slack signing secret or the Teams app password), else random per process. So
the same press gives the same id on every replica — a click replayed to a second replica is claimed once in the
database like any event — and a stored id reveals nothing to someone who can read the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_KEY = secrets.token_bytes(32)
_SHARED = False


def use_secret(secret: str) -> None:
    """Key press ids with a secret shared by the replicas (never the secret itself: a derived key)."""
    global _KEY, _SHARED
    if secret and not _SHARED:  # the first platform mounted keys them (the same one on every replica)
        _KEY, _SHARED = hashlib.sha256(b"finops-bot press ids\x00" + secret.encode()).digest(), True


def press_id(*parts: str) -> str:
    """A keyed digest of the parts (40 hex characters)."""
    return hmac.new(_KEY, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:40]
