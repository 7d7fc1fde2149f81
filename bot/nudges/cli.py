"""``finops-bot nudge send|schedule|list|cancel|status``: the same nudges as in chat, queued for ``serve``."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import builders
from bot.config import Settings
from bot.errors import UserError

CLI_ACTOR = "cli"


def _services(args: argparse.Namespace, settings: Settings) -> Any:
    return builders(args).services(settings)  # migrated, from the composition root (bot/commands.py)


def _create(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import utcnow
    from bot.delivery.audience import canonical, parse_specs, resolve
    from bot.jobs.when import When, parse_when
    from bot.nudges.text import when_label

    services = _services(args, settings)
    svc = services.nudges
    try:
        when = parse_when(args.at, utcnow(), settings.tz) if args.nudge_command == "schedule" else When(utcnow())
    except ValueError as exc:
        raise UserError(str(exc)) from None
    specs = [canonical(s, services.teams) for s in parse_specs(args.to, "cli", home=services.settings.home_tenants)]
    kept = [s for s in specs if resolve([s], services.teams, settings.nudge_channels).recipients]
    for problem in resolve(specs, services.teams, settings.nudge_channels).problems:
        print(f"warning: {problem} (left out)")
    if not kept:
        raise UserError(f"nobody to send that to: {args.to!r} names no known team, channel or person")
    try:
        nudge, plan = svc.schedule(CLI_ACTOR, " ".join(args.text), kept, when)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    immediate = args.nudge_command == "send" and not plan.deferred
    where = "a running `finops-bot serve` sends it within seconds" if immediate else when_label(svc, plan)
    print(f"nudge {nudge.id} queued (job {nudge.job_id}): {where}")
    return 0


def _read(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nudges.text import list_line, status_text

    services = _services(args, settings)
    svc = services.nudges
    if args.nudge_command == "list":
        nudges = svc.store.list(("scheduled", "sent", "cancelled") if args.all else ("scheduled",))
        for nudge in nudges:
            print(list_line(svc, nudge))
        if not nudges:
            print("no nudges scheduled")
        return 0
    nudge = svc.store.get(args.id)
    if nudge is None:
        raise UserError(f"there is no nudge {args.id}")
    if args.nudge_command == "status":
        print(status_text(svc, nudge, svc.delivery(args.id)))
        return 0
    try:
        svc.cancel(CLI_ACTOR, args.id)
    except LookupError as exc:
        raise UserError(str(exc)) from None
    print(f"nudge {args.id} cancelled")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``nudge`` command."""
    p = sub.add_parser("nudge", help="send, schedule, list, cancel nudges and see their delivery")
    ns = p.add_subparsers(dest="nudge_command", required=True, metavar="{send,schedule,list,cancel,status}")
    for name in ("send", "schedule"):
        q = ns.add_parser(name, help="queue a nudge now" if name == "send" else "schedule a nudge")
        q.add_argument("--to", required=True, help='audience: "payments, checkout", "#finops", "slack:U0123"')
        if name == "schedule":
            q.add_argument("--at", required=True, help='"in 1 hour", "tomorrow 9am", "2026-11-27 09:00:30", '
                                                        '"every weekday at 9:00", "first business day of the month"')
        q.add_argument("text", nargs="+", help="the message")
        q.set_defaults(run=_create)
    q = ns.add_parser("list", help="scheduled nudges")
    q.add_argument("--all", action="store_true", help="also sent and cancelled ones")
    q.set_defaults(run=_read)
    for name in ("cancel", "status"):
        q = ns.add_parser(name, help="cancel a scheduled nudge" if name == "cancel" else "delivery per recipient")
        q.add_argument("id", type=int, help="the nudge number")
        q.set_defaults(run=_read)
