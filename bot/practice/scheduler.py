"""A database-polling scheduler: every due job is claimed by one replica with a conditional update.

Why polling and not APScheduler: APScheduler 3 keeps its own job store and runs a job on every replica that
loaded it; exactly-once across replicas needs the claim in *our* database anyway, and a 5-second poll of an
indexed ``(status, due_at)`` query is cheap. Claiming is ``UPDATE … SET status='running' WHERE id=:id AND
status='pending'``: on PostgreSQL the second replica's UPDATE waits on the row lock, re-checks the WHERE and
updates nothing; on SQLite writes are serialised. A job whose replica died mid-run is retried after a lease
(handlers record per-recipient delivery, so a retry skips what was already sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlmodel import select

from bot.db import UNAVAILABLE_ERRORS, Database, as_utc, utcnow
from bot.practice.recurrence import RECURRENCES, next_occurrence
from bot.practice.tables import ScheduledJob

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3
OCCURRENCE = "_occurrence"  # payload key: the scheduled time of the occurrence a retried job belongs to


@dataclass(frozen=True)
class Job:
    """A claimed job as handlers see it."""

    id: int
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    recurrence: str | None
    attempts: int


Handler = Callable[[Job], Awaitable[None]]


class Scheduler:
    """Stores jobs, claims due ones exactly once, runs their handlers, reschedules recurring ones."""

    def __init__(self, db: Database, tz: ZoneInfo, *, grace: timedelta = timedelta(hours=1),
                 interval: float = 5.0, clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.tz, self.grace, self.interval, self.clock = db, tz, grace, interval, clock
        self.worker = secrets.token_hex(6)
        self.handlers: dict[str, Handler] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def register(self, kind: str, handler: Handler) -> None:
        """Say which coroutine runs jobs of a kind."""
        self.handlers[kind] = handler

    def schedule(self, kind: str, payload: dict[str, Any], due_at: datetime, recurrence: str | None = None,
                 created_by: str = "system") -> int:
        """Add a job; returns its id."""
        if recurrence is not None and recurrence not in RECURRENCES:
            raise ValueError(f"unknown recurrence {recurrence!r}: use one of {', '.join(RECURRENCES)}")
        with self.db.session() as s:
            job = ScheduledJob(kind=kind, payload=payload, due_at=due_at, recurrence=recurrence,
                               created_by=created_by, created_at=utcnow())
            s.add(job)
            s.flush()
            assert job.id is not None
            return job.id

    def ensure(self, kind: str, due_at: datetime, recurrence: str) -> bool:
        """Create a recurring job of ``kind`` unless one is already pending or running; True when created."""
        with self.db.session() as s:
            live = s.exec(select(ScheduledJob.id).where(ScheduledJob.kind == kind,
                                                        ScheduledJob.status.in_(("pending", "running")))  # type: ignore[attr-defined]
                          ).first()
        if live is not None:
            return False
        self.schedule(kind, {}, due_at, recurrence)
        return True

    def cancel(self, job_id: int) -> bool:
        """Cancel a pending job; False when it already ran or does not exist."""
        return self._set(job_id, status="cancelled")

    def reschedule(self, job_id: int, due_at: datetime, payload: dict[str, Any] | None = None) -> bool:
        """Move (and optionally edit) a pending job."""
        values: dict[str, Any] = {"due_at": due_at}
        if payload is not None:
            values["payload"] = payload
        return self._set(job_id, **values)

    def get(self, job_id: int) -> ScheduledJob | None:
        """A job row by id."""
        with self.db.session() as s:
            return s.get(ScheduledJob, job_id)

    def pending(self, kind: str | None = None) -> list[ScheduledJob]:
        """Pending jobs, soonest first."""
        with self.db.session() as s:
            q = select(ScheduledJob).where(ScheduledJob.status == "pending")
            if kind:
                q = q.where(ScheduledJob.kind == kind)
            return list(s.exec(q.order_by(ScheduledJob.due_at)).all())  # type: ignore[arg-type]

    def _set(self, job_id: int, **values: Any) -> bool:
        with self.db.session() as s:
            result = s.execute(update(ScheduledJob).where(ScheduledJob.id == job_id,
                                                          ScheduledJob.status == "pending").values(**values))
            return result.rowcount == 1

    def claim_due(self, now: datetime, limit: int = 20) -> list[Job]:
        """Claim up to ``limit`` due jobs for this worker; too-late one-off jobs are marked missed."""
        stale = now - LEASE
        with self.db.session() as s:
            rows = s.exec(
                select(ScheduledJob).where(
                    or_(ScheduledJob.status == "pending",
                        (ScheduledJob.status == "running") & (ScheduledJob.claimed_at < stale)),  # type: ignore[operator]
                    ScheduledJob.due_at <= now,
                ).order_by(ScheduledJob.due_at).limit(limit)  # type: ignore[arg-type]
            ).all()
            candidates = [(r.id, r.status, as_utc(r.due_at), r.recurrence) for r in rows]
        claimed = []
        for job_id, status, due, recurrence in candidates:
            assert due is not None and job_id is not None
            if due < now - self.grace and recurrence is None and status == "pending":
                self._mark_missed(job_id)
                continue
            if self._claim(job_id, status, now):
                claimed.append(job_id)
        return [self._job(job_id) for job_id in claimed]

    def _claim(self, job_id: int, status: str, now: datetime) -> bool:
        with self.db.session() as s:
            result = s.execute(
                update(ScheduledJob).where(ScheduledJob.id == job_id, ScheduledJob.status == status)
                .values(status="running", claimed_by=self.worker, claimed_at=now,
                        attempts=ScheduledJob.attempts + 1)
            )
            return result.rowcount == 1

    def _mark_missed(self, job_id: int) -> None:
        self._set(job_id, status="missed", last_error="the server was down past the grace window")
        log.warning("scheduled job %s missed (due before the grace window)", job_id)

    def _job(self, job_id: int) -> Job:
        with self.db.session() as s:
            row = s.get(ScheduledJob, job_id)
            assert row is not None and row.id is not None
            return Job(row.id, row.kind, dict(row.payload), as_utc(row.due_at), row.recurrence,  # type: ignore[arg-type]
                       row.attempts)

    def finish(self, job: Job, error: str | None, now: datetime) -> None:
        """Record the outcome; a recurring job gets its next occurrence, a failing one is retried or failed."""
        values: dict[str, Any] = {"last_error": error[:500] if error else None, "claimed_by": None}
        # A retry moves due_at; the occurrence it belongs to is kept so a recurring job stays on its schedule.
        occurrence = job.payload.get(OCCURRENCE) or job.due_at.isoformat()
        if error and job.attempts < MAX_ATTEMPTS:
            values.update(status="pending", due_at=now + timedelta(minutes=job.attempts),
                          payload={**job.payload, OCCURRENCE: occurrence})
        elif job.recurrence:
            payload = {k: v for k, v in job.payload.items() if k != OCCURRENCE}
            values.update(status="pending", attempts=0, payload=payload,
                          due_at=next_occurrence(datetime.fromisoformat(occurrence), job.recurrence, self.tz, now))
        else:
            values.update(status="failed" if error else "done")
        with self.db.session() as s:
            s.execute(update(ScheduledJob).where(ScheduledJob.id == job.id,
                                                 ScheduledJob.claimed_by == self.worker).values(**values))

    async def run_due(self, now: datetime | None = None) -> int:
        """Claim and run every due job once; returns how many ran."""
        now = now or self.clock()
        jobs = await self.db.run(self.claim_due, now)
        for job in jobs:
            handler = self.handlers.get(job.kind)
            error = None if handler else f"no handler for job kind {job.kind!r}"
            if handler:
                try:
                    await handler(job)
                except Exception as exc:
                    log.exception("scheduled job %s (%s) failed", job.id, job.kind)
                    error = f"{type(exc).__name__}: {exc}"
            await self.db.run(self.finish, job, error, self.clock())
        return len(jobs)

    async def _loop(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self.run_due()
            except UNAVAILABLE_ERRORS:
                log.warning("scheduler: database unavailable, retrying in %.0f s", self.interval)
            except Exception:
                log.exception("scheduler pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.interval)

    async def start(self) -> None:
        """Start polling in the background (``serve`` and ``chat`` call this)."""
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._loop(self._stopping), name="finops-scheduler")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop polling after the pass in progress (graceful shutdown); cancel it after ``timeout``."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(self._task, timeout)
        except TimeoutError:
            log.warning("scheduler: pass still running after %.0f s, cancelled", timeout)
        self._task = None
