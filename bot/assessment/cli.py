"""``finops-bot assessments export [--out FILE]``: every finished assessment answer as CSV."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterable

from bot.assessment.info import AssessmentInfo
from bot.assessment.model import CAPABILITY_BY_ID, LENS_BY_ID, maturity_label, question_at
from bot.assessment.rollup import fmt, score_of
from bot.config import Settings
from bot.export import SafeWriter, write_csv

HEADER = ("assessment_id", "team", "respondent", "finished_at", "capability", "capability_score_0_20",
          "capability_level", "lens", "answer_0_4")


def rows(assessments: Iterable[AssessmentInfo]) -> Iterable[tuple[object, ...]]:
    """One row per question of each finished assessment (skipped answers are empty)."""
    for a in assessments:
        for q in range(a.total):
            cap, lens = question_at(a.capabilities, q)
            score = score_of(a.levels(cap.id))
            level = a.answers.get(q)
            yield (a.id, a.team_name, a.user_ref, a.finished_at.isoformat() if a.finished_at else "",
                   CAPABILITY_BY_ID[cap.id].name, "" if score is None else fmt(score),
                   "" if score is None else maturity_label(score), LENS_BY_ID[lens.id].name,
                   "" if level is None else level)


def to_csv(assessments: Iterable[AssessmentInfo]) -> str:
    """The CSV text (header included)."""
    buf = io.StringIO()
    writer = SafeWriter(buf)
    writer.writerow(HEADER)
    writer.writerows(rows(assessments))
    return buf.getvalue()


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.assessment.store import AssessmentStore
    from bot.db import Database

    db = Database(settings.database_url)
    try:
        db.upgrade()
        text = to_csv(AssessmentStore(db).finished())
    finally:
        db.dispose()
    write_csv(text, args.out)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``assessments`` command."""
    p = sub.add_parser("assessments", help="maturity assessment data")
    cmds = p.add_subparsers(dest="assessments_command", required=True, metavar="{export}")
    e = cmds.add_parser("export", help="write every finished assessment answer as CSV")
    e.add_argument("--out", default=None, help="file to write (default: standard output)")
    e.set_defaults(run=_export)
