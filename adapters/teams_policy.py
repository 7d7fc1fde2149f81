"""Teams traffic policy and conversation ids, shared by inbound (teams.py, teams_inbound.py) and outbound
(teams_poster.py) code: which Bot Framework service URLs and tenants are allowed, and how a channel thread's id is
shaped. No SDK import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from bot.config import BOT_FRAMEWORK_HOSTS

PLATFORM = "teams"
THREAD_MARK = ";messageid="


def service_url_allowed(url: object, test_urls: Sequence[str] = ()) -> bool:
    """Whether the bot may call this Bot Framework service URL: https on a Bot Framework host, or a configured test
    URL (``TEAMS_TEST_SERVICE_URLS``; without a port it allows every port of that host)."""
    if not isinstance(url, str) or not url:
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    for allowed in test_urls:
        a = urlsplit(allowed)
        if a.scheme == parts.scheme and (a.hostname or "").lower() == host and a.port in (None, port):
            return True
    if parts.scheme != "https" or port not in (None, 443) or parts.username or parts.password:
        return False
    return any(host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
               for pattern in BOT_FRAMEWORK_HOSTS)


def split_conversation_id(conversation_id: str) -> tuple[str, str]:
    """``19:…@thread.tacv2;messageid=123`` → (channel, thread "123"); chats and DMs have no thread."""
    base, mark, message_id = conversation_id.partition(THREAD_MARK)
    return (base, message_id) if mark else (conversation_id, "")


def refusal(body: dict[str, Any], test_urls: tuple[str, ...], tenants: tuple[str, ...]) -> str | None:
    """Why an inbound activity is refused before anything is stored or sent (serviceUrl, tenant), or None."""
    if not service_url_allowed(body.get("serviceUrl"), test_urls):
        return "serviceUrl is not a Bot Framework host"
    if tenants:
        data, conv = body.get("channelData"), body.get("conversation")
        data = data if isinstance(data, dict) else {}
        conv = conv if isinstance(conv, dict) else {}
        tenant = data["tenant"].get("id") if isinstance(data.get("tenant"), dict) else None
        if str(tenant or conv.get("tenantId") or "") not in tenants:
            return "tenant not allowed"
    return None

