"""People named in a message: the ``<@ID>`` tokens adapters deliver (Slack ``<@U…>``, Teams ``<@29:…>``).

A mentioned person belongs to the workspace/tenant of the message, so a token becomes a user ref through the
message's own ``ConversationKey`` (whatever shape ``user_ref`` has), never by gluing strings here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from bot.identity import IdentityError, is_ref, make_ref, parse, qualify
from bot.models import ConversationKey

# ``<@U0ALICE>``, ``<@U0ALICE|alice>`` (Slack's escaped slash-command text), ``<@29:1abc-def>`` (Teams)
MENTION = re.compile(r"<@([A-Za-z0-9][\w:.-]*)(?:\|[^<>]*)?>")
MENTION_PATTERN = r"<@[A-Za-z0-9][\w:.-]*(?:\|[^<>]*)?>"  # for commands that embed a person in a larger regex


def plain_mentions(text: str) -> str:
    """Mentions without their display-name part: ``<@U1|alice>`` → ``<@U1>``."""
    return MENTION.sub(lambda m: f"<@{m[1]}>", text)


def mentioned_id(token: str) -> str | None:
    """The platform user id of a token that is exactly one mention, else None."""
    m = MENTION.fullmatch(token.strip())
    return m[1] if m else None


def person_ref(token: str, key: ConversationKey, home: Mapping[str, str] | None = None) -> str:
    """The user ref of the person a token names, in the speaker's workspace/tenant.

    A mention is a person of the message's own workspace. A typed id (``slack:U1``) without ``@tenant`` is taken
    in the speaker's workspace when it is on the speaker's platform, else in that platform's home tenant
    (``home``). People of another workspace/tenant cannot be named, except by the local operator
    (``finops-bot chat``), who administers every workspace. Raises IdentityError with what to write instead.
    """
    found = mentioned_id(token)
    if found:
        return replace(key, user=found).user_ref
    who = parse(token)
    if key.platform == "console":
        return qualify(who.ref, home or {})
    if who.platform == key.platform and who.tenant in ("", key.tenant):
        return make_ref(who.platform, key.tenant, who.user)
    raise IdentityError(f"{token.strip()} is not in this workspace; name people of this workspace or tenant only")


def is_person(token: str) -> bool:
    """Whether a token names a person: a mention or a user id (``slack:U1``, ``slack:U1@T2``, ``teams:29:…``)."""
    return mentioned_id(token) is not None or is_ref(token)
