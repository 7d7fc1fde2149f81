"""Per-recipient delivery records for nudges and budget alerts: each (source, occurrence, recipient) is claimed by a
unique insert before posting, so a retried job or a second replica never posts twice to the same place."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import Database, as_utc, utcnow
from bot.delivery.audience import Recipient
from bot.delivery.tables import DeliveryRecord, NudgeQuota
from bot.models import Reply

if TYPE_CHECKING:
    from bot.delivery import Delivery

log = logging.getLogger(__name__)
STALE_SENDING = timedelta(minutes=1)  # a "sending" row older than a job lease belongs to a replica that died
UNKNOWN = ("unknown: may have been delivered (the replica posting it stopped mid-post; not re-sent, to avoid a "
           "duplicate)")


@dataclass(frozen=True)
class Delivered:
    """One recipient's outcome, as stored."""

    recipient: str
    description: str
    platform: str
    status: str  # sent | failed | skipped | sending | unknown
    reason: str | None
    occurrence: str
    at: datetime


class DeliveryLog:
    """Claims, outcomes and the daily per-recipient quota, in the database."""

    def __init__(self, db: Database, stale: timedelta = STALE_SENDING) -> None:
        self.db, self.stale = db, stale

    def claim(self, source: str, occurrence: str, r: Recipient, nudge_id: int | None = None,
              retry_failed: bool = False, stale: timedelta | None = None) -> bool:
        """True for exactly one caller per (source, occurrence, recipient); a dead replica's claim (a "sending"
        row older than ``stale``) is closed as unknown. With ``retry_failed`` a recipient whose post failed may
        be claimed again (budget alerts retry)."""
        now = utcnow()
        try:
            with self.db.session() as s:
                s.execute(insert(DeliveryRecord).values(
                    source=source, nudge_id=nudge_id, occurrence=occurrence, recipient=r.key,
                    description=r.description[:255], platform=r.target.platform, status="sending", at=now))
            return True
        except IntegrityError:
            pass
        if retry_failed:
            with self.db.session() as s:
                again = s.execute(update(DeliveryRecord).where(*self._row(source, occurrence, r.key),
                                                               DeliveryRecord.status == "failed")
                                  .values(status="sending", reason=None, at=now))
                if again.rowcount == 1:
                    return True
        cutoff = now - (self.stale if stale is None else stale)
        with self.db.session() as s:  # not re-sent: the dead replica may have posted before it died
            s.execute(update(DeliveryRecord).where(*self._row(source, occurrence, r.key),
                                                   DeliveryRecord.status == "sending",
                                                   col(DeliveryRecord.at) <= cutoff)
                      .values(status="unknown", reason=UNKNOWN))
        return False

    def finish(self, source: str, occurrence: str, key: str, status: str, reason: str | None = None,
               message_id: str | None = None) -> None:
        """Store a claimed recipient's outcome."""
        with self.db.session() as s:
            s.execute(update(DeliveryRecord).where(*self._row(source, occurrence, key)).values(
                status=status, reason=reason and reason[:500], message_id=message_id, at=utcnow()))

    def status(self, source: str, occurrence: str, key: str) -> str | None:
        """One recipient's stored status, or None when never claimed."""
        with self.db.session() as s:
            return s.exec(select(DeliveryRecord.status).where(*self._row(source, occurrence, key))).first()

    def note(self, source: str, occurrence: str, key: str, description: str, status: str, reason: str,
             nudge_id: int | None = None) -> None:
        """Record a recipient that was not posted to (unknown team, guarded channel), once per occurrence."""
        platform = key.split(":", 1)[0]
        try:
            with self.db.session() as s:
                s.execute(insert(DeliveryRecord).values(
                    source=source, nudge_id=nudge_id, occurrence=occurrence, recipient=key[:255],
                    description=description[:255], platform=platform[:16], status=status, reason=reason[:500],
                    at=utcnow()))
        except IntegrityError:
            pass

    def take_quota(self, key: str, day: date, limit: int) -> bool:
        """Count one nudge for a recipient's day; False when ``limit`` were already sent (atomic across replicas)."""
        try:
            with self.db.session() as s:
                s.execute(insert(NudgeQuota).values(recipient=key, day=day, count=0))
        except IntegrityError:
            pass
        with self.db.session() as s:
            return s.execute(update(NudgeQuota).where(NudgeQuota.recipient == key, NudgeQuota.day == day,
                                                      NudgeQuota.count < limit)
                             .values(count=NudgeQuota.count + 1)).rowcount == 1

    def give_back(self, key: str, day: date) -> None:
        """Undo ``take_quota`` for a post that failed."""
        with self.db.session() as s:
            s.execute(update(NudgeQuota).where(NudgeQuota.recipient == key, NudgeQuota.day == day,
                                               NudgeQuota.count > 0).values(count=NudgeQuota.count - 1))

    def records(self, source: str) -> list[Delivered]:
        """Every recipient of a source, newest occurrence first."""
        with self.db.session() as s:
            rows = s.exec(select(DeliveryRecord).where(DeliveryRecord.source == source)
                          .order_by(col(DeliveryRecord.id).desc())).all()
        return [Delivered(r.recipient, r.description, r.platform, r.status, r.reason, r.occurrence,
                          as_utc(r.at) or r.at) for r in rows]

    @staticmethod
    def _row(source: str, occurrence: str, key: str) -> tuple[object, ...]:
        return (DeliveryRecord.source == source, DeliveryRecord.occurrence == occurrence,
                DeliveryRecord.recipient == key)


class Host(Protocol):
    """What posting needs of the running bot (``bot.infra.Infra`` has it)."""

    @property
    def db(self) -> Database: ...

    @property
    def delivery(self) -> Delivery: ...


async def deliver(services: Host, log_: DeliveryLog, source: str, occurrence: str,
                  recipients: Sequence[Recipient], replies: Sequence[Reply], *, nudge_id: int | None = None,
                  per_day: int = 0, day: date | None = None, retry_failed: bool = False,
                  taken_over: bool = False) -> list[Delivered]:
    """Post to every recipient not yet claimed for this occurrence, recording each outcome; never raises for
    platform errors. ``per_day`` > 0 applies the daily limit on ``day`` (excess recorded as skipped).
    ``taken_over``: the job's previous replica died, so every post it left "sending" is closed as unknown."""
    db, out = services.db, []
    stale = timedelta(0) if taken_over else None
    for r in recipients:
        if not await db.run(log_.claim, source, occurrence, r, nudge_id, retry_failed, stale):
            continue
        if per_day and day is not None and not await db.run(log_.take_quota, r.key, day, per_day):
            reason = f"rate limit: {r.description} already got {per_day} nudges on {day:%Y-%m-%d}"
            await db.run(log_.finish, source, occurrence, r.key, "skipped", reason)
            out.append(Delivered(r.key, r.description, r.target.platform, "skipped", reason, occurrence, utcnow()))
            continue
        result = await services.delivery.send(r.target, replies)
        status = "sent" if result.ok else "failed"
        if not result.ok and per_day and day is not None:
            await db.run(log_.give_back, r.key, day)
        await db.run(log_.finish, source, occurrence, r.key, status, result.error, result.message_id)
        if not result.ok:
            log.warning("delivery %s to %s failed: %s", source, r.description, result.error)
        out.append(Delivered(r.key, r.description, r.target.platform, status, result.error, occurrence, utcnow()))
    return out
