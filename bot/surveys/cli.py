"""``finops-bot survey create|list|close|results|export``.

``create FILE.yaml`` validates and stores the survey and schedules its sending (job ``survey.send``): the running
server (``finops-bot serve``, which has the Slack and Teams connections) delivers it on its next scheduler pass.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.commands import builders
from bot.config import Settings
from bot.errors import UserError
from bot.export import write_csv
from bot.identity import IdentityError, is_ref, qualify

CLI_ACTOR = "cli"


def _bot(args: argparse.Namespace, settings: Settings) -> Any:
    return builders(args).bot(settings)  # from the composition root (bot/commands.py)


def _survey(bot, sid: int):  # type: ignore[no-untyped-def]
    info = bot.services.surveys.get(sid)
    if info is None:
        raise UserError(f"there is no survey #{sid} (see: finops-bot survey list)")
    return info


def _create(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import utcnow
    from bot.jobs.when import parse_when
    from bot.surveys.send import SEND, resolve
    from bot.surveys.spec import SurveyError, from_yaml

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"cannot read {args.file}: no such file")
    now = utcnow()
    try:
        when = parse_when(args.at, now, settings.tz) if args.at else None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if when is not None and when.recurrence:
        raise UserError("a survey is sent once: give one time for --at, e.g. \"monday 9:00\"")
    try:
        draft = from_yaml(path.read_text(encoding="utf-8"), now, settings.tz,
                          (settings.survey_reminder_hours, settings.survey_max_reminders))
    except (SurveyError, UnicodeDecodeError) as exc:
        raise UserError(f"{path.name}: {exc}") from None
    try:  # people written without their workspace get the home one (resolve reports those it cannot place)
        args.author = qualify(args.author, settings.home_tenants) if is_ref(args.author) else args.author
        draft = replace(draft, audience=tuple(_placed(a, settings.home_tenants) for a in draft.audience))
    except IdentityError as exc:
        raise UserError(f"--author: {exc}") from None
    bot = _bot(args, settings)
    s = bot.services
    try:
        if args.dry_run:
            audience = resolve(s, draft)
            print(f"{path.name} is valid: {len(draft.questions)} question(s), {len(audience.people)} people"
                  + "".join(f"\n  warning: {p}" for p in audience.problems) + "\n(dry run: nothing stored)")
            return 0
        info = s.surveys.create(draft, args.author, now)
        audience = resolve(s, info)
        if not (audience.people or audience.channels):
            s.surveys.discard(info.id)
            raise UserError("nobody would receive this survey: " + "; ".join(audience.problems or ("empty audience",)))
        s.audit.record(args.author, "survey.create", f"survey {info.id}", kind=info.kind,
                       questions=len(info.questions), anonymous=info.anonymous)
        send_at = when.due if when is not None else now
        s.scheduler.schedule(SEND, {"survey": info.id, "actor": args.author}, send_at, created_by=args.author)
        print(f"survey #{info.id} “{info.title}” stored: {len(info.questions)} question(s), "
              f"{len(audience.people)} people, closes {info.deadline.astimezone(settings.tz):%Y-%m-%d %H:%M}.")
        for problem in audience.problems:
            print(f"  warning: {problem}")
        print("The running server (finops-bot serve) sends it " + (
            f"at {send_at.astimezone(settings.tz):%a %d %b %Y %H:%M} {settings.tz.key}." if when is not None
            else "on its next scheduler pass."))
        return 0
    finally:
        s.db.dispose()


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import utcnow
    from bot.surveys.render import summary_line

    bot = _bot(args, settings)
    try:
        items = bot.services.surveys.list(args.last)
        for info in items:
            invites = bot.services.surveys.invites(info.id)
            print(summary_line(info, len(invites), sum(i.answered for i in invites), settings.tz, utcnow()))
        if not items:
            print("no surveys yet; create one with: finops-bot survey create FILE.yaml")
        return 0
    finally:
        bot.services.db.dispose()


def _close(args: argparse.Namespace, settings: Settings) -> int:
    from bot.surveys.send import close

    bot = _bot(args, settings)
    try:
        _survey(bot, args.id)
        if not asyncio.run(close(bot.services, bot.services.surveys, args.id, CLI_ACTOR)):
            raise UserError(f"survey #{args.id} is not open")
        print(f"closed survey #{args.id}")
        return 0
    finally:
        bot.services.db.dispose()


def _results(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import utcnow
    from bot.surveys.results import compute, results_replies
    from bot.surveys.send import refresh_assessment

    bot = _bot(args, settings)
    s = bot.services
    try:
        info = _survey(bot, args.id)
        if info.kind == "assessment":
            refresh_assessment(s, s.surveys, info)
        results = compute(info, s.surveys.invites(args.id), s.surveys.answers(args.id),
                          settings.survey_min_responses, now=utcnow())
        [reply] = results_replies(results, with_chart=bool(args.chart))
        print(reply.text)
        if args.chart:
            if reply.image is None:
                print("(no chart: no choice question has visible answers yet)")
            else:
                Path(args.chart).write_bytes(reply.image.png)
                print(f"chart written to {args.chart}")
        return 0
    finally:
        s.db.dispose()


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.surveys.results import to_csv

    bot = _bot(args, settings)
    try:
        info = _survey(bot, args.id)
        text = to_csv(info, bot.services.surveys.answers(args.id), settings.survey_min_responses)
    finally:
        bot.services.db.dispose()
    write_csv(text, args.out)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``survey`` command."""
    p = sub.add_parser("survey", help="create, list, close surveys; results and CSV export")
    cmds = p.add_subparsers(dest="survey_command", required=True, metavar="{create,list,close,results,export}")
    c = cmds.add_parser("create", help="store a survey from a YAML file and send it (through the running server)")
    c.add_argument("file", help="YAML file: title, audience, deadline, anonymous, reminders, questions")
    c.add_argument("--author", default=CLI_ACTOR, help="who the survey is from (e.g. slack:U0123@T0456); sees results")
    c.add_argument("--dry-run", action="store_true", help="only validate the file and count the recipients")
    c.add_argument("--at", default=None, help='send it later: "monday 9:00", "2026-12-07 09:00" (default: now)')
    c.set_defaults(run=_create)
    ls = cmds.add_parser("list", help="the newest surveys with their answer counts")
    ls.add_argument("--last", type=int, default=20, help="how many (default 20)")
    ls.set_defaults(run=_list)
    for name, fn, text in (("close", _close, "stop accepting answers"), ("results", _results, "print the results"),
                           ("export", _export, "write the answers as CSV")):
        q = cmds.add_parser(name, help=text)
        q.add_argument("id", type=int, help="survey number (see: finops-bot survey list)")
        if name == "export":
            q.add_argument("--out", default=None, help="file to write (default: standard output)")
        if name == "results":
            q.add_argument("--chart", default=None, help="also write the chart PNG to this file")
        q.set_defaults(run=fn)


def _placed(token: str, home: dict[str, str]) -> str:
    """A person in a YAML audience with their home workspace when it has none; anything else as written."""
    try:
        return qualify(token, home) if is_ref(token) else token
    except IdentityError:
        return token
