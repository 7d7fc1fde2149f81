"""People shown by name: user refs (``slack:U…``, ``teams:29:…``) and mention tokens in replies → display names.

Intents name people by their user refs; the adapter knows their names (Slack ``users.info``, Teams mentions and
the roster), so the rewrite happens here, on the shown parts of a reply only (never a button's value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from bot.models import Field, Reply

# A ref may carry the workspace/tenant between platform and user (``slack:T1:U1``); a mention token has no prefix.
SLACK_PERSON = re.compile(r"\bslack:(?:[TE][A-Z0-9]+:)?([UW][A-Z0-9]{2,})(?:@[TE][A-Z0-9]+)?\b"
                          r"|<@([UW][A-Z0-9]{2,})(?:\|[^<>]*)?>")
TEAMS_PERSON = re.compile(r"\bteams:(?:[^\s:<>]+:)?(29:[\w-]+)(?:@[\w-]+)?|<@(29:[\w-]+)(?:\|[^<>]*)?>")
_MARKERS = {SLACK_PERSON.pattern: ("slack:", "<@"), TEAMS_PERSON.pattern: ("teams:", "<@")}  # in every match
MAX_CACHED = 10_000  # names kept per workspace (people's names rarely change; a restart refreshes them)


def _shown(reply: Reply) -> list[str]:
    return [reply.text, reply.title or "", reply.footer or "", *(f"{f.label} {f.value}" for f in reply.fields)]


def _may_name(text: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``text`` can hold a match at all (a substring test: most answers name nobody, and the pattern's
    word-boundary alternation is tried at every position of a long answer)."""
    return any(marker in text for marker in _MARKERS.get(pattern.pattern, ("",)))


def people_in(replies: list[Reply] | tuple[Reply, ...], pattern: re.Pattern[str]) -> set[str]:
    """The user ids named anywhere people can read in these replies."""
    return {m[1] or m[2] for r in replies for text in _shown(r) if _may_name(text, pattern)
            for m in pattern.finditer(text)}


def named(reply: Reply, pattern: re.Pattern[str], names: Mapping[str, str]) -> Reply:
    """The reply with every person named; an id without a known name is shown as ``@id`` (no platform prefix)."""

    def sub(text: str) -> str:
        return pattern.sub(lambda m: names.get(m[1] or m[2]) or f"@{m[1] or m[2]}", text)

    if not any(_may_name(text, pattern) and pattern.search(text) for text in _shown(reply)):
        return reply
    fields = tuple(Field(sub(f.label), sub(f.value)) for f in reply.fields)
    return replace(reply, text=sub(reply.text), title=sub(reply.title) if reply.title else reply.title,
                   footer=sub(reply.footer) if reply.footer else reply.footer, fields=fields)


def remember(cache: dict[str, str], found: Mapping[str, str]) -> None:
    """Add names to a bounded cache (the oldest go first when it is full)."""
    for user, name in found.items():
        if user and name:
            cache.pop(user, None)
            cache[user] = name
    while len(cache) > MAX_CACHED:
        cache.pop(next(iter(cache)))
