"""Slack payload helpers without SDK types: incoming text cleanup, `/finops` subcommands, modal form values."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_MENTION = re.compile(r"<@([UWB][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(\w+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_SPACES = re.compile(r"[ \t]+")


def clean_text(text: str, bot_user_id: str | None = None) -> str:
    """Plain text from Slack's message format: the bot's own mention removed, links and entities resolved.

    Other people's mentions stay the tokens ``<@U…>`` (their ``|name`` part dropped, see ``mentioned_names``):
    commands that take people read those ids.
    """
    text = _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else f"<@{m.group(1)}>", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(2) or m.group(1)}", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _SPACES.sub(" ", text).strip()


def mentioned_names(text: str) -> dict[str, str]:
    """The names Slack put into escaped mentions (``<@U1|alice>``, as in slash-command text), by user id."""
    return {m.group(1): m.group(2) for m in _MENTION_NAMED.finditer(text) if m.group(2)}


_MENTION_NAMED = re.compile(r"<@([UW][A-Z0-9]+)\|([^>]+)>")


@dataclass(frozen=True)
class SlashCommand:
    """A ``/finops`` subcommand: its usage line, what it does, and the router text it stands for."""

    usage: str
    summary: str
    to_text: Callable[[str], str]  # the (cleaned) argument → what the user would have typed
    needs_argument: bool = False


def _status(kind: str) -> Callable[[str], str]:
    return lambda team: f"{kind} status for {team}" if team else f"{kind} status"


# Later features add their practitioner subcommands here (one entry each).
SLASH_COMMANDS: dict[str, SlashCommand] = {
    "ask": SlashCommand("ask <question>", "ask a FinOps question", lambda q: q, needs_argument=True),
    "budget": SlashCommand("budget [team]", "budget status (your team unless you name one)", _status("budget")),
    "setbudget": SlashCommand("setbudget [team]", "set a team's budget in a form (owners, practitioners)",
                              lambda team: f"set budget for {team}" if team else "set budget"),
    "maturity": SlashCommand("maturity [team]", "maturity status (your team unless you name one)",
                             _status("maturity")),
    "assess": SlashCommand("assess", "take the FinOps maturity assessment, one question at a time",
                           lambda _: "start assessment"),
    "nudge": SlashCommand("nudge [<teams or channels>: <text> [at <time>]]",
                          "send or schedule a nudge; alone, opens a form (practitioners)",
                          lambda q: f"nudge {q}" if q else "compose nudge"),
    "nudges": SlashCommand("nudges", "scheduled nudges (practitioners)", lambda _: "nudges"),
    "survey": SlashCommand("survey [<teams>: <question> [scale|options: a | b] [by <day>] [anonymous]]",
                           "send a pulse survey (alone, opens a form), or `survey results <id>` (practitioners)",
                           lambda q: f"survey {q}" if q else "compose survey"),
    "surveys": SlashCommand("surveys", "your surveys and their status", lambda _: "surveys"),
    "grant": SlashCommand("grant <role> to <@user>", "grant admin or practitioner (admins)",
                          lambda q: f"grant {q}", needs_argument=True),
    "revoke": SlashCommand("revoke <role> from <@user>", "revoke a role (admins)",
                           lambda q: f"revoke {q}", needs_argument=True),
    "audit": SlashCommand("audit [n]", "the newest audit log entries (admins)", lambda q: f"audit {q}".strip()),
    "help": SlashCommand("help", "this list", lambda _: "help"),
}


def slash_text(text: str, bot_user_id: str | None = None) -> str | None:
    """The router text for ``/finops <text>``, or None when the menu should be shown instead.

    A subcommand stands for its router text; anything else (``/finops what is showback?``) is the question
    itself, answered like a message. ``/finops`` alone, ``help``, or a subcommand missing its argument: the menu.
    """
    cleaned = clean_text(text, bot_user_id)
    word, _, arg = cleaned.partition(" ")
    command = SLASH_COMMANDS.get(word.lower())
    arg = arg.strip()
    if not cleaned or word.lower() == "help" or (command is not None and command.needs_argument and not arg):
        return None
    return cleaned if command is None else command.to_text(arg)


def slash_help(command: str = "/finops", unknown: str = "") -> str:
    """The usage text (mrkdwn), with a note when the user typed an unknown subcommand."""
    lines = [f"Sorry, I don't know `{command} {unknown}`." if unknown else "", f"*{command}* commands:",
             f"• `{command} <question>`: ask anything, e.g. `{command} what is showback?`"]
    lines += [f"• `{command} {c.usage}`: {c.summary}" for c in SLASH_COMMANDS.values()]
    lines.append("You can also mention me in a channel or write to me in a direct message.")
    return "\n".join(line for line in lines if line)


def _value(element: Mapping[str, Any]) -> str:
    kind = element.get("type", "")
    if "selected_options" in element:
        return ",".join(str(o.get("value", "")) for o in element.get("selected_options") or [])
    if element.get("selected_option"):
        return str(element["selected_option"].get("value", ""))
    for name in ("value", "selected_date", "selected_time", "selected_date_time", "selected_user",
                 "selected_conversation", "selected_channel"):
        if element.get(name) is not None:
            return str(element[name])
    for name in ("selected_users", "selected_conversations", "selected_channels"):
        if element.get(name) is not None:
            return ",".join(element[name])
    return "" if kind else str(element)


def view_form(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, str]:
    """A modal's ``state.values`` as ``{action_id: value}`` (multi-selects joined with commas)."""
    return {action_id: _value(element) for block in values.values() for action_id, element in block.items()}


def metadata(raw: str | None) -> dict[str, str]:
    """A modal's ``private_metadata`` as a dict (our modals store JSON: channel, thread, text)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def team_of(body: Mapping[str, Any]) -> str:
    """The workspace (tenant) of any Slack payload: events, commands, actions, views."""
    team, user = body.get("team"), body.get("user")
    found = (body.get("team_id") or (team.get("id") if isinstance(team, dict) else team)
             or (user.get("team_id") if isinstance(user, dict) else None) or (body.get("event") or {}).get("team"))
    return str(found or "")
