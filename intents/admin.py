"""Admin commands in chat: grant and revoke roles, list roles, read the audit log."""

from __future__ import annotations

import re

from bot.access.policy import NEED_ADMIN
from bot.access.roles import ROLES
from bot.identity import IdentityError
from bot.intent import TurnContext
from bot.models import IncomingMessage, Reply
from bot.people import MENTION_PATTERN, person_ref
from bot.text import normalize
from bot.understanding.types import Parse

_USER = re.compile(rf"{MENTION_PATTERN}|\b(?:slack|teams|console):\S+")
_ROLE = re.compile(r"\b(admin|practitioner)s?\b", re.IGNORECASE)
_REVOKE = re.compile(r"\b(?:revoke|remove|take|strip|drop|no longer)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b(\d{1,3})\b")


USAGE = ("I couldn't read that admin command. Try “grant practitioner to @someone”, “revoke admin from @someone”, "
         "“audit last 20” or “roles”.")


def read_command(text: str) -> dict[str, object] | None:
    """The admin command's arguments: a role change (verb, role, person), the audit log, or the roles list."""
    said = normalize(text)
    user, role = _USER.search(" ".join(text.split())), _ROLE.search(said)
    if user and role:
        return {"op": "revoke" if _REVOKE.search(said) else "grant", "role": role[1].lower(), "user": user[0]}
    if user or role:
        return None  # a role change missing the person or the role
    if "audit" in said:
        number = _NUMBER.search(said)
        return {"op": "audit", "limit": int(number[1]) if number else 20}
    return {"op": "roles", "mine": bool(re.search(r"\b(?:my|me|i|am)\b", said))}


class AdminIntent:
    """Role management and the audit log (admins only; anyone may ask for their own roles)."""

    name = "admin"
    summary = "manage roles and read the audit log (admins)"
    examples = ("grant practitioner to slack:U0123", "revoke practitioner from slack:U0123", "audit last 20",
                "my roles")

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Run the command if the asker may; a usage line when its arguments cannot be read."""
        slots = read_command(msg.text)
        if slots is None:
            return [Reply(USAGE)]
        s, me, op = ctx.services, msg.key.user_ref, slots["op"]
        if op == "roles" and slots.get("mine"):
            roles = await s.db.run(s.access.role_names, me)
            return [Reply(f"You are {', '.join(roles)} ({me}).")]
        if not await s.db.run(s.access.is_admin, me):
            return [Reply(NEED_ADMIN)]
        if op == "audit":
            records = await s.db.run(s.audit.recent, min(int(str(slots["limit"])), 200))
            body = "\n".join(r.line() for r in records) or "The audit log is empty."
            return [Reply(body, title=f"Audit log (last {len(records)})")]
        if op == "roles":
            table = await s.db.run(s.roles.all)
            lines = [f"{user}: {', '.join(sorted(roles))}" for user, roles in sorted(table.items())]
            admins = ", ".join(sorted(s.settings.admin_refs)) or "none"
            return [Reply("\n".join([f"Admins from FINOPS_ADMINS: {admins}", *lines]), title="Roles")]
        return [await self._change(msg, slots, ctx)]

    async def _change(self, msg: IncomingMessage, slots: dict[str, object], ctx: TurnContext) -> Reply:
        s, me = ctx.services, msg.key.user_ref
        role = str(slots["role"])
        try:
            user = person_ref(str(slots["user"]), msg.key, s.settings.home_tenants)
        except IdentityError as exc:
            return Reply(f"{exc}.")
        granting = slots["op"] in ("grant", "give")
        try:
            changed = await s.db.run(s.roles.grant if granting else s.roles.revoke, user, role,
                                     *((me,) if granting else ()))
        except ValueError as exc:
            return Reply(f"{exc}. Roles are: {', '.join(ROLES)}.")
        s.access.forget_cache()
        if not changed:
            return Reply(f"{user} {'already has' if granting else 'does not have'} the {role} role.")
        await s.db.run(s.audit.record, me, "role.grant" if granting else "role.revoke", user, role=role)
        return Reply(f"Done: {user} {'is now' if granting else 'is no longer'} {role}.")
