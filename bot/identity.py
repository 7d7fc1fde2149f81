"""Who a person is: platform, workspace/tenant and user id, in one string a database row or a setting can hold.

A *user ref* is ``platform:user@tenant``: ``slack:U0123@T0456`` (a Slack workspace or Enterprise Grid org),
``teams:29:1abc@72f988bf-…`` (an Entra tenant), ``console:you@local`` (``finops-bot chat``). The same user id in two
workspaces is two people, so roles, team membership, admins and audit lines name the workspace too.

A ref written without ``@tenant`` (``slack:U0123``, as people type it and as older releases stored it) is completed
with the platform's *home tenant*, the one workspace/tenant the deployment is limited to; when the deployment serves
several, such a ref is refused with a message that says how to write it (:func:`qualify`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PLATFORMS = ("slack", "teams", "console")
CONSOLE_TENANT = "local"


_WHERE = {"slack": "workspace id", "teams": "tenant id", "console": "tenant"}
_HINT = {"slack": " (or limit the bot to one workspace with SLACK_ALLOWED_TEAMS)",
         "teams": " (or limit the bot to one tenant with MICROSOFT_APP_TENANT_ID or TEAMS_ALLOWED_TENANTS)",
         "console": ""}


class IdentityError(ValueError):
    """A user ref that is malformed or names no workspace/tenant where one is needed."""


@dataclass(frozen=True)
class Identity:
    """One person: ``platform``, ``user`` (the platform's id) and ``tenant`` ("" when the ref named none)."""

    platform: str
    user: str
    tenant: str = ""

    @property
    def ref(self) -> str:
        """The stored form, ``platform:user@tenant`` (``platform:user`` while the tenant is unknown)."""
        return f"{self.platform}:{self.user}@{self.tenant}" if self.tenant else f"{self.platform}:{self.user}"


def make_ref(platform: str, tenant: str, user: str) -> str:
    """The user ref of ``user`` in ``tenant`` on ``platform``."""
    return Identity(platform, user, tenant).ref


def parse(ref: str) -> Identity:
    """Split a user ref; the tenant is "" when it names none. Raises :class:`IdentityError` when malformed."""
    text = ref.strip()
    platform, sep, rest = text.partition(":")
    user, at, tenant = rest.rpartition("@") if "@" in rest else (rest, "", "")
    if not sep or platform not in PLATFORMS or not user or (at and not tenant) or any(c.isspace() for c in text):
        raise IdentityError(f"not a user id: {ref!r}; write it like slack:U0123@T0456 (user@workspace) or "
                            "teams:29:1abc@<tenant id>")
    return Identity(platform, user, tenant)


def is_ref(text: str) -> bool:
    """Whether ``text`` is shaped like a user ref (with or without a tenant)."""
    try:
        parse(text)
    except IdentityError:
        return False
    return True


def qualify(ref: str, home: Mapping[str, str]) -> str:
    """``ref`` with its tenant: as written, or the platform's home tenant from ``home``; else IdentityError."""
    who = parse(ref)
    if who.tenant:
        return who.ref
    tenant = CONSOLE_TENANT if who.platform == "console" else home.get(who.platform, "")
    if not tenant:
        raise IdentityError(no_tenant(ref))
    return Identity(who.platform, who.user, tenant).ref


def full(ref: str) -> str:
    """``ref`` when it names its workspace/tenant (what is stored); else IdentityError saying how to write it."""
    if not parse(ref).tenant:
        raise IdentityError(no_tenant(ref))
    return ref


def no_tenant(ref: str) -> str:
    """Why a ref without ``@tenant`` is refused, and how to write it."""
    platform = ref.strip().partition(":")[0]
    where = _WHERE.get(platform, "tenant")
    return f"{ref.strip()} names no {where}; write {ref.strip()}@<{where}>{_HINT.get(platform, '')}"
