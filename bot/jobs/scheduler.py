"""A database-polling scheduler: every due job is claimed by one replica, one job at a time, under a lease.

Why polling and not APScheduler: APScheduler 3 keeps its own job store and runs a job on every replica that
loaded it; exactly-once across replicas needs the claim in *our* database anyway, and a 5-second poll of an
indexed ``(status, due_at)`` query is cheap. On PostgreSQL the claim selects ``FOR UPDATE SKIP LOCKED`` (two
replicas never wait on each other's row), on SQLite a conditional ``UPDATE`` repeats the candidate test. A claim
is a short lease renewed by a heartbeat while the handler runs; a replica that dies stops renewing and its job is
taken over after the lease (handlers record per-recipient delivery, so the taker skips what was already sent and
reports the post in flight as unknown). Jobs can be ``held`` until released (a draft survey's planned send).
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

from sqlalchemy import insert, or_, update
from sqlmodel import select

from bot.db import UNAVAILABLE_ERRORS, Database, as_utc, utcnow
from bot.jobs.recurrence import check, next_occurrence
from bot.jobs.tables import ScheduledJob

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)  # default; renewed every third of it while the job runs (Settings: lease seconds)
MAX_ATTEMPTS = 3
RETRY_FLOOR = 1.0  # seconds: the soonest a throttled job is tried again


class RetryLater(Exception):
    """Raised by a job handler when the platform asked to wait (a 429): retried after ``after`` seconds (the
    platform's Retry-After) or the usual back-off, logged as a warning, not as a crash."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after
MAX_PER_PASS = 1000
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
    taken_over: bool = False  # claimed from a replica whose lease ran out: whatever it had in flight is unknown


Handler = Callable[[Job], Awaitable[None]]


class Scheduler:
    """Stores jobs, claims due ones exactly once, runs their handlers, reschedules recurring ones."""

    def __init__(self, db: Database, tz: ZoneInfo, *, grace: timedelta = timedelta(hours=1),
                 interval: float = 5.0, lease: timedelta = LEASE, batch: int = 1,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.tz, self.grace, self.interval, self.clock = db, tz, grace, interval, clock
        self.lease, self.batch = lease, batch
        self.worker = secrets.token_hex(6)
        self.handlers: dict[str, Handler] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def register(self, kind: str, handler: Handler) -> None:
        """Say which coroutine runs jobs of a kind."""
        self.handlers[kind] = handler

    def schedule(self, kind: str, payload: dict[str, Any], due_at: datetime, recurrence: str | None = None,
                 created_by: str = "system", held: bool = False) -> int:
        """Add a job; returns its id. A ``held`` job is not run until ``release``d (a draft's planned send)."""
        check(recurrence)
        with self.db.session() as s:
            job = ScheduledJob(kind=kind, payload=payload, due_at=due_at, recurrence=recurrence,
                               status="held" if held else "pending", created_by=created_by, created_at=utcnow())
            s.add(job)
            s.flush()
            assert job.id is not None
            return job.id

    def schedule_many(self, kind: str, payloads: list[dict[str, Any]], due_at: datetime,
                      created_by: str = "system") -> int:
        """Add one-off jobs of a kind in one transaction (a fan-out: one job per recipient); returns how many."""
        if payloads:
            with self.db.session() as s:
                s.execute(insert(ScheduledJob), [{"kind": kind, "payload": p, "due_at": due_at, "status": "pending",
                                                  "attempts": 0, "created_by": created_by, "created_at": utcnow()}
                                                 for p in payloads])
        return len(payloads)

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

    def release(self, job_id: int) -> bool:
        """Let a held job run at its due time; False when it is not held (already released or cancelled)."""
        with self.db.session() as s:
            return s.execute(update(ScheduledJob).where(ScheduledJob.id == job_id, ScheduledJob.status == "held")
                             .values(status="pending")).rowcount == 1

    def jobs(self, kind: str, statuses: tuple[str, ...] = ("pending",)) -> list[ScheduledJob]:
        """Jobs of a kind in the given statuses, soonest first."""
        with self.db.session() as s:
            q = select(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.status.in_(statuses))  # type: ignore[attr-defined]
            return list(s.exec(q.order_by(ScheduledJob.due_at)).all())  # type: ignore[arg-type]

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

    def claim_due(self, now: datetime, limit: int = 1) -> list[Job]:
        """Claim up to ``limit`` due jobs for this worker (pending ones, or running ones whose lease ran out);
        too-late one-off jobs are marked missed. PostgreSQL skips rows another replica is claiming."""
        return self._claim(now, limit)[0]

    def _claim(self, now: datetime, limit: int) -> tuple[list[Job], int]:
        """The claimed jobs and how many due rows were looked at (missed or lost ones do not end a pass)."""
        stale = now - self.lease
        expired = (ScheduledJob.status == "running") & (ScheduledJob.claimed_at < stale)  # type: ignore[operator]
        q = (select(ScheduledJob).where(or_(ScheduledJob.status == "pending", expired), ScheduledJob.due_at <= now)
             .order_by(ScheduledJob.due_at, ScheduledJob.id).limit(limit))  # type: ignore[arg-type]
        if self.db.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        claimed: list[Job] = []
        with self.db.session() as s:
            rows = s.exec(q).all()
            for row in rows:
                due = as_utc(row.due_at)
                assert due is not None and row.id is not None
                if due < now - self.grace and row.recurrence is None and row.status == "pending":
                    s.execute(update(ScheduledJob).where(ScheduledJob.id == row.id, ScheduledJob.status == "pending")
                              .values(status="missed", last_error="the server was down past the grace window"),
                              execution_options={"synchronize_session": False})
                    log.warning("scheduled job %s missed (due before the grace window)", row.id)
                    continue
                job = Job(row.id, row.kind, dict(row.payload), due, row.recurrence, row.attempts + 1,
                          row.status == "running")
                was, owner = row.status, row.claimed_by
                # The WHERE repeats the candidate test: on SQLite (no row locks) a second replica updates nothing.
                same = (ScheduledJob.status == "pending") if was == "pending" else expired
                taken = s.execute(update(ScheduledJob).where(ScheduledJob.id == row.id, same).values(
                    status="running", claimed_by=self.worker, claimed_at=now, attempts=ScheduledJob.attempts + 1),
                    execution_options={"synchronize_session": False})
                if taken.rowcount == 1:
                    if was == "running":
                        log.warning("scheduled job %s taken over from %s (lease expired)", row.id, owner)
                    claimed.append(job)
        return claimed, len(rows)

    def renew(self, job_id: int) -> bool:
        """Extend this worker's lease on a running job (the heartbeat); False when it was taken over."""
        with self.db.session() as s:
            return s.execute(update(ScheduledJob).where(
                ScheduledJob.id == job_id, ScheduledJob.claimed_by == self.worker, ScheduledJob.status == "running",
            ).values(claimed_at=self.clock())).rowcount == 1

    def finish(self, job: Job, error: str | None, now: datetime, retry_after: float | None = None) -> None:
        """Record the outcome; a recurring job gets its next occurrence, a failing one is retried (after
        ``retry_after`` seconds when the platform said so, else ``attempts`` minutes) or failed."""
        values: dict[str, Any] = {"last_error": error[:500] if error else None, "claimed_by": None}
        # A retry moves due_at; the occurrence it belongs to is kept so a recurring job stays on its schedule.
        occurrence = job.payload.get(OCCURRENCE) or job.due_at.isoformat()
        if error and job.attempts < MAX_ATTEMPTS:
            wait = (timedelta(seconds=max(RETRY_FLOOR, retry_after)) if retry_after is not None
                    else timedelta(minutes=job.attempts))
            values.update(status="pending", due_at=now + wait,
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
        """Claim and run due jobs one at a time until none is left (or stop was asked); returns how many ran.
        One at a time: a replica that dies holds one job, and two replicas share a long queue."""
        ran = 0
        while ran < MAX_PER_PASS:
            jobs, seen = await self.db.run(self._claim, now or self.clock(), self.batch)
            for job in jobs:
                await self._run(job)
            ran += len(jobs)
            if not seen or self._stopping.is_set():
                break
        return ran

    async def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        error = None if handler else f"no handler for job kind {job.kind!r}"
        retry_after = None
        heartbeat = asyncio.create_task(self._heartbeat(job.id), name=f"finops-lease-{job.id}")
        try:
            if handler:
                try:
                    await handler(job)
                except RetryLater as exc:
                    retry_after, error = exc.after, f"throttled: {exc}"
                    log.warning("scheduled job %s (%s) throttled (%s); retried in %s", job.id, job.kind, exc,
                                f"{max(RETRY_FLOOR, exc.after):.0f} s" if exc.after is not None
                                else f"{job.attempts} min")
                except Exception as exc:
                    log.exception("scheduled job %s (%s) failed", job.id, job.kind)
                    error = f"{type(exc).__name__}: {exc}"
        finally:
            heartbeat.cancel()  # also when this task is cancelled: a dead replica stops renewing
        await self.db.run(self.finish, job, error, self.clock(), retry_after)

    async def _heartbeat(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                if not await self.db.run(self.renew, job_id):
                    log.warning("scheduled job %s: lease lost to another replica", job_id)
                    return
            except UNAVAILABLE_ERRORS:
                log.warning("scheduled job %s: lease not renewed (database unavailable)", job_id)

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
