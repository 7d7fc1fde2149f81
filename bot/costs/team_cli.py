"""``finops-bot team add|list|show|remove|alias|owner|member|channel|map-account|map-tag|rules``."""

from __future__ import annotations

import argparse

from bot.config import Settings
from bot.costs.cli import open_services
from bot.errors import UserError


def _show(services, name: str) -> None:  # type: ignore[no-untyped-def]
    t = services.teams.get(name)
    if t is None:
        raise UserError(f"no team named {name!r}")
    print(f"{t.name}\taliases: {', '.join(t.aliases) or '-'}\tslack: {t.slack_channel or '-'}\t"
          f"teams: {t.teams_conversation or '-'}\towners: {', '.join(t.owners) or '-'}\t"
          f"members: {', '.join(t.members) or '-'}")


def _ref(user: str, settings: Settings) -> str:
    from bot.identity import IdentityError, qualify

    try:
        return qualify(user, settings.home_tenants)
    except IdentityError as exc:
        raise UserError(str(exc)) from None


def _adopt(services, settings: Settings, dry_run: bool) -> int:  # type: ignore[no-untyped-def]
    from bot.costs.adopt import adopt, describe, new_tag_teams

    found = new_tag_teams(services.db, services.teams)
    if not found:
        print(f"no new teams in tag `{settings.allocation_tag}`")
        return 0
    print(describe(found, settings.allocation_tag))
    if dry_run:
        print("(dry run: nothing changed; run without --dry-run to add them)")
        return 0
    moved = adopt(services.db, services.teams, found)
    print(f"added {len(found)} teams; {moved:,} stored cost rows allocated to them. Set budgets with "
          f"`finops-bot budget set TEAM AMOUNT`.")
    return 0


def _team(args: argparse.Namespace, settings: Settings) -> int:
    services = open_services(args, settings)
    teams, budgets, cmd = services.teams, services.budgets.budgets, args.team_command
    if cmd == "list":
        for t in teams.list():
            _show(services, t.name)
        return 0
    if cmd == "adopt":
        return _adopt(services, settings, args.dry_run)
    if cmd == "rules":
        for kind, key, value, team in budgets.rules():
            print(f"{kind}\t{key + '=' if key else ''}{value}\t{team}")
        return 0
    if cmd != "add" and teams.get(args.name) is None:
        raise UserError(f"no team named {args.name!r} (see `finops-bot team list`)")
    name = args.name if cmd == "add" else teams.get(args.name).name  # type: ignore[union-attr]
    if cmd == "add":
        if name.strip().lower() == "unallocated":
            raise UserError("'unallocated' is reserved for cost that matches no team")
        teams.upsert(name, tuple(args.alias or ()), slack_channel=args.slack_channel,
                     teams_conversation=args.teams_conversation)
        for owner in args.owner or ():
            teams.add_member(name, _ref(owner, settings), "owner")
    elif cmd == "remove":
        budgets.remove_team(name)
        print(f"removed {name}")
        return 0
    elif cmd == "alias":
        teams.upsert(name, tuple(args.aliases))
    elif cmd in ("owner", "member"):
        if args.remove:
            teams.remove_member(name, _ref(args.user, settings))
        else:
            teams.add_member(name, _ref(args.user, settings), cmd)
    elif cmd == "channel":
        teams.upsert(name, slack_channel=args.slack, teams_conversation=args.teams)
    elif cmd == "map-account":
        budgets.add_rule(name, "account", args.account)
    elif cmd == "map-tag":
        key, _, value = args.tag.partition("=")
        budgets.add_rule(name, "tag", value, key)
    _show(services, name)
    if cmd.startswith("map-"):
        print("re-import the affected billing periods to apply the new rule to stored costs")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``team`` command."""
    p = sub.add_parser("team", help="the team directory and cost allocation rules")
    ts = p.add_subparsers(dest="team_command", required=True, metavar="COMMAND")
    q = ts.add_parser("add", help="add a team (or update it)")
    q.add_argument("name")
    q.add_argument("--alias", action="append", help="another name used in tags or chat (repeatable)")
    q.add_argument("--slack-channel", help="Slack channel id for alerts, e.g. C0123")
    q.add_argument("--teams-conversation", help="Teams conversation id for alerts")
    q.add_argument("--owner", action="append", help="owner, e.g. slack:U0123@T0456 (repeatable)")
    ts.add_parser("list", help="list teams")
    ts.add_parser("rules", help="list allocation rules")
    q = ts.add_parser("adopt", help="add the teams named in the allocation tag of imported costs")
    q.add_argument("--from-tag", action="store_true", required=True, help="values of FINOPS_ALLOCATION_TAG")
    q.add_argument("--dry-run", action="store_true", help="list them without adding")
    for name, helptext in (("show", "show a team"), ("remove", "remove a team, its budgets and rules")):
        ts.add_parser(name, help=helptext).add_argument("name")
    q = ts.add_parser("alias", help="add aliases")
    q.add_argument("name")
    q.add_argument("aliases", nargs="+")
    for role in ("owner", "member"):
        q = ts.add_parser(role, help=f"add (or --remove) a team {role}")
        q.add_argument("name")
        q.add_argument("user", help="user id with workspace, e.g. slack:U0123@T0456")
        q.add_argument("--remove", action="store_true")
    q = ts.add_parser("channel", help="set the Slack channel and/or Teams conversation for alerts")
    q.add_argument("name")
    q.add_argument("--slack")
    q.add_argument("--teams")
    q = ts.add_parser("map-account", help="allocate a sub-account (id or name) to the team when untagged")
    q.add_argument("name")
    q.add_argument("account")
    q = ts.add_parser("map-tag", help="allocate cost with another tag (KEY=VALUE) to the team")
    q.add_argument("name")
    q.add_argument("tag", help="e.g. cost-center=cc-42")
    for parser in ts.choices.values():
        parser.set_defaults(run=_team)
