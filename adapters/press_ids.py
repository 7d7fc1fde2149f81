"""Event ids for button presses and form submissions, which carry what someone chose.

The router stores every event id (to answer a double click once). A plain hash of (message, user, value) could be
recomputed by anyone reading that table for each option of a survey and would reveal who pressed what, so these
ids are keyed with a random secret that never leaves this process's memory: the same press twice gives the same
id here, and a stored id reveals nothing. A double click split across two replicas is caught by the stores
instead (an assessment or survey answer is recorded once, a preview is sent once).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_KEY = secrets.token_bytes(32)


def press_id(*parts: str) -> str:
    """A keyed digest of the parts (40 hex characters)."""
    return hmac.new(_KEY, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:40]
