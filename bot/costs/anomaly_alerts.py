"""Anomaly alerts: each spike is claimed once (unique team/service/day/currency), posted to the team's channels
through the nudge delivery records, and can be acknowledged or marked expected from its buttons."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.costs.anomalies import Anomaly, Rules, detect
from bot.costs.query_sql import as_date
from bot.costs.report import money
from bot.costs.tables import NANO, CostAnomaly, CostDaily
from bot.db import Database, utcnow
from bot.models import Choice, Field, Reply

if TYPE_CHECKING:
    from bot.infra import Infra

log = logging.getLogger(__name__)
ANOMALY_JOB = "cost_anomalies"  # daily scheduler job
ANOMALY_NOW_JOB = "cost_anomalies.now"  # one-off: a command-line import asks the replicas to check (and post) now
LOOKBACK_DAYS = 3  # the latest days with data that are checked (late-arriving data is still caught)
ACTIONS = {"ack": "acknowledged", "expected": "expected"}


@dataclass(frozen=True)
class AnomalyOutcome:
    """One posted anomaly."""

    id: int
    anomaly: Anomaly
    ok: bool
    error: str | None = None


def claim(db: Database, a: Anomaly) -> int | None:
    """The new row's id for exactly one caller; None when this spike was already claimed."""
    now = utcnow()
    try:
        with db.session() as s:
            return int(s.execute(insert(CostAnomaly).values(
                team=a.team, service=a.service, day=a.day, currency=a.currency, amount=int(a.amount * NANO),
                baseline=int(a.baseline * NANO), status="sending", created_at=now, updated_at=now,
            ).returning(CostAnomaly.id)).scalar_one())
    except IntegrityError:
        return None


def set_status(db: Database, anomaly_id: int, status: str, by: str | None = None, error: str | None = None,
               detail: str | None = None) -> bool:
    """Record a delivery outcome or a person's action; False for an unknown id."""
    values: dict[str, object] = {"status": status, "updated_at": utcnow()}
    if by is not None:
        values["acted_by"] = by[:255]
    if error is not None:
        values["error"] = error[:500]
    if detail is not None:
        values["detail"] = detail[:1000]
    with db.session() as s:
        return (s.execute(update(CostAnomaly).where(CostAnomaly.id == anomaly_id).values(**values)).rowcount or 0) == 1


def get(db: Database, anomaly_id: int) -> CostAnomaly | None:
    """One stored anomaly."""
    with db.session() as s:
        row = s.get(CostAnomaly, anomaly_id)
        if row is not None:
            s.expunge(row)
        return row


def recent(db: Database, teams: list[str], start: date, end: date) -> list[CostAnomaly]:
    """Stored anomalies of ``teams`` on days in ``[start, end)``, newest first (open ones before acted-on ones)."""
    with db.session() as s:
        rows = list(s.scalars(select(CostAnomaly).where(
            CostAnomaly.team.in_(teams), CostAnomaly.day >= start, CostAnomaly.day < end)  # type: ignore[attr-defined]
            .order_by(CostAnomaly.day.desc(), CostAnomaly.id.desc())))  # type: ignore[attr-defined]
        for row in rows:
            s.expunge(row)
    acted = ("acknowledged", "expected")
    return sorted(rows, key=lambda r: r.status in acted)  # stable: newest first within each group


def anomaly_reply(anomaly_id: int, a: Anomaly) -> Reply:
    """The alert: what spiked, by how much against which baseline, the driver, and the two buttons."""
    cur = a.currency
    where = ", ".join(x for x in (f"account {a.account}" if a.account else "", f"region {a.region}"
                                  if a.region else "") if x)
    text = (f"Spend anomaly for {a.team}: {a.service} cost {money(a.amount, cur)} on {a.day:%a %b %-d}, "
            f"{a.over_pct:.0f}% over its usual {money(a.baseline, cur)} for that weekday"
            + (f" (mostly {where})" if where else "") + ". BilledCost; baseline = median of the same weekday "
            "over the previous weeks.")
    return Reply(text, title=f"Spend anomaly: {a.team}", fields=(
        Field("Service", a.service), Field("Day", f"{a.day:%Y-%m-%d}"), Field("Amount", money(a.amount, cur)),
        Field("Baseline", money(a.baseline, cur)), Field("Over baseline", f"{a.over_pct:.0f}%"),
        Field("Driver", where or "-")),
        choices=(Choice("Acknowledge", f"anomaly ack {anomaly_id}", "primary"),
                 Choice("Mark expected", f"anomaly expected {anomaly_id}")))


def latest_days(db: Database, n: int = LOOKBACK_DAYS) -> list:  # type: ignore[type-arg]
    """The last ``n`` days up to the latest day with data."""
    with db.engine.connect() as conn:
        last = conn.execute(select(func.max(CostDaily.day))).scalar()
    if last is None:
        return []
    last = as_date(last)
    return [last - timedelta(days=k) for k in range(n)]


async def check_anomalies(services: Infra) -> list[AnomalyOutcome]:
    """Detect spikes on the latest days, claim the new ones and post each once. Never raises for delivery."""
    from bot.delivery.audience import resolve
    from bot.delivery.records import DeliveryLog, deliver

    db, st = services.db, services.settings
    rules = Rules(threshold_pct=getattr(st, "anomaly_threshold_pct", 50),
                  min_amount=getattr(st, "anomaly_min_amount", 20))
    days = await db.run(latest_days, db)
    out: list[AnomalyOutcome] = []
    for a in await db.run(detect, db, days, rules):
        anomaly_id = await db.run(claim, db, a)
        if anomaly_id is None:
            continue
        found = await db.run(resolve, [f"team:{a.team}"], services.teams)
        reply = anomaly_reply(anomaly_id, a)
        results = await deliver(services, DeliveryLog(db), f"cost-anomaly:{anomaly_id}", a.day.isoformat(),
                                found.recipients, [reply], retry_failed=True)
        ok = any(d.status == "sent" for d in results)
        errors = [f"{d.description}: {d.reason}" for d in results if d.status != "sent"]
        if not found.recipients:
            errors.append("the team has no Slack channel or Teams conversation")
        error = "; ".join(errors) or None
        await db.run(set_status, db, anomaly_id, "sent" if ok else "failed", None, error, reply.text)
        if not ok:
            log.warning("anomaly alert for team %s not delivered: %s", a.team, error)
        out.append(AnomalyOutcome(anomaly_id, a, ok, error))
    return out


def register_anomalies(services: Infra) -> None:
    """Let the scheduler run ``check_anomalies`` for jobs of kind ``cost_anomalies``."""
    scheduler = getattr(services, "scheduler", None)
    if scheduler is None:
        return

    async def handler(_job: object) -> None:
        await check_anomalies(services)

    scheduler.register(ANOMALY_JOB, handler)
    scheduler.register(ANOMALY_NOW_JOB, handler)


def queue_anomaly_check(services: Infra) -> int | None:
    """After a command-line import: a one-off check due now, run by a replica that can post (one while pending).

    A command-line process has no Slack or Teams sender, so it must not claim anomalies it cannot deliver."""
    sched = services.scheduler
    if sched.pending(ANOMALY_NOW_JOB):
        return None
    return sched.schedule(ANOMALY_NOW_JOB, {}, utcnow(), created_by="costs-cli")


def ensure_anomaly_job(services: Infra) -> None:
    """Schedule the daily check once (after imports; synchronous)."""
    scheduler = getattr(services, "scheduler", None)
    if scheduler is not None:
        scheduler.ensure(ANOMALY_JOB, utcnow() + timedelta(hours=1), "daily")
