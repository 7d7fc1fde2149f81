"""Assessment storage: every answer is its own row, written when given; the question pointer moves atomically.

``record`` advances ``position`` with ``UPDATE … WHERE position = :q``, so a double-clicked button (or the same
answer arriving at two replicas) records one answer: the second delivery finds the pointer already moved.
Unfinished assessments expire ``ttl`` after the last answer; ``due_reminders(now)`` (run daily by the scheduler,
job kind ``assessment_reminders``) reminds people one day before that and marks the expired ones.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from bot.assessment.info import AssessmentInfo
from bot.assessment.model import LENSES, question_at
from bot.assessment.rollup import team_status
from bot.assessment.tables import Assessment, AssessmentAnswer
from bot.db import Database, as_utc
from bot.directory import TeamInfo
from bot.jobs.scheduler import Scheduler
from bot.models import ConversationKey
from bot.tables import Team

log = logging.getLogger(__name__)
UNFINISHED = ("open", "paused")
REMINDER_JOB = "assessment_reminders"  # scheduler job kind: runs ``due_reminders`` daily
REMIND_BEFORE = timedelta(days=1)


@dataclass(frozen=True)
class Reminder:
    """An unfinished assessment about to expire, and where its owner last answered."""

    assessment: AssessmentInfo
    expires_at: datetime


class AssessmentStore:
    """Create, answer, pause and read assessments; reminders and expiry; also ``services.maturity``."""

    def __init__(self, db: Database, ttl: timedelta = timedelta(days=7)) -> None:
        self.db, self.ttl = db, ttl

    def create(self, user_ref: str, team: TeamInfo, capabilities: tuple[str, ...], now: datetime,
               key: ConversationKey | None = None) -> AssessmentInfo:
        """Start a new assessment of ``team`` by ``user_ref``."""
        with self.db.session() as s:
            row = Assessment(user_ref=user_ref, team_id=team.id, team_name=team.name, capabilities=list(capabilities),
                             created_at=now, updated_at=now, **_where(key))
            s.add(row)
            s.flush()
            assert row.id is not None
            aid = row.id
        info = self.get(aid)
        assert info is not None
        return info

    def add_finished(self, user_ref: str, team: TeamInfo, capabilities: tuple[str, ...],
                     levels: list[int | None], at: datetime) -> int:
        """Store a completed assessment in one transaction (demo data and imports); returns its id."""
        if len(levels) != len(capabilities) * len(LENSES):
            raise ValueError("one level (or None) per question is needed")
        with self.db.session() as s:
            row = Assessment(user_ref=user_ref, team_id=team.id, team_name=team.name, capabilities=list(capabilities),
                             position=len(levels), status="done", created_at=at, updated_at=at, finished_at=at)
            s.add(row)
            s.flush()
            assert row.id is not None
            for q, level in enumerate(levels):
                cap, lens = question_at(capabilities, q)
                s.add(AssessmentAnswer(assessment_id=row.id, question=q, capability=cap.id, lens=lens.id,
                                       level=level, answered_at=at))
            return row.id

    def get(self, aid: int) -> AssessmentInfo | None:
        """One assessment with its answers."""
        with self.db.session() as s:
            row = s.get(Assessment, aid)
            answers = s.exec(select(AssessmentAnswer).where(AssessmentAnswer.assessment_id == aid)).all()
        return _info(row, answers) if row is not None else None

    def unfinished(self, user_ref: str, now: datetime, team_id: int | None = None) -> list[AssessmentInfo]:
        """The person's open or paused assessments that have not expired, most recent first."""
        with self.db.session() as s:
            q = select(Assessment).where(col(Assessment.user_ref) == user_ref, col(Assessment.status).in_(UNFINISHED),
                                         col(Assessment.updated_at) >= now - self.ttl)
            if team_id is not None:
                q = q.where(col(Assessment.team_id) == team_id)
            ids = [r.id for r in s.exec(q.order_by(col(Assessment.updated_at).desc())).all() if r.id is not None]
        return [i for i in (self.get(aid) for aid in ids) if i is not None]

    def record(self, aid: int, q: int, level: int | None, now: datetime, key: ConversationKey | None = None) -> str:
        """Store the answer to question ``q``: recorded | finished | duplicate | stale | closed."""
        with self.db.session() as s:
            row = s.get(Assessment, aid)
            if row is None:
                return "closed"
            if q != row.position:
                prior = s.exec(select(AssessmentAnswer).where(AssessmentAnswer.assessment_id == aid,
                                                              AssessmentAnswer.question == q)).first()
                if prior is not None and prior.level == level:
                    return "duplicate"
                return "stale" if row.status in UNFINISHED else "closed"
            if row.status not in UNFINISHED:
                return "closed"
            caps = tuple(row.capabilities)
            last = q + 1 >= len(caps) * len(LENSES)
            values: dict[str, object] = dict(position=q + 1, updated_at=now, reminded_at=None, **_where(key))
            if last:
                values.update(status="done", finished_at=now)
            else:
                values.update(status="open")
            moved = _count(s.execute(update(Assessment).where(
                col(Assessment.id) == aid, col(Assessment.position) == q, col(Assessment.status).in_(UNFINISHED)
            ).values(**values)))
            if moved != 1:
                return "duplicate"
            cap, lens = question_at(caps, q)
            answer = s.exec(select(AssessmentAnswer).where(AssessmentAnswer.assessment_id == aid,
                                                           AssessmentAnswer.question == q)).first()
            answer = answer or AssessmentAnswer(assessment_id=aid, question=q, capability=cap.id, lens=lens.id,
                                                answered_at=now)
            answer.level, answer.answered_at = level, now
            s.add(answer)
        return "finished" if last else "recorded"

    def _move(self, aid: int, now: datetime, where: tuple[Any, ...], **values: object) -> bool:
        with self.db.session() as s:
            stmt = update(Assessment).where(col(Assessment.id) == aid, col(Assessment.status).in_(UNFINISHED), *where)
            return _count(s.execute(stmt.values(updated_at=now, **values))) == 1

    def back(self, aid: int, q: int, now: datetime) -> bool:
        """Step back from question ``q`` to ``q - 1`` (its answer is kept until replaced)."""
        return q > 0 and self._move(aid, now, (col(Assessment.position) == q,), position=q - 1, status="open")

    def pause(self, aid: int, now: datetime) -> bool:
        """Mark an unfinished assessment paused (answers stay; "resume" continues)."""
        return self._move(aid, now, (), status="paused")

    def resume(self, aid: int, now: datetime, key: ConversationKey | None = None) -> bool:
        """Continue an unfinished assessment, possibly from another channel."""
        return self._move(aid, now, (), status="open", reminded_at=None, **_where(key))

    def abandon(self, aid: int, now: datetime) -> bool:
        """Give up an unfinished assessment (the person chose to start over)."""
        return self._move(aid, now, (), status="abandoned")

    def finished(self, team_id: int | None = None) -> list[AssessmentInfo]:
        """Finished assessments (of one team, or all), oldest first."""
        with self.db.session() as s:
            q = select(Assessment).where(col(Assessment.status) == "done")
            if team_id is not None:
                q = q.where(col(Assessment.team_id) == team_id)
            rows = s.exec(q.order_by(col(Assessment.finished_at), col(Assessment.id))).all()
            ids = [r.id for r in rows]
            answers = s.exec(select(AssessmentAnswer).where(col(AssessmentAnswer.assessment_id).in_(ids))).all()
        by_id: dict[int, list[AssessmentAnswer]] = {}
        for a in answers:
            by_id.setdefault(a.assessment_id, []).append(a)
        return [_info(r, by_id.get(r.id or 0, [])) for r in rows]

    def due_reminders(self, now: datetime) -> list[Reminder]:
        """Expire idle assessments past the TTL, and claim (once, across replicas) those due a reminder."""
        with self.db.session() as s:
            s.execute(update(Assessment).where(col(Assessment.status).in_(UNFINISHED),
                                               col(Assessment.updated_at) < now - self.ttl).values(status="expired"))
            lead = min(REMIND_BEFORE, self.ttl / 2)
            rows = s.exec(select(Assessment.id).where(
                col(Assessment.status).in_(UNFINISHED), col(Assessment.reminded_at).is_(None),
                col(Assessment.updated_at) < now - (self.ttl - lead))).all()
        due = []
        for aid in rows:
            with self.db.session() as s:
                claimed = _count(s.execute(update(Assessment).where(
                    col(Assessment.id) == aid, col(Assessment.reminded_at).is_(None),
                    col(Assessment.status).in_(UNFINISHED)).values(reminded_at=now))) == 1
            info = self.get(aid) if claimed and aid is not None else None
            if info is not None:
                due.append(Reminder(info, info.updated_at + self.ttl))
        log.info("assessment reminders due: %d", len(due))
        return due

    def ensure_reminder_job(self, scheduler: Scheduler | None, now: datetime) -> None:
        """Make sure the daily reminder job exists (created with the first assessment)."""
        if scheduler is not None:
            scheduler.ensure(REMINDER_JOB, now + timedelta(hours=1), "daily")

    def summary_line(self, team_name: str) -> str | None:
        """One line for the Slack App Home: the team's overall maturity and trend, or None without data."""
        with self.db.session() as s:
            team_id = s.exec(select(Team.id).where(func.lower(Team.name) == team_name.strip().lower())).first()
        status = team_status(team_name, self.finished(team_id)) if team_id is not None else None
        return status.line() if status is not None and status.overall is not None else None


def _count(result: Any) -> int:
    """Rows changed by an UPDATE (``CursorResult.rowcount``; the generic Result type does not declare it)."""
    return int(result.rowcount)


def _where(key: ConversationKey | None) -> dict[str, Any]:
    if key is None:
        return {}
    return dict(platform=key.platform[:16], tenant=key.tenant[:128], channel=key.channel[:512],
                thread=key.thread[:255])


def _info(row: Assessment, answers: Sequence[AssessmentAnswer]) -> AssessmentInfo:
    assert row.id is not None
    return AssessmentInfo(
        id=row.id, user_ref=row.user_ref, team_id=row.team_id, team_name=row.team_name,
        capabilities=tuple(row.capabilities), position=row.position, status=row.status,
        created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at),  # type: ignore[arg-type]
        finished_at=as_utc(row.finished_at), answers={a.question: a.level for a in answers},
        where=(row.platform, row.tenant, row.channel, row.thread),
    )
