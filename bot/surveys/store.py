"""The survey store: drafts, invitations, answers guarded by a salted hash, closing, reminders (synchronous SQL)."""

from __future__ import annotations

import builtins
import hashlib
import hmac
import random
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db import Database, as_utc, utcnow
from bot.surveys.mix import Answer, MixPool
from bot.surveys.spec import Question, SurveyDraft, SurveyInfo
from bot.surveys.tables import Survey, SurveyAnswer, SurveyBallot, SurveyInvite


@dataclass(frozen=True)
class Invite:
    """One invited person of a survey."""

    user_ref: str
    status: str
    error: str | None
    answered: bool
    reminders: int


@dataclass(frozen=True)
class AnswerRow:
    """A stored answer as results see it (``user_ref`` is None for anonymous surveys)."""

    question: int
    choice: tuple[int, ...]
    text: str | None
    user_ref: str | None


def voter_key(secret: str) -> bytes:
    """The key of the ballot hashes, derived from a secret every replica has in its environment, never stored."""
    return hashlib.sha256(b"finops-bot survey voters\x00" + secret.encode()).digest()


def voter_hash(key: bytes, salt: str, user_ref: str) -> str:
    """HMAC(key, salt, user_ref): who answered, not recomputable from the database (the key is not in it)."""
    return hmac.new(key, f"{salt}\x1f{user_ref}".encode(), hashlib.sha256).hexdigest()


def legacy_hash(salt: str, user_ref: str) -> str:
    """The unkeyed sha256(salt + user_ref) of ballots stored before the key: still refuses their second answer."""
    return hashlib.sha256((salt + user_ref).encode()).hexdigest()


def _info(row: Survey) -> SurveyInfo:
    assert row.id is not None
    return SurveyInfo(row.id, row.author, row.title, row.kind, row.team,
                      tuple(Question.from_dict(q) for q in row.questions), tuple(row.audience), row.channels,
                      row.anonymous, row.status, as_utc(row.deadline), row.remind_every_hours,  # type: ignore[arg-type]
                      row.max_reminders, row.reminders_sent, as_utc(row.created_at),  # type: ignore[arg-type]
                      as_utc(row.sent_at), as_utc(row.closed_at))


class SurveyStore:
    """Everything surveys keep in the database."""

    def __init__(self, db: Database, batch: int = 5, secret: str = "") -> None:
        self.db = db
        self.key = voter_key(secret)  # the platform secret; the console and tests key with "" (local only)
        self.pool = MixPool(batch)  # anonymous answers wait here until ``batch`` people answered
        self.ticks: dict[tuple[int, str, int], tuple[int, ...]] = {}  # anonymous multi-choice ticks, not stored

    def create(self, draft: SurveyDraft, author: str, now: datetime | None = None) -> SurveyInfo:
        """Store a draft (not sent yet) with a fresh random salt."""
        with self.db.session() as s:
            row = Survey(author=author, title=draft.title, kind=draft.kind, team=draft.team,
                         questions=[q.as_dict() for q in draft.questions], audience=list(draft.audience),
                         channels=draft.channels, anonymous=draft.anonymous, salt=secrets.token_hex(32),
                         deadline=draft.deadline, remind_every_hours=draft.remind_every_hours,
                         max_reminders=draft.max_reminders, created_at=now or utcnow())
            s.add(row)
            s.flush()
            return _info(row)

    def get(self, sid: int) -> SurveyInfo | None:
        """One survey, or None."""
        with self.db.session() as s:
            row = s.get(Survey, sid)
            return _info(row) if row is not None else None

    def list(self, limit: int = 20) -> list[SurveyInfo]:
        """The newest surveys first."""
        with self.db.session() as s:
            rows = s.exec(select(Survey).order_by(col(Survey.id).desc()).limit(limit)).all()
            return [_info(r) for r in rows]

    def _move(self, sid: int, before: tuple[str, ...], **values: object) -> bool:
        with self.db.session() as s:
            stmt = update(Survey).where(col(Survey.id) == sid, col(Survey.status).in_(before)).values(**values)
            return s.execute(stmt).rowcount == 1

    def open(self, sid: int, invitees: Iterable[str], now: datetime) -> bool:
        """Draft → open with its invitations, exactly once (a double-clicked Send opens it once)."""
        with self.db.session() as s:
            moved = s.execute(update(Survey).where(col(Survey.id) == sid, col(Survey.status) == "draft")
                              .values(status="open", sent_at=now)).rowcount == 1
            if moved:
                for ref in dict.fromkeys(invitees):
                    s.add(SurveyInvite(survey_id=sid, user_ref=ref[:255]))
            return moved

    def close(self, sid: int, now: datetime) -> bool:
        """Open → closed (False when it was not open); waiting anonymous answers are written and the survey sealed."""
        moved = self._move(sid, ("open",), status="closed", closed_at=now)
        if moved or self.pool.people(sid):
            self.seal(sid)
        return moved

    def discard(self, sid: int) -> bool:
        """Draft → cancelled (the preview's Cancel)."""
        return self._move(sid, ("draft",), status="cancelled")

    def delivered(self, sid: int, user_ref: str, error: str | None) -> None:
        """Record whether the invitation reached a person."""
        with self.db.session() as s:
            s.execute(update(SurveyInvite).where(SurveyInvite.survey_id == sid, SurveyInvite.user_ref == user_ref)
                      .values(status="failed" if error else "sent", error=error and error[:500]))

    def invites(self, sid: int) -> list[Invite]:
        """Every invitation of a survey, in invitation order."""
        with self.db.session() as s:
            rows = s.exec(select(SurveyInvite).where(SurveyInvite.survey_id == sid)
                          .order_by(col(SurveyInvite.id))).all()
        waiting = self._finished_in_pool(sid)
        return [Invite(r.user_ref, r.status, r.error, r.answered or r.user_ref in waiting, r.reminders) for r in rows]

    def _finished_in_pool(self, sid: int) -> set[str]:
        people = self.pool.people(sid)
        if not people:
            return set()
        row = self.get(sid)
        return {p for p in people if row is not None and len(self.answered(sid, p)) >= len(row.questions)}

    def invite(self, sid: int, user_ref: str) -> Invite | None:
        """One person's invitation, or None when not invited."""
        with self.db.session() as s:
            r = s.exec(select(SurveyInvite).where(SurveyInvite.survey_id == sid,
                                                  SurveyInvite.user_ref == user_ref)).first()
        return None if r is None else Invite(r.user_ref, r.status, r.error, r.answered, r.reminders)

    def join(self, sid: int, user_ref: str) -> None:
        """Invite someone who answers from a channel announcement."""
        try:
            with self.db.session() as s:
                s.execute(insert(SurveyInvite).values(survey_id=sid, user_ref=user_ref[:255], status="joined",
                                                      answered=False, reminders=0))
        except IntegrityError:
            pass

    def _voters(self, salt: str, user_ref: str) -> tuple[str, ...]:
        """The ballot hashes this person may have: keyed and unkeyed, of their ref and of its form before refs
        named the workspace (``slack:U1``, migration 0007), so a survey open across the upgrade still refuses a
        second answer."""
        refs = dict.fromkeys((user_ref, user_ref.rpartition("@")[0] if "@" in user_ref.partition(":")[2] else user_ref))
        return tuple(h for ref in refs for h in (voter_hash(self.key, salt, ref), legacy_hash(salt, ref)))

    def answered(self, sid: int, user_ref: str) -> set[int]:
        """The questions this person already answered (found through their salted hash)."""
        with self.db.session() as s:
            salt = s.exec(select(Survey.salt).where(Survey.id == sid)).one()
            mine = SurveyBallot.voter.in_(self._voters(salt, user_ref))
            rows = s.exec(select(SurveyBallot.question).where(SurveyBallot.survey_id == sid, mine)).all()
        return set(rows) | self.pool.questions(sid, user_ref)

    def record(self, sid: int, user_ref: str, q: int, choice: tuple[int, ...], text: str | None,
               now: datetime) -> str:
        """Store one answer: recorded | finished | duplicate | closed (once per person and question)."""
        try:
            with self.db.session() as s:
                row = s.get(Survey, sid)
                if row is None or row.status != "open" or now >= as_utc(row.deadline):  # type: ignore[operator]
                    return "closed"
                voter = voter_hash(self.key, row.salt, user_ref)
                if row.anonymous:
                    return self._hold(s, row, user_ref, q, (choice, text))
                mine = SurveyBallot.voter.in_(self._voters(row.salt, user_ref))
                if s.exec(select(SurveyBallot.question).where(SurveyBallot.survey_id == sid, mine,
                                                              SurveyBallot.question == q)).first() is not None:
                    return "duplicate"  # also a ballot stored with the unkeyed hash of earlier versions
                s.execute(insert(SurveyBallot).values(survey_id=sid, voter=voter, question=q))
                s.execute(insert(SurveyAnswer).values(
                    id=uuid.uuid4().hex, survey_id=sid, question=q, choice=list(choice), text=text,
                    answered_on=now.date(), user_ref=None if row.anonymous else user_ref))
                done = s.execute(select(func.count()).select_from(SurveyBallot).where(
                    SurveyBallot.survey_id == sid, SurveyBallot.voter == voter)).scalar_one()
                finished = done >= len(row.questions)
                if finished:
                    s.execute(update(SurveyInvite).where(SurveyInvite.survey_id == sid,
                                                         SurveyInvite.user_ref == user_ref).values(answered=True))
                return "finished" if finished else "recorded"
        except IntegrityError:
            return "duplicate"

    def _hold(self, s: Session, row: Survey, user_ref: str, q: int, answer: Answer) -> str:
        """An anonymous answer: into the mix pool (nothing is written now); a full pool is written as a batch."""
        assert row.id is not None
        stored = set(s.exec(select(SurveyBallot.question).where(
            SurveyBallot.survey_id == row.id, SurveyBallot.voter.in_(self._voters(row.salt, user_ref)))).all())
        if q in stored or not self.pool.add(row.id, user_ref, q, answer):
            return "duplicate"
        done = len(stored | self.pool.questions(row.id, user_ref)) >= len(row.questions)
        if ready := self.pool.ready(row.id):
            s.close()
            self.flush(row.id, ready)
        return "finished" if done else "recorded"

    def _insert_ignore(self, s: Session, values: dict[str, object]) -> bool:
        """Insert a ballot unless it exists (another replica wrote it first): True when this one counts."""
        stmt = (pg_insert if self.db.dialect == "postgresql" else sqlite_insert)(SurveyBallot).values(**values)
        return bool(s.execute(stmt.on_conflict_do_nothing()).rowcount)

    def flush(self, sid: int, questions: set[int] | None = None, keep_answers: bool = True) -> int:
        """Write the waiting batch (of ``questions``, else all): first the ballots and "answered" marks of its people
        (one transaction), then their answers shuffled, without identity or a time finer than the day (another)."""
        taken = self.pool.take(sid, questions)
        if not taken:
            return 0
        rows: builtins.list[tuple[int, Answer]] = []
        with self.db.session() as s:
            survey = s.get(Survey, sid)
            if survey is None:
                return 0
            finished = []
            for user in sorted(taken, key=lambda u: voter_hash(self.key, survey.salt, u)):
                voter = voter_hash(self.key, survey.salt, user)
                for q, answer in taken[user].items():
                    if self._insert_ignore(s, {"survey_id": sid, "voter": voter, "question": q}):
                        rows.append((q, answer))
                done = s.execute(select(func.count()).select_from(SurveyBallot).where(
                    SurveyBallot.survey_id == sid, SurveyBallot.voter == voter)).scalar_one()
                if done >= len(survey.questions):
                    finished.append(user)
            if finished:
                s.execute(update(SurveyInvite).where(SurveyInvite.survey_id == sid,
                                                     col(SurveyInvite.user_ref).in_(finished)).values(answered=True))
        if keep_answers:
            self._write_answers(sid, rows)
        return len(rows)

    def _write_answers(self, sid: int, rows: builtins.list[tuple[int, Answer]]) -> None:
        random.SystemRandom().shuffle(rows)
        day = utcnow().date()
        with self.db.session() as s:
            for q, (choice, text_) in rows:
                s.execute(insert(SurveyAnswer).values(id=uuid.uuid4().hex, survey_id=sid, question=q,
                                                      choice=list(choice), text=text_, answered_on=day, user_ref=None))

    def seal(self, sid: int) -> None:
        """At close: write what waits (dropped when the whole survey has fewer than ``batch`` respondents, whose
        answers could never be shown), rewrite every anonymous answer in one shuffled transaction, and let the
        database forget the batch history (SQLite: WAL checkpoint + secure delete; PostgreSQL: VACUUM)."""
        with self.db.session() as s:
            survey = s.get(Survey, sid)
            if survey is None or not survey.anonymous:
                return
            earlier = s.execute(select(func.count(func.distinct(SurveyBallot.voter))).where(
                SurveyBallot.survey_id == sid)).scalar_one()
        self.flush(sid, None, keep_answers=earlier + len(self.pool.people(sid)) >= self.pool.batch)
        with self.db.session() as s:
            if self.db.dialect == "sqlite":
                s.execute(text("PRAGMA secure_delete=ON"))
            old = s.exec(select(SurveyAnswer).where(SurveyAnswer.survey_id == sid)).all()
            rows = [(a.question, a.choice, a.text, a.answered_on) for a in old]
            s.execute(delete(SurveyAnswer).where(col(SurveyAnswer.survey_id) == sid))
            random.SystemRandom().shuffle(rows)
            day = max((r[3] for r in rows), default=utcnow().date())
            for q, choice, text_, _day in rows:
                s.execute(insert(SurveyAnswer).values(id=uuid.uuid4().hex, survey_id=sid, question=q, choice=choice,
                                                      text=text_, answered_on=day, user_ref=None))
        self._forget_history()

    def _forget_history(self) -> None:
        if self.db.dialect == "sqlite":
            with self.db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM survey_answer")

    def mark_answered(self, sid: int, user_refs: Iterable[str]) -> None:
        """Mark people as done (assessment surveys: their assessment finished)."""
        refs = list(user_refs)
        if refs:
            with self.db.session() as s:
                s.execute(update(SurveyInvite).where(SurveyInvite.survey_id == sid,
                                                     col(SurveyInvite.user_ref).in_(refs)).values(answered=True))

    def answers(self, sid: int) -> list[AnswerRow]:
        """Every answer of a survey (in the table's random-key order)."""
        info = self.get(sid)
        if info is not None and info.status == "closed" and self.pool.people(sid):
            self.seal(sid)  # answered here while another replica closed it
        with self.db.session() as s:
            rows = s.exec(select(SurveyAnswer).where(SurveyAnswer.survey_id == sid)
                          .order_by(col(SurveyAnswer.id))).all()
        return [AnswerRow(r.question, tuple(r.choice), r.text, r.user_ref) for r in rows]

    def claim_reminder(self, sid: int, user_ref: str, round_no: int) -> bool:
        """True for exactly one caller per person and reminder round (only while they have not answered)."""
        with self.db.session() as s:
            return s.execute(update(SurveyInvite).where(
                SurveyInvite.survey_id == sid, SurveyInvite.user_ref == user_ref,
                col(SurveyInvite.answered).is_(False), SurveyInvite.reminders == round_no - 1,
                col(SurveyInvite.status).in_(("sent", "joined"))).values(reminders=round_no)).rowcount == 1

    def count_reminder(self, sid: int, round_no: int) -> None:
        """Remember that reminder round ``round_no`` ran."""
        self._move(sid, ("open",), reminders_sent=round_no)

    def open_surveys(self) -> list[SurveyInfo]:
        """Surveys currently open."""
        with self.db.session() as s:
            return [_info(r) for r in s.exec(select(Survey).where(Survey.status == "open")).all()]

