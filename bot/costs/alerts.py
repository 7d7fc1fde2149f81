"""Budget threshold alerts: detect crossings, claim each (budget, period, threshold) once in the database,
deliver to the team's Slack channel and/or Teams conversation, and record failures for a later retry.

``check_alerts(services)`` is safe to run from several replicas at once: a claim is a unique insert. A process
that cannot post to a team's platforms (``costs import`` on the command line has no Slack or Teams sender) claims
nothing: it leaves an outbox row, a ``budget_alerts.now`` job due at once, and a replica delivers within one
scheduler interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.costs.budgets import Budget
from bot.costs.report import money
from bot.costs.status import BudgetStatus
from bot.costs.tables import CostAlert
from bot.db import Database, utcnow
from bot.infra import Infra
from bot.models import Choice, Field, Reply

if TYPE_CHECKING:
    from bot.costs.service import BudgetService

log = logging.getLogger(__name__)


class CostHost(Infra, Protocol):
    """What budget alerts and the cost demo use of the running bot (bot/infra.py): the budgets too."""

    @property
    def budgets(self) -> BudgetService | None: ...
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class AlertOutcome:
    """One alert message: which thresholds it covered and whether it reached the team."""

    team: str
    budget_id: int
    period_start: date
    thresholds: tuple[str, ...]
    ok: bool
    error: str | None = None
    queued: bool = False  # handed to the replicas (this process cannot post there); not yet claimed


def crossed(status: BudgetStatus, thresholds: tuple[str, ...]) -> list[str]:
    """The thresholds the status has reached (``actual:80`` = 80 % of budget spent, ``forecast:100`` …)."""
    out = []
    for t in thresholds:
        kind, pct = t.split(":")
        value = status.used_pct if kind == "actual" else status.forecast_pct
        if value is not None and value >= int(pct):
            out.append(t)
    return out


def claim(db: Database, budget_id: int, period_start: date, threshold: str) -> bool:
    """Claim one alert: True for exactly one caller (a failed earlier attempt can be re-claimed a few times)."""
    now = utcnow()
    try:
        with db.session() as s:
            s.execute(insert(CostAlert).values(budget_id=budget_id, period_start=period_start, threshold=threshold,
                                               status="sending", attempts=1, created_at=now, updated_at=now))
        return True
    except IntegrityError:
        pass
    with db.session() as s:
        result = s.execute(update(CostAlert).where(
            CostAlert.budget_id == budget_id, CostAlert.period_start == period_start,
            CostAlert.threshold == threshold, CostAlert.status == "failed", CostAlert.attempts < MAX_ATTEMPTS,
        ).values(status="sending", attempts=CostAlert.attempts + 1, updated_at=now))
        return result.rowcount == 1


def record(db: Database, budget_id: int, period_start: date, thresholds: tuple[str, ...], ok: bool,
           error: str | None, detail: str) -> None:
    """Store the delivery outcome on every claimed row."""
    with db.session() as s:
        s.execute(update(CostAlert).where(
            CostAlert.budget_id == budget_id, CostAlert.period_start == period_start,
            CostAlert.threshold.in_(thresholds),  # type: ignore[attr-defined]
        ).values(status="sent" if ok else "failed", error=(error or None) and error[:500], detail=detail[:1000],
                 updated_at=utcnow()))


def alerts(db: Database, status: str | None = None) -> list[CostAlert]:
    """Stored alerts (optionally only ``sent`` or ``failed``), oldest first."""
    q = select(CostAlert).order_by(CostAlert.id)  # type: ignore[arg-type]
    if status:
        q = q.where(CostAlert.status == status)
    with db.session() as s:
        return list(s.execute(q).scalars())


def alert_reply(status: BudgetStatus, budget: Budget, thresholds: tuple[str, ...]) -> Reply:
    """The alert message: what was crossed, the figures, and a button for the full status."""
    words = [f"{t.split(':')[1]}% of budget" + (" (forecast)" if t.startswith("forecast") else "")
             for t in thresholds]
    text = (f"Budget alert for {status.team}: {', '.join(words)} reached. {status.column_name} so far: "
            f"{money(status.actual, status.currency)} of {money(budget.amount, budget.currency)} {budget.period} "
            f"({status.used_pct:.0f}%); forecast {money(status.forecast.total, status.currency)} "
            f"({status.forecast.method}). Data as of {status.data_as_of:%Y-%m-%d %H:%M} UTC.")
    return Reply(text, title=f"Budget alert: {status.team}", fields=(
        Field("Actual", money(status.actual, status.currency)), Field("Budget", money(budget.amount, budget.currency)),
        Field("Forecast", money(status.forecast.total, status.currency))),
        choices=(Choice("Budget status", f"budget status for {status.team}"),))


async def check_alerts(services: CostHost, *, hand_off: bool = False) -> list[AlertOutcome]:
    """Check every budget against the latest data; claim and send new crossings. Never raises for delivery.
    With ``hand_off`` (command-line processes) an alert this process cannot post is queued for the replicas."""
    svc, db = services.budgets, services.db
    if svc is None:
        return []
    outcomes: list[AlertOutcome] = []
    for budget in await db.run(svc.budgets.budgets):
        status = await db.run(svc.status, budget.team, None, None, budget.currency)
        if status is None or status.budget is None or status.budget.id != budget.id:
            continue
        hits = crossed(status, budget.thresholds)
        if hits and hand_off and not await _deliverable_here(services, budget.team):
            todo = tuple([t for t in hits if await db.run(claimable, db, budget.id, status.period_start, t)])
            if todo:
                outcomes.append(AlertOutcome(budget.team, budget.id, status.period_start, todo, False,
                                             "queued for the running server", queued=True))
            continue
        mine = tuple([t for t in hits if await db.run(claim, db, budget.id, status.period_start, t)])
        if mine:
            outcomes.append(await _deliver(services, status, budget, mine))
    if any(o.queued for o in outcomes):
        await db.run(queue_check, services)
    return outcomes


def claimable(db: Database, budget_id: int, period_start: date, threshold: str) -> bool:
    """Whether a claim would succeed now (nothing stored yet, or a failure with attempts left); claims nothing."""
    with db.session() as s:
        row = s.execute(select(CostAlert).where(
            CostAlert.budget_id == budget_id, CostAlert.period_start == period_start,
            CostAlert.threshold == threshold)).scalars().first()
    return row is None or (row.status == "failed" and row.attempts < MAX_ATTEMPTS)


async def _deliverable_here(services: CostHost, team: str) -> bool:
    """Whether this process has a poster for one of the team's channels (a team with none fails anywhere)."""
    from bot.delivery.audience import resolve

    found = await services.db.run(resolve, [f"team:{team}"], services.teams)
    return not found.recipients or any(r.target.platform in services.delivery.platforms for r in found.recipients)


def queue_check(services: CostHost) -> int | None:
    """The outbox row: a one-off ``budget_alerts.now`` job due now (one is enough while it is pending)."""
    sched = services.scheduler
    if sched.pending(ALERT_NOW_JOB):
        return None
    return sched.schedule(ALERT_NOW_JOB, {}, utcnow(), created_by="costs-cli")


async def _deliver(services: CostHost, status: BudgetStatus, budget: Budget,
                   thresholds: tuple[str, ...]) -> AlertOutcome:
    """Post through the nudge delivery records (one row per channel, failures kept; a retry re-posts only
    where it failed); the team's channels are resolved like a nudge's ``team:<name>`` audience."""
    from bot.delivery.audience import resolve
    from bot.delivery.records import DeliveryLog, deliver

    found = await services.db.run(resolve, [f"team:{budget.team}"], services.teams)
    reply = alert_reply(status, budget, thresholds)
    results = await deliver(services, DeliveryLog(services.db, services.scheduler.lease), f"budget-alert:{budget.id}",
                            f"{status.period_start.isoformat()}:{','.join(thresholds)}", found.recipients, [reply],
                            retry_failed=True)
    errors = [f"{d.description}: {d.reason}" for d in results if d.status != "sent"]
    if not found.recipients:
        errors.append("the team has no Slack channel or Teams conversation")
    ok = any(d.status == "sent" for d in results)
    error = "; ".join(errors) or None
    await services.db.run(record, services.db, budget.id, status.period_start, thresholds, ok, error, reply.text)
    if not ok:
        log.warning("budget alert for team %s not delivered: %s", budget.team, error)
    return AlertOutcome(budget.team, budget.id, status.period_start, thresholds, ok, error)


ALERT_JOB = "budget_alerts"  # daily scheduler job: re-checks thresholds and retries failed alerts
ALERT_NOW_JOB = "budget_alerts.now"  # one-off: alerts a command-line process found and left for the replicas


def register_alerts(services: CostHost) -> None:
    """Let the scheduler run ``check_alerts`` for jobs of kind ``budget_alerts``."""
    scheduler = getattr(services, "scheduler", None)
    if scheduler is None:
        return

    async def handler(_job: object) -> None:
        await check_alerts(services)

    scheduler.register(ALERT_JOB, handler)
    scheduler.register(ALERT_NOW_JOB, handler)


def ensure_alert_job(services: CostHost) -> None:
    """Schedule the daily check once (called after imports and budget changes; synchronous)."""
    scheduler = getattr(services, "scheduler", None)
    if scheduler is not None:
        scheduler.ensure(ALERT_JOB, utcnow() + timedelta(hours=1), "daily")
