"""The ``finops-bot`` command line: serve, chat, ask, db, and the feature commands."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import teams_package
from bot.access import cli as access_cli
from bot.assessment import cli as assessment_cli
from bot.commands import Builders
from bot.config import ConfigError, Settings, is_loopback
from bot.costs import cli as costs_cli
from bot.costs import team_cli
from bot.errors import UserError
from bot.logs import configure
from bot.nudges import cli as nudge_cli
from bot.surveys.cli import register as register_surveys

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot import serve_guard
    from bot.app import build_bot, build_web_app, demo_in_background

    configure(settings.log_level, settings.log_format)
    if settings.teams_enabled and not settings.teams_app_id and not is_loopback(args.host):
        raise ConfigError(f"Teams authentication is off (TEAMS_LOCAL_TEST) and --host {args.host} is not loopback: "
                          "bind 127.0.0.1, or set MICROSOFT_APP_ID/PASSWORD")
    if args.socket_mode:
        if not (settings.slack_enabled and settings.slack_app_token.startswith("xapp-")):
            raise ConfigError("--socket-mode needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and an xapp- SLACK_APP_TOKEN")
        settings = settings.replace(slack_socket_mode=True)
    bot = build_bot(settings, demo=False)
    if settings.demo and not args.no_demo:
        bot.on_start.insert(0, demo_in_background(bot))  # /healthz answers while a first start loads the demo
    app = build_web_app(bot)
    # Everything built so far (knowledge index, SQLAlchemy metadata, SDKs) lives as long as the process: move it out
    # of the collector's reach, so full collections stay short and do not show up as latency spikes.
    gc.collect()
    gc.freeze()
    print(f"finops-bot serving on http://{args.host}:{args.port} (healthz: /healthz)", flush=True)
    serve_guard.run_app(app, host=args.host, port=args.port)  # header/body deadlines and a connection cap
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console import ConsolePoster, ConsoleSession, run_chat
    from bot.app import build_bot

    configure("WARNING" if settings.log_level == "INFO" else settings.log_level)
    bot = build_bot(settings, demo=settings.demo and not args.no_demo, inline_db=True)
    chat = ConsoleSession(bot.router, user=args.user)
    for platform in ("console", "slack", "teams"):  # in the terminal, nudges and alerts are printed
        bot.services.delivery.register(ConsolePoster(sys.stdout, platform, chat))

    async def session() -> None:
        for hook in bot.on_start:  # the scheduler: nudges scheduled in the console are printed when due
            await hook()
        try:
            await run_chat(chat)
        finally:
            for hook in reversed(bot.on_stop):
                await hook()

    asyncio.run(session())
    bot.services.db.dispose()
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ask import run_ask

    configure("WARNING" if settings.log_level == "INFO" else settings.log_level)
    return run_ask(settings, args.question, json_mode=args.json, demo=settings.demo and not args.no_demo,
                   explain_mode=args.explain, chart=Path(args.chart) if args.chart else None)


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import Database

    configure(settings.log_level, settings.log_format)
    db = Database(settings.database_url)
    db.upgrade()
    print(f"database is up to date ({db.dialect})")
    return 0


def _core_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the HTTP server (Slack, Teams, /healthz, /metrics)")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to bind (default 127.0.0.1; 0.0.0.0 in a container or behind a proxy)")
    p.add_argument("--port", type=int, default=3978, help="port (default 3978)")
    p.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    p.add_argument("--socket-mode", action="store_true", help="Slack over Socket Mode (needs SLACK_APP_TOKEN)")
    p.set_defaults(run=_serve)
    p = sub.add_parser("chat", help="talk to the bot in this terminal")
    p.add_argument("--user", default="you", help="your user id in the console (default: you)")
    p.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    p.set_defaults(run=_chat)
    p = sub.add_parser("ask", help="answer one question, or one per stdin line")
    p.add_argument("question", nargs="*", help="the question (omit to read one per line from stdin)")
    p.add_argument("--json", action="store_true", help="one JSON object per answer (with the entities found)")
    p.add_argument("--explain", action="store_true", help="print the top 5 readings with scores and entities")
    p.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    p.add_argument("--chart", metavar="PATH", help="draw charts and write them to PATH (PATH-2.png … for more)")
    p.set_defaults(run=_ask)
    p = sub.add_parser("db", help="database maintenance")
    dbsub = p.add_subparsers(dest="db_command", required=True, metavar="{upgrade}")
    up = dbsub.add_parser("upgrade", help="apply all migrations")
    up.set_defaults(run=_db)


# Feature commands (costs, budget, team, survey, nudge, roles …) register themselves here, in order.
FEATURE_COMMANDS: tuple[Registrar, ...] = (access_cli.register, teams_package.register, costs_cli.register,
                                           team_cli.register, assessment_cli.register, nudge_cli.register,
                                           register_surveys)


def _services(settings: Settings) -> Any:
    from bot.app import build_services

    services = build_services(settings)
    services.db.upgrade()
    return services


def _bot(settings: Settings) -> Any:
    from bot.app import build_bot

    return build_bot(settings, demo=False)


def _intents() -> tuple[type, ...]:
    from intents import INTENTS

    return INTENTS


# The composition root as feature commands see it (bot/commands.py): this entry point, not the features, imports it.
BUILDERS = Builders(services=_services, bot=_bot, intents=_intents)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(prog="finops-bot", description="FinOps assistant for Slack and Teams.")
    parser.set_defaults(builders=BUILDERS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _core_commands(sub)
    for register in FEATURE_COMMANDS:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, load settings, run; configuration errors are one clear line (exit 2)."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.run(args, settings) or 0)
    except ConfigError as exc:
        print(f"finops-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"finops-bot: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
