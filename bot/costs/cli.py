"""``finops-bot costs import|imports|totals`` and ``finops-bot budget set|list|status``."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands import builders
from bot.config import Settings
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.costs.store import ImportResult

CLI_ACTOR = "cli"


def open_services(args: argparse.Namespace, settings: Settings) -> Any:
    """Migrated services for one CLI command (no demo data), built by the composition root (bot/commands.py)."""
    return builders(args).services(settings)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.costs.alerts import ensure_alert_job
    from bot.costs.progress import clear, terminal
    from bot.costs.pull import pull, summary
    from bot.costs.sources import is_remote
    from bot.logs import configure

    configure(settings.log_level)
    services = open_services(args, settings)
    failed = 0
    batch: list[tuple[int, str]] = []  # files of one command are parts of one export: they add up
    for name in args.files:
        if is_remote(name):  # a bucket/container URL or prefix: its deliveries, each replacing its periods
            r = pull(services.budgets.costs, name, terminal)
            clear()
            for _d, results in r.imported:
                for res in results:
                    _print_result(res)
            print(summary(r))
            for problem in r.problems:
                print(f"error: {problem}")
            failed += len(r.problems)
            continue
        path = Path(name)
        progress = terminal(path, path.name) if path.is_file() else None
        try:
            res = services.budgets.import_file(path, tuple(batch), progress)
        except UserError as exc:
            failed += 1
            print(f"error: {exc} (nothing from this file was stored)")
            continue
        finally:
            if progress:
                clear()
        batch.append((res.import_id, res.parsed.checksum))
        _print_result(res)
    if batch:
        _adopt_after_import(services, settings, args.no_adopt)
    if not args.no_alerts:
        from bot.costs.anomaly_alerts import ensure_anomaly_job, queue_anomaly_check

        ensure_alert_job(services)
        ensure_anomaly_job(services)
        if queue_anomaly_check(services) is not None:
            print(f"anomaly check queued: a running `finops-bot serve` checks and posts within "
                  f"{settings.scheduler_interval_seconds} s")
        _print_alerts(services, settings)
    services.db.dispose()
    return 1 if failed else 0


def _print_alerts(services, settings: Settings) -> int:  # type: ignore[no-untyped-def]
    """Run the threshold check now (alerts this process cannot post go to the replicas) and say what happened."""
    from bot.costs.alerts import check_alerts

    outcomes = asyncio.run(check_alerts(services, hand_off=True))
    for o in outcomes:
        state = ("queued: a running `finops-bot serve` posts it within "
                 f"{settings.scheduler_interval_seconds} s" if o.queued else "sent" if o.ok else f"NOT sent: {o.error}")
        print(f"alert {o.team} {', '.join(o.thresholds)}: {state}")
    if not outcomes:
        print("no new budget alerts")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.costs.alerts import ensure_alert_job

    services = open_services(args, settings)
    ensure_alert_job(services)
    try:
        return _print_alerts(services, settings)
    finally:
        services.db.dispose()


def _print_result(r: ImportResult) -> None:
    p = r.parsed
    as_of = f"data as of {p.data_as_of:%Y-%m-%d %H:%M} UTC" if p.data_as_of else "no valid rows"
    print(f"{p.file_name}: {p.rows_imported:,} rows imported, {p.rows_rejected:,} rejected, "
          f"{r.stored_rows:,} daily aggregates stored (replaced {r.replaced_rows:,}); FOCUS {p.focus_version}; "
          f"periods {', '.join(sorted({d.isoformat()[:7] for _s, d in p.periods})) or '-'}; {as_of}")
    for cur, cols in sorted(p.totals.items()):
        stored = r.stored_totals.get(cur, {})
        note = "" if stored.get("BilledCost") == cols["BilledCost"] else \
            f" (stored {stored.get('BilledCost')}: rounded to 9 decimals)"
        print(f"  {cur}: BilledCost {cols['BilledCost']}{note}, EffectiveCost {cols['EffectiveCost']}")
    for line, reason in p.rejected:
        print(f"  rejected {p.line_kind} {line}: {reason}")
    if p.rows_rejected > len(p.rejected):
        print(f"  … and {p.rows_rejected - len(p.rejected):,} more rejected rows")


def _adopt_after_import(services, settings: Settings, skip: bool) -> None:  # type: ignore[no-untyped-def]
    """List the tag values that name no team, and adopt them (the default) so they can be asked about at once."""
    from bot.costs.adopt import adopt, describe, new_tag_teams

    found = new_tag_teams(services.db, services.teams)
    if not found:
        return
    if skip:
        print(describe(found, settings.allocation_tag) + "; add them with `finops-bot team adopt --from-tag`")
        return
    moved = adopt(services.db, services.teams, found)
    print(describe(found, settings.allocation_tag) + f" — added as teams ({moved:,} cost rows allocated); "
          "set budgets with `finops-bot budget set TEAM AMOUNT`")


def _imports(args: argparse.Namespace, settings: Settings) -> int:
    services = open_services(args, settings)
    for rec in services.budgets.costs.imports(args.limit):
        print(f"#{rec.id} {rec.imported_at:%Y-%m-%d %H:%M} {rec.file_name} sha256:{rec.checksum[:12]} "
              f"rows {rec.rows_imported}/{rec.rows_total} rejected {rec.rows_rejected} "
              f"periods {','.join(rec.billing_periods)} sources {','.join(rec.sources)}")
    return 0


def _totals(args: argparse.Namespace, settings: Settings) -> int:
    from bot.costs.store import nano_to_str

    services = open_services(args, settings)
    column = args.column or settings.cost_column
    for (team, cur), value in sorted(services.budgets.costs.totals(column).items(), key=lambda kv: (kv[0][1],
                                                                                                    kv[0][0] or "~")):
        print(f"{cur}\t{team or 'unallocated'}\t{nano_to_str(value)}")
    return 0


def _budget(args: argparse.Namespace, settings: Settings) -> int:
    from bot.costs.budgets import parse_amount, parse_thresholds

    services = open_services(args, settings)
    store = services.budgets.budgets
    if args.budget_command == "set":
        b = store.set_budget(args.team, parse_amount(args.amount), args.currency, args.period,
                             parse_thresholds(args.thresholds) if args.thresholds else None, CLI_ACTOR)
        print(f"{b.team}: {b.period} budget {b.amount:,.2f} {b.currency}; thresholds {', '.join(b.thresholds)}")
        from bot.costs.alerts import ensure_alert_job

        ensure_alert_job(services)
    elif args.budget_command == "list":
        rows = store.budgets()
        for b in rows:
            print(f"{b.team}\t{b.currency}\t{b.amount:,.2f}\t{b.period}\t{','.join(b.thresholds)}")
        if not rows:
            print("no budgets; set one with: finops-bot budget set TEAM AMOUNT --currency USD")
    else:
        reply = services.budgets.status_reply(args.team, column=args.column, chart=False)
        print(reply.text if reply else "no cost data imported yet")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``costs`` and ``budget`` commands."""
    p = sub.add_parser("costs", help="import FOCUS cost exports and inspect imported data")
    cs = p.add_subparsers(dest="costs_command", required=True, metavar="{import,imports,totals,check-alerts}")
    q = cs.add_parser("import", help="import FOCUS files (CSV, .csv.gz, Parquet) or export URLs (s3://, az://, "
                                     "abfs://, gs://: manifests and parts, unchanged objects skipped); files given "
                                     "together are parts of one export and add up, a later import replaces their "
                                     "billing periods")
    q.add_argument("files", nargs="+", metavar="FILE_OR_URL")
    q.add_argument("--no-alerts", action="store_true", help="do not check budget thresholds afterwards")
    q.add_argument("--no-adopt", action="store_true",
                   help="only list allocation-tag values naming no team (default: add them as teams)")
    q.set_defaults(run=_import)
    q = cs.add_parser("check-alerts", help="check budget thresholds now; a running server posts new alerts")
    q.set_defaults(run=_check)
    q = cs.add_parser("imports", help="list recent imports")
    q.add_argument("--limit", type=int, default=20)
    q.set_defaults(run=_imports)
    q = cs.add_parser("totals", help="stored totals per team and currency (unallocated included)")
    q.add_argument("--column", choices=("billed", "effective"))
    q.set_defaults(run=_totals)
    p = sub.add_parser("budget", help="team budgets")
    bs = p.add_subparsers(dest="budget_command", required=True, metavar="{set,list,status}")
    q = bs.add_parser("set", help="set a team's budget")
    q.add_argument("team")
    q.add_argument("amount", help="e.g. 12000 or 12.5k")
    q.add_argument("--currency", default="USD")
    q.add_argument("--period", choices=("monthly", "quarterly"), default="monthly")
    q.add_argument("--thresholds", help="e.g. 50,80,100,forecast:100 (default)")
    q.set_defaults(run=_budget)
    bs.add_parser("list", help="list budgets").set_defaults(run=_budget)
    q = bs.add_parser("status", help="print a team's budget status")
    q.add_argument("team")
    q.add_argument("--column", choices=("billed", "effective"))
    q.set_defaults(run=_budget)
