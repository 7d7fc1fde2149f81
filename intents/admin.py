"""Admin commands in chat: grant and revoke roles, list roles, read the audit log."""

from __future__ import annotations

import re

from bot.access import NEED_ADMIN
from bot.models import IncomingMessage, Match, Reply
from bot.people import MENTION_PATTERN, person_ref
from bot.practice.roles import ROLES
from intents.base import TurnContext
from intents.text import normalize

_USER = rf"({MENTION_PATTERN}|(?:slack|teams|console):\S+)"  # a mention token or a user ref
_GRANT = re.compile(rf"^(grant|give|revoke|remove|take)\s+(?:the\s+)?(admin|practitioner)(?:\s+role)?\s+"
                    rf"(?:to|from)?\s*{_USER}$", re.IGNORECASE)
_GRANT_REVERSED = re.compile(rf"^(grant|give|revoke|remove)\s+{_USER}\s+(?:the\s+)?(admin|practitioner)(?:\s+role)?$",
                             re.IGNORECASE)
_AUDIT = re.compile(r"^(?:show\s+)?(?:the\s+)?audit(?:\s+log)?(?:\s+(?:last\s+)?(\d{1,3}))?$")
_ROLES = re.compile(r"^(?:list\s+|show\s+)?(?:all\s+)?roles$|^(?:my roles|what are my roles|who am i)\??$")



class AdminIntent:
    """Role management and the audit log (admins only; anyone may ask for their own roles)."""

    name = "admin"
    summary = "manage roles and read the audit log (admins)"
    examples = ("grant practitioner to slack:U0123", "revoke practitioner from slack:U0123", "audit last 20",
                "my roles")

    def __init__(self, services: object | None = None) -> None:
        self.services = services

    def match(self, msg: IncomingMessage) -> Match | None:
        """Exact command shapes only."""
        raw = " ".join(msg.text.split())
        text = normalize(msg.text)
        if m := _GRANT.match(raw):
            return Match(self.name, 0.97, slots={"op": m[1].lower(), "role": m[2].lower(), "user": m[3]})
        if m := _GRANT_REVERSED.match(raw):
            return Match(self.name, 0.97, slots={"op": m[1].lower(), "role": m[3].lower(), "user": m[2]})
        if m := _AUDIT.match(text):
            return Match(self.name, 0.97, slots={"op": "audit", "limit": int(m[1] or 20)})
        if _ROLES.match(text):
            return Match(self.name, 0.9, slots={"op": "roles", "mine": "my" in text or "who" in text})
        return None

    async def handle(self, msg: IncomingMessage, match: Match, ctx: TurnContext) -> list[Reply]:
        """Run the command if the asker may."""
        s, me, op = ctx.services, msg.key.user_ref, match.slots["op"]
        if op == "roles" and match.slots.get("mine"):
            roles = await s.db.run(s.access.role_names, me)
            return [Reply(f"You are {', '.join(roles)} ({me}).")]
        if not await s.db.run(s.access.is_admin, me):
            return [Reply(NEED_ADMIN)]
        if op == "audit":
            records = await s.db.run(s.audit.recent, min(match.slots["limit"], 200))
            body = "\n".join(r.line() for r in records) or "The audit log is empty."
            return [Reply(body, title=f"Audit log (last {len(records)})")]
        if op == "roles":
            table = await s.db.run(s.roles.all)
            lines = [f"{user}: {', '.join(sorted(roles))}" for user, roles in sorted(table.items())]
            admins = ", ".join(s.settings.admins) or "none"
            return [Reply("\n".join([f"Admins from FINOPS_ADMINS: {admins}", *lines]), title="Roles")]
        return [await self._change(msg, match, ctx)]

    async def _change(self, msg: IncomingMessage, match: Match, ctx: TurnContext) -> Reply:
        s, me = ctx.services, msg.key.user_ref
        role, user = match.slots["role"], person_ref(match.slots["user"], msg.key)
        granting = match.slots["op"] in ("grant", "give")
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
