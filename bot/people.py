"""People named in a message: the ``<@ID>`` tokens adapters deliver (Slack ``<@U…>``, Teams ``<@29:…>``).

A mentioned person belongs to the workspace/tenant of the message, so a token becomes a user ref through the
message's own ``ConversationKey`` (whatever shape ``user_ref`` has), never by gluing strings here.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.models import ConversationKey

# ``<@U0ALICE>``, ``<@U0ALICE|alice>`` (Slack's escaped slash-command text), ``<@29:1abc-def>`` (Teams)
MENTION = re.compile(r"<@([A-Za-z0-9][\w:.-]*)(?:\|[^<>]*)?>")
MENTION_PATTERN = r"<@[A-Za-z0-9][\w:.-]*(?:\|[^<>]*)?>"  # for commands that embed a person in a larger regex
_QUALIFIED = re.compile(r"^(?:slack|teams|console):\S+$")


def plain_mentions(text: str) -> str:
    """Mentions without their display-name part: ``<@U1|alice>`` → ``<@U1>``."""
    return MENTION.sub(lambda m: f"<@{m[1]}>", text)


def mentioned_id(token: str) -> str | None:
    """The platform user id of a token that is exactly one mention, else None."""
    m = MENTION.fullmatch(token.strip())
    return m[1] if m else None


def person_ref(token: str, key: ConversationKey) -> str:
    """A mention as the user ref of that person in ``key``'s workspace; a platform-qualified id passes through."""
    found = mentioned_id(token)
    return replace(key, user=found).user_ref if found else token.strip()


def is_person(token: str) -> bool:
    """Whether a token names a person: a mention or a platform-qualified id (``slack:U1``, ``teams:29:…``)."""
    return mentioned_id(token) is not None or bool(_QUALIFIED.match(token.strip()))
