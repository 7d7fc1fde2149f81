"""Nudge audiences: teams (their Slack channel and Teams conversation), channels, and people by DM.

An audience is stored as specs (``team:payments``, ``slack:channel:C123``, ``teams:dm:29:abc``) and resolved to
delivery targets when sent, so a team's new channel is used by a nudge scheduled before the change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.delivery import Target
from bot.directory import TeamStore
from bot.identity import CONSOLE_TENANT, make_ref, no_tenant, parse
from bot.people import mentioned_id, plain_mentions

_SLACK_CHANNEL_LINK = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_SLACK_CHANNEL_ID = re.compile(r"^(?:slack:)?([CG][A-Z0-9]{6,})$")
_SLACK_USER = re.compile(r"^slack:([UW][A-Z0-9]+(?:@[A-Z0-9]+)?)$")
_TEAMS_CHANNEL = re.compile(r"^(?:teams:)?(19:\S+)$")
_TEAMS_USER = re.compile(r"^teams:(\S+)$")
_CONSOLE_USER = re.compile(r"^console:(\S+)$")  # `finops-bot chat` prints nudges to its own user
_SLACK_NAME = re.compile(r"^#([a-z0-9][a-z0-9_-]{0,79})$")


@dataclass(frozen=True)
class Recipient:
    """One place a nudge goes: a stable key (for delivery records and the daily limit) and its target."""

    key: str
    target: Target
    description: str
    channel: str = ""  # the channel id or #name checked against FINOPS_NUDGE_CHANNELS ("" for DMs)


@dataclass(frozen=True)
class Resolved:
    """An audience resolved for a preview or a send."""

    recipients: tuple[Recipient, ...]
    problems: tuple[str, ...]  # unknown names (with suggestions), teams without channels, guarded channels


def parse_specs(text: str, platform: str, tenant: str = "", home: Mapping[str, str] | None = None) -> list[str]:
    """"payments, #finops and <@U1>" → ["team:payments", "slack:channel:#finops", "slack:dm:U1@T1"].

    People come as the platform delivers them: Slack ``<@U1>`` / ``<@U1|alice>``, Teams ``<@29:…>``, or typed
    (``slack:U1``); they are people of the sender's workspace ``tenant`` (typed ids on another platform, and all
    from the command line, take the platform's home tenant in ``home``). A person whose workspace is unknown keeps
    an id without ``@``, which :func:`resolve` reports instead of sending.
    """
    specs: list[str] = []
    where = (platform, tenant, home or {})
    for chunk in re.split(r"\s*(?:,|;|\band\b|&)\s*", plain_mentions(text).strip()):
        parts = chunk.split()
        tokens = parts if parts and all(_spec(p, where, strict=True) for p in parts) else [chunk]
        specs.extend(s for t in tokens if t and (s := _spec(t, where)) and s not in specs)
    return specs


def _person(platform: str, user: str, where: tuple[str, str, Mapping[str, str]]) -> str:
    """The dm spec of ``user`` on ``platform``: its own tenant, else the sender's (same platform), else the home one;
    without any, a spec with no ``@`` that ``resolve`` refuses."""
    sender, tenant, home = where
    who = parse(f"{platform}:{user}")
    fallback = CONSOLE_TENANT if platform == "console" else tenant if platform == sender and tenant else \
        home.get(platform, "")
    return f"{platform}:dm:{make_ref(platform, who.tenant or fallback, who.user).partition(':')[2]}"


def _spec(token: str, where: tuple[str, str, Mapping[str, str]], strict: bool = False) -> str | None:
    """One audience token as a spec; with ``strict`` only unambiguous ids (not team names)."""
    platform = where[0]
    if m := _SLACK_CHANNEL_LINK.match(token):
        return f"slack:channel:{m[1]}"
    if person := mentioned_id(token):  # a mention names a person of the platform the message came from
        return _person("teams" if platform == "teams" else "slack", person, where)
    if m := _SLACK_USER.match(token):
        return _person("slack", m[1], where)
    if m := _SLACK_CHANNEL_ID.match(token):
        return f"slack:channel:{m[1]}"
    if m := _TEAMS_CHANNEL.match(token):
        return f"teams:channel:{m[1]}"
    if m := _TEAMS_USER.match(token):
        return _person("teams", m[1], where)
    if m := _CONSOLE_USER.match(token):
        return _person("console", m[1], where)
    if m := _SLACK_NAME.match(token.lower()):
        return f"slack:channel:#{m[1]}"
    if strict:
        return None
    name = token.strip().removeprefix("team ").strip()
    return f"team:{name}" if name else None


def describe_spec(spec: str) -> str:
    """A short human label for a spec: "team payments", "Slack channel #finops", "Teams DM 29:abc"."""
    kind, _, rest = spec.partition(":")
    if kind == "team":
        return f"team {rest}"
    where, _, ident = rest.partition(":")
    label = {"slack": "Slack", "teams": "Teams"}.get(kind, kind)
    return f"{label} {'DM' if where == 'dm' else 'channel'} {ident}"


def resolve(specs: list[str], teams: TeamStore, allowed: tuple[str, ...] = ()) -> Resolved:
    """Targets for specs; unknown teams get fuzzy suggestions; channels outside ``allowed`` (when set) are refused."""
    recipients: list[Recipient] = []
    problems: list[str] = []
    for spec in specs:
        found, problem = _resolve_one(spec, teams)
        if problem:
            problems.append(problem)
        for r in found:
            if allowed and r.channel and r.channel not in allowed:
                problems.append(f"{r.description} is not in FINOPS_NUDGE_CHANNELS (nudges may go only to "
                                f"{', '.join(allowed)})")
            elif r.key not in {x.key for x in recipients}:
                recipients.append(r)
    return Resolved(tuple(recipients), tuple(problems))


def canonical(spec: str, teams: TeamStore) -> str:
    """A team spec with the directory's spelling (``team:paymnts`` → ``team:payments``); others unchanged."""
    if spec.startswith("team:"):
        team, _ = teams.find(spec[5:])
        return f"team:{team.name}" if team is not None else spec
    return spec


def _resolve_one(spec: str, teams: TeamStore) -> tuple[list[Recipient], str | None]:
    kind, _, rest = spec.partition(":")
    if kind == "team":
        team, close = teams.find(rest)
        if team is None:
            hint = f" Did you mean {' or '.join(t.name for t in close)}?" if close else ""
            return [], f"I don't know a team called “{rest}”.{hint}"
        out = []
        if team.slack_channel:
            out.append(_channel("slack", team.slack_channel, f" (team {team.name})"))
        if team.teams_conversation:
            out.append(_channel("teams", team.teams_conversation, f" (team {team.name})"))
        return out, None if out else f"Team {team.name} has no Slack channel or Teams conversation yet."
    where, _, ident = rest.partition(":")
    if where == "channel":
        return [_channel(kind, ident)], None
    user_ref = f"{kind}:{ident}"
    tenant = parse(user_ref).tenant
    if not tenant:
        return [], no_tenant(user_ref)
    return [Recipient(f"{kind}:dm:{ident}", Target(kind, tenant, user_ref=user_ref), f"{kind} DM {user_ref}")], None


def _channel(platform: str, channel: str, note: str = "") -> Recipient:
    return Recipient(f"{platform}:channel:{channel}", Target(platform, "", channel=channel),
                     f"{platform} channel {channel}{note}", channel)
