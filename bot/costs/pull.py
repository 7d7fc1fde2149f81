"""Pull cost exports from object storage: new or changed deliveries only, each stored in one transaction, then the
budget checks; scheduled daily (``FINOPS_COST_SOURCES``) and exactly once across replicas by the scheduler's claim.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.costs.focus_import import read_focus
from bot.costs.manifests import Delivery, plan
from bot.costs.sources import list_objects, local_copy, read_text
from bot.costs.store import CostStore, ImportResult
from bot.db import utcnow
from bot.errors import UserError

log = logging.getLogger(__name__)
PULL_JOB = "costs.pull"
ACTOR = "system:costs.pull"


@dataclass(frozen=True)
class PullResult:
    """One source pulled: what was imported, what was unchanged, what could not be imported (and why)."""

    url: str
    imported: tuple[tuple[Delivery, tuple[ImportResult, ...]], ...]
    unchanged: tuple[Delivery, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Nothing failed."""
        return not self.problems


ProgressFor = Callable[[Any, str], Any]  # (local path, label) -> progress callback or None


def pull(costs: CostStore, url: str, progress_for: ProgressFor | None = None) -> PullResult:
    """Import every new or changed delivery under ``url``; a failing delivery keeps its period's stored data."""
    try:
        found = plan(list_objects(url), read_text)
    except UserError as exc:
        return PullResult(url, (), (), (str(exc),))
    alloc = costs.allocator()
    imported: list[tuple[Delivery, tuple[ImportResult, ...]]] = []
    unchanged: list[Delivery] = []
    problems = list(found.problems)
    for d in found.deliveries:
        ids = [p.identity for p in d.parts]
        if set(ids) <= costs.imported(ids):
            unchanged.append(d)
            continue
        try:
            parsed = []
            for part in d.parts:
                with local_copy(part) as path:
                    progress = progress_for(path, part.name) if progress_for else None
                    parsed.append(read_focus(path, alloc.tag_keys, alloc.team_for, part.identity, progress))
            results = costs.store_delivery(parsed, [p.url for p in d.parts])
        except UserError as exc:
            problems.append(f"{d.slot}: {exc} (nothing from this delivery was stored; the period's data is kept)")
            continue
        imported.append((d, tuple(results)))
    return PullResult(url, tuple(imported), tuple(unchanged), tuple(problems))


def summary(r: PullResult) -> str:
    """One line per source for the CLI, the audit log and the failure post."""
    rows = sum(x.parsed.rows_imported for _d, results in r.imported for x in results)
    text = (f"{r.url}: {len(r.imported)} deliveries imported ({rows:,} rows), {len(r.unchanged)} unchanged"
            + (f", {len(r.problems)} problems" if r.problems else ""))
    return text


def register_pulls(services: Any) -> None:
    """Let the scheduler run ``pull_all`` for jobs of kind ``costs.pull``."""
    scheduler = getattr(services, "scheduler", None)
    if scheduler is None:
        return

    async def handler(_job: object) -> None:
        await pull_all(services)

    scheduler.register(PULL_JOB, handler)


def ensure_pull_job(services: Any) -> bool:
    """Schedule the recurring pull once when sources are configured (synchronous); True when created."""
    settings, scheduler = services.settings, getattr(services, "scheduler", None)
    if scheduler is None or not settings.cost_sources:
        return False
    return bool(scheduler.ensure(PULL_JOB, utcnow() + timedelta(minutes=1), settings.cost_pull_every))


async def pull_all(services: Any) -> list[PullResult]:
    """Pull every configured source, record each in the audit log, report failures to practitioners, then run
    the budget checks ``costs import`` runs (when anything was imported)."""
    from bot.costs.alerts import check_alerts

    results = []
    for url in services.settings.cost_sources:
        r = await services.db.run(pull, services.budgets.costs, url)
        results.append(r)
        await services.db.run(services.audit.record, ACTOR, "costs.pull", url[:255], imported=len(r.imported),
                              unchanged=len(r.unchanged), problems=list(r.problems)[:10])
        log.info("%s", summary(r))
        if r.problems:
            await report_failure(services, r)
    if any(r.imported for r in results):
        await check_alerts(services)
    return results


async def report_failure(services: Any, r: PullResult) -> None:
    """Post the problems to every practitioner and admin by DM, through the delivery records (once per run)."""
    from bot.delivery.audience import resolve
    from bot.delivery.records import DeliveryLog, deliver
    from bot.models import Reply

    people = set(services.settings.admin_refs) | {u for u, roles in (await services.db.run(services.roles.all)).items()
                                              if "practitioner" in roles or "admin" in roles}
    specs = sorted(f"{u.split(':', 1)[0]}:dm:{u.split(':', 1)[1]}" for u in people
                   if u.split(":", 1)[0] in ("slack", "teams"))
    found = await services.db.run(resolve, specs, services.teams)
    lines = "\n".join(f"• {p}" for p in r.problems[:10])
    reply = Reply(f"The scheduled cost pull from {r.url} had problems:\n{lines}\n"
                  f"Stored cost data for those periods was kept. Check the export and its credentials; the next "
                  f"pull retries.", title="Cost import problem")
    source = "costs.pull:" + hashlib.sha1(r.url.encode()).hexdigest()[:20]
    results = await deliver(services, DeliveryLog(services.db), source, utcnow().strftime("%Y-%m-%dT%H:%M"),
                            found.recipients, [reply])
    if not found.recipients or not any(d.status == "sent" for d in results):
        log.warning("cost pull problems for %s reached no practitioner (none configured or delivery failed)", r.url)
