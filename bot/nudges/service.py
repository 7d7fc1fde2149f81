"""Nudges: schedule (now, later, recurring; quiet hours respected), send through the scheduler exactly once per
recipient and occurrence (job kind ``nudge.send``), edit, reschedule, cancel, and report delivery. Every change
is audited. Used by the ``nudge`` intent and ``finops-bot nudge``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.db import as_utc
from bot.delivery.audience import resolve
from bot.delivery.records import Delivered, DeliveryLog, deliver
from bot.jobs.recurrence import first_occurrence
from bot.jobs.when import QuietHours, When
from bot.models import Reply
from bot.nudges.store import NudgeStore, NudgeView

if TYPE_CHECKING:
    from bot.infra import Infra
    from bot.jobs.scheduler import Job

log = logging.getLogger(__name__)
JOB_KIND = "nudge.send"


@dataclass(frozen=True)
class Plan:
    """When a nudge will go out: the due time after quiet hours, and whether quiet hours moved it."""

    due: datetime
    recurrence: str | None
    deferred: bool


class NudgeService:
    """The nudge feature over one set of services (``services.nudges``)."""

    def __init__(self, services: Infra) -> None:
        self.services = services
        self.store = NudgeStore(services.db)
        self.deliveries = DeliveryLog(services.db, services.scheduler.lease)
        self.quiet = QuietHours.parse(services.settings.quiet_hours)

    def plan(self, when: When) -> Plan:
        """Apply quiet hours to a parsed schedule."""
        due = self.quiet.defer(when.due, self.services.settings.tz) if self.quiet else when.due
        return Plan(due, when.recurrence, due != when.due)

    def local(self, at: datetime) -> str:
        """A UTC time as the tenant reads it: ``Fri 27 Nov 2026 09:00 Europe/Berlin``."""
        tz = self.services.settings.tz
        local = at.astimezone(tz)
        seconds = f":{local:%S}" if local.second else ""
        return f"{local:%a %d %b %Y %H:%M}{seconds} {tz.key}"

    # --- changes (synchronous: call through db.run) ---------------------------------------------------
    def schedule(self, author: str, text: str, audience: list[str], when: When) -> tuple[NudgeView, Plan]:
        """Store the nudge and its job; returns the nudge (status scheduled) and when it goes out."""
        plan = self.plan(when)
        nudge = self.store.create(author, text, audience, plan.due, plan.recurrence)
        job = self.services.scheduler.schedule(JOB_KIND, {"nudge": nudge.id}, plan.due, plan.recurrence, author)
        view = self.store.update(nudge.id, status="scheduled", job_id=job)
        assert view is not None
        self.services.audit.record(author, "nudge.create", f"nudge {nudge.id}", audience=",".join(audience),
                                   due=plan.due.isoformat(timespec="seconds"), recurrence=plan.recurrence or "once",
                                   job=job)
        return view, plan

    def cancel(self, actor: str, nudge_id: int) -> NudgeView:
        """Cancel a scheduled nudge (its pending job too)."""
        nudge = self._scheduled(nudge_id)
        if nudge.job_id is not None:
            self.services.scheduler.cancel(nudge.job_id)
        view = self.store.update(nudge_id, status="cancelled")
        assert view is not None
        self.services.audit.record(actor, "nudge.cancel", f"nudge {nudge_id}")
        return view

    def edit(self, actor: str, nudge_id: int, text: str) -> NudgeView:
        """Replace the text of a scheduled nudge."""
        self._scheduled(nudge_id)
        view = self.store.update(nudge_id, text=text)
        assert view is not None
        self.services.audit.record(actor, "nudge.edit", f"nudge {nudge_id}", field="text")
        return view

    def reschedule(self, actor: str, nudge_id: int, when: When) -> tuple[NudgeView, Plan]:
        """Move a scheduled nudge (its old job is cancelled and a new one created). A recurring nudge keeps its
        recurrence from the new time on, unless the new schedule names one or says "once"."""
        nudge = self._scheduled(nudge_id)
        if nudge.recurrence and when.recurrence is None and not when.once:
            when = When(first_occurrence(when.due, nudge.recurrence, self.services.settings.tz), nudge.recurrence)
        plan = self.plan(when)
        if nudge.job_id is not None:
            self.services.scheduler.cancel(nudge.job_id)
        job = self.services.scheduler.schedule(JOB_KIND, {"nudge": nudge_id}, plan.due, plan.recurrence, actor)
        view = self.store.update(nudge_id, due_at=plan.due, recurrence=plan.recurrence, job_id=job)
        assert view is not None
        self.services.audit.record(actor, "nudge.edit", f"nudge {nudge_id}", field="schedule",
                                   due=plan.due.isoformat(timespec="seconds"), recurrence=plan.recurrence or "once",
                                   job=job)
        return view, plan

    def _scheduled(self, nudge_id: int) -> NudgeView:
        nudge = self.store.get(nudge_id)
        if nudge is None:
            raise LookupError(f"there is no nudge {nudge_id}")
        if nudge.status != "scheduled":
            raise LookupError(f"nudge {nudge_id} is {self.state(nudge)}, so it can't be changed any more")
        return nudge

    # --- reading ---------------------------------------------------------------------------------------
    def state(self, nudge: NudgeView) -> str:
        """The status people see: a scheduled nudge whose job was missed (downtime) or failed says so."""
        if nudge.status == "scheduled" and nudge.job_id is not None:
            job = self.services.scheduler.get(nudge.job_id)
            if job is not None and job.status in ("missed", "failed"):
                return job.status
        return nudge.status

    def next_run(self, nudge: NudgeView) -> datetime:
        """When the nudge goes out next: its pending job's due time (a recurring job moves on after each send)."""
        if nudge.status == "scheduled" and nudge.job_id is not None:
            job = self.services.scheduler.get(nudge.job_id)
            if job is not None and job.status in ("pending", "running"):
                return as_utc(job.due_at) or nudge.due_at
        return nudge.due_at

    def delivery(self, nudge_id: int) -> list[Delivered]:
        """Per-recipient outcomes, newest occurrence first."""
        return self.deliveries.records(f"nudge:{nudge_id}")

    # --- sending (the scheduler's job handler) -----------------------------------------------------------
    async def run(self, job: Job) -> None:
        """Send one occurrence of a nudge to every recipient not yet served; quiet hours defer it."""
        db, tz, now = self.services.db, self.services.settings.tz, self.services.scheduler.clock()
        nudge = await db.run(self.store.get, int(job.payload.get("nudge", 0)))
        if nudge is None or nudge.status not in ("scheduled", "draft"):
            return
        occurrence = job.payload.get("occurrence") or (
            "once" if job.recurrence is None else f"{job.due_at.astimezone(tz):%Y-%m-%d}")
        if job.recurrence and job.due_at < now - self.services.scheduler.grace:
            # like a one-off job past the grace window: skip this occurrence; the scheduler sets the next one
            await db.run(self.services.audit.record, "scheduler", "nudge.missed", f"nudge {nudge.id}",
                         occurrence=occurrence)
            return
        if self.quiet and self.quiet.contains(now.astimezone(tz)):
            await db.run(self._defer, nudge, occurrence, now)
            return
        found = await db.run(resolve, list(nudge.audience), self.services.teams, self.services.settings.nudge_channels)
        source = f"nudge:{nudge.id}"
        for problem in found.problems:
            status = "skipped" if "FINOPS_NUDGE_CHANNELS" in problem else "failed"
            await db.run(self.deliveries.note, source, occurrence, f"problem:{problem[:200]}", "audience",
                         status, problem, nudge.id)
        results = await deliver(self.services, self.deliveries, source, occurrence, found.recipients,
                                [self.reply(nudge)], nudge_id=nudge.id,
                                per_day=self.services.settings.nudge_max_per_day, day=now.astimezone(tz).date(),
                                taken_over=job.taken_over)
        if job.recurrence is None:
            await db.run(self.store.update, nudge.id, status="sent")
        counts = {k: sum(1 for r in results if r.status == k) for k in ("sent", "failed", "skipped")}
        await db.run(self.services.audit.record, "scheduler", "nudge.send", f"nudge {nudge.id}",
                     occurrence=occurrence, job=job.id, **counts)

    def _defer(self, nudge: NudgeView, occurrence: str, now: datetime) -> None:
        assert self.quiet is not None
        due = self.quiet.defer(now, self.services.settings.tz)
        job = self.services.scheduler.schedule(JOB_KIND, {"nudge": nudge.id, "occurrence": occurrence}, due,
                                               None, "quiet-hours")
        if nudge.recurrence is None:
            self.store.update(nudge.id, due_at=due, job_id=job)
        log.info("nudge %s deferred by quiet hours to %s (job %s)", nudge.id, due.isoformat(), job)

    @staticmethod
    def reply(nudge: NudgeView) -> Reply:
        """The message recipients read."""
        return Reply(nudge.text, title="FinOps nudge", footer=f"Sent by {nudge.author} · nudge {nudge.id}")


def register_nudges(services: Infra) -> NudgeService:
    """Create ``services.nudges`` and let the scheduler run ``nudge.send`` jobs (called by bot/app.py)."""
    nudges = NudgeService(services)
    services.scheduler.register(JOB_KIND, nudges.run)
    return nudges
