"""``finops-bot roles …`` and ``finops-bot audit``."""

from __future__ import annotations

import argparse

from bot.config import Settings
from bot.errors import UserError
from bot.identity import qualify

CLI_ACTOR = "cli"


def _stores(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.access.audit import AuditLog
    from bot.access.roles import RoleStore
    from bot.db import Database

    db = Database(settings.database_url)
    db.upgrade()
    return RoleStore(db), AuditLog(db)


def _roles(args: argparse.Namespace, settings: Settings) -> int:
    roles, audit = _stores(settings)
    if args.roles_command == "list":
        table = roles.all()
        for admin in sorted(settings.admin_refs):
            print(f"{admin}\tadmin (FINOPS_ADMINS)")
        for user, names in sorted(table.items()):
            print(f"{user}\t{', '.join(sorted(names))}")
        if not table and not settings.admins:
            print("no roles stored; set FINOPS_ADMINS or run: finops-bot roles grant slack:U0123@T0456 admin")
        return 0
    try:
        args.user = qualify(args.user, settings.home_tenants)
        if args.roles_command == "grant":
            changed = roles.grant(args.user, args.role, CLI_ACTOR)
        else:
            changed = roles.revoke(args.user, args.role)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if changed:
        audit.record(CLI_ACTOR, f"role.{args.roles_command}", args.user, role=args.role)
    state = "done" if changed else "nothing to change"
    print(f"{args.roles_command} {args.role} {'to' if args.roles_command == 'grant' else 'from'} {args.user}: {state}")
    return 0


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    _, audit = _stores(settings)
    for record in audit.recent(args.last):
        print(record.line())
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``roles`` and ``audit`` commands."""
    p = sub.add_parser("roles", help="grant, revoke and list admin/practitioner roles")
    rs = p.add_subparsers(dest="roles_command", required=True, metavar="{grant,revoke,list}")
    for name in ("grant", "revoke"):
        q = rs.add_parser(name, help=f"{name} a role")
        q.add_argument("user", help="user id with its workspace/tenant, e.g. slack:U0123@T0456 or "
                       "teams:29:1abc@<tenant>")
        q.add_argument("role", choices=("admin", "practitioner"))
        q.set_defaults(run=_roles)
    rs.add_parser("list", help="list stored roles and configured admins").set_defaults(run=_roles)
    p = sub.add_parser("audit", help="print the newest audit log entries")
    p.add_argument("--last", type=int, default=20, help="how many entries (default 20)")
    p.set_defaults(run=_audit)
