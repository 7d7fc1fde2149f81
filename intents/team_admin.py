"""Team directory in chat: list teams, add a team, add/remove people, set its channel, map accounts and tags."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.access.policy import NEED_OWNER, NEED_PRACTITIONER
from bot.identity import IdentityError
from bot.intent import TurnContext
from bot.models import IncomingMessage, Reply
from bot.people import MENTION_PATTERN, person_ref
from bot.understanding.types import Parse

if TYPE_CHECKING:
    from bot.services import Services

_USER = rf"(?P<user>{MENTION_PATTERN}|(?:slack|teams|console):\S+)"
_TEAM = r"(?:team\s+)?(?P<team>[\w][\w .&-]{0,60}?)"
COMMANDS = (
    ("list", re.compile(r"^(?:list |show )?(?:all )?teams\??$")),
    ("add_team", re.compile(rf"^(?:add|create) (?:a )?(?:new )?team {_TEAM}$")),
    ("add_person", re.compile(rf"^add {_USER} to {_TEAM}(?: as (?:an? )?(?P<role>owner|member))?$")),
    ("remove_person", re.compile(rf"^remove {_USER} from {_TEAM}$")),
    ("channel_here", re.compile(rf"^use this (?:channel|chat|conversation) for {_TEAM}(?: alerts)?$")),
    ("channel", re.compile(rf"^set (?:the )?channel (?:for|of) {_TEAM} to <?#?(?P<channel>[A-Z0-9]+)(?:\|[^>]*)?>?$")),
    ("map_account", re.compile(rf"^map (?:sub-?)?account (?P<account>\S+) to {_TEAM}$")),
    ("map_tag", re.compile(rf"^map tag (?P<key>[^=\s]+)=(?P<value>\S+) to {_TEAM}$")),
)
PRACTITIONER_ONLY = {"add_team", "map_account", "map_tag"}
USAGE = ("I couldn't read that team command. Try “list teams”, “add team payments”, “add @someone to payments as "
         "owner”, “remove @someone from payments”, “use this channel for payments”, “map account 1234 to payments” "
         "or “map tag team=pay to payments”.")


def read_command(text: str) -> dict[str, str] | None:
    """The team command's operation and arguments (ids keep their case), or None."""
    text = " ".join(text.split()).strip().rstrip(".!")
    for op, pattern in COMMANDS:
        if m := pattern.match(text) or pattern.match(text.lower()):
            return {"op": op, **{k: v for k, v in m.groupdict().items() if v}}
    if "teams" in text.lower().split() and not any(w in text.lower() for w in (" add ", " remove ", " map ")):
        return {"op": "list"}
    return None



class TeamAdminIntent:
    """Practitioners manage the team directory in chat; team owners manage their own team's people and channel."""

    name = "team_admin"
    summary = "manage teams: people, channels, cost allocation (practitioners, team owners)"
    examples = ("list teams", "add slack:U0123 to payments as owner", "use this channel for payments",
                "map account 111122223333 to payments")

    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Check the asker's role, apply the change, audit it; a usage line when the command cannot be read."""
        slots = read_command(msg.text)
        if slots is None:
            return [Reply(USAGE)]
        s, me = self.services, msg.key.user_ref
        practitioner = await s.db.run(s.access.is_practitioner, me)
        if slots["op"] == "list":
            teams = await s.db.run(s.teams.list) if practitioner else await s.db.run(s.teams.teams_for_user, me)
            lines = [f"• {t.name}: owners {', '.join(t.owners) or '-'}; Slack {t.slack_channel or '-'}; "
                     f"Teams {'set' if t.teams_conversation else '-'}" for t in teams]
            return [Reply("\n".join(lines) or "You are not in any team yet.", title="Teams")]
        if slots["op"] == "add_team":
            if not practitioner:
                return [Reply(NEED_PRACTITIONER)]
            return [await self._apply(me, "team.add", slots["team"], s.teams.upsert, slots["team"])]
        team, suggestions = await s.db.run(s.teams.find, slots["team"])
        if team is None:
            hint = f" Did you mean {', '.join(t.name for t in suggestions)}?" if suggestions else ""
            return [Reply(f"I don't know a team called “{slots['team']}”.{hint}")]
        if slots["op"] in PRACTITIONER_ONLY and not practitioner:
            return [Reply(NEED_PRACTITIONER)]
        if not await s.db.run(s.access.can_manage_team, me, team):
            return [Reply(NEED_OWNER.format(team=team.name))]
        return [await self._change(msg, slots, team.name)]

    async def _change(self, msg: IncomingMessage, slots: dict[str, str], team: str) -> Reply:
        s, me, op = self.services, msg.key.user_ref, slots["op"]
        if op in ("add_person", "remove_person"):
            try:
                user = person_ref(slots["user"], msg.key, s.settings.home_tenants)
            except IdentityError as exc:
                return Reply(f"{exc}.")
            if op == "remove_person":
                return await self._apply(me, "team.member.remove", team, s.teams.remove_member, team, user)
            return await self._apply(me, "team.member.add", team, s.teams.add_member, team, user,
                                     slots.get("role", "member"))
        if op in ("channel", "channel_here"):
            channel = slots.get("channel") or msg.key.channel
            field = "teams_conversation" if msg.key.platform == "teams" and op == "channel_here" else "slack_channel"
            return await self._apply(me, "team.channel", team, s.teams.upsert, team, **{field: channel})
        if s.budgets is None:
            return Reply("Cost allocation is not enabled on this bot.")
        rules = s.budgets.budgets
        if op == "map_account":
            return await self._apply(me, "team.map_account", team, rules.add_rule, team, "account", slots["account"])
        return await self._apply(me, "team.map_tag", team, rules.add_rule, team, "tag", slots["value"], slots["key"])

    async def _apply(self, me: str, action: str, team: str, fn, *args, **kwargs) -> Reply:  # type: ignore[no-untyped-def]
        s = self.services
        try:
            await s.db.run(fn, *args, **kwargs)
        except (ValueError, LookupError) as exc:
            return Reply(f"That didn't work: {exc}.")
        await s.db.run(s.audit.record, me, action, team, **{k: str(v) for k, v in kwargs.items()})
        s.access.forget_cache()
        note = " New allocation rules apply to costs imported from now on." if action.startswith("team.map") else ""
        return Reply(f"Done: {action.split('.', 1)[1].replace('_', ' ')} for {team}.{note}")
