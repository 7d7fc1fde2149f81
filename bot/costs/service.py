"""``services.budgets``: the cost feature's entry points for intents, alerts, App Home and the CLI."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.costs.budgets import BudgetStore
from bot.costs.engine import CostEngine
from bot.costs.report import status_reply, summary
from bot.costs.status import BudgetStatus, compute
from bot.costs.store import CostStore, ImportResult
from bot.db import UNAVAILABLE_ERRORS, Database, utcnow
from bot.metrics import Metrics
from bot.models import Reply

log = logging.getLogger(__name__)


class BudgetService:
    """Cost import, budgets and budget status over one database (synchronous; use ``db.run`` from async code)."""

    def __init__(self, db: Database, settings: Settings, metrics: Metrics | None = None) -> None:
        self.db = db
        self.settings = settings
        self.metrics = metrics
        self.costs = CostStore(db, settings.allocation_tag)
        self.budgets = BudgetStore(db)
        self.engine = CostEngine(db)

    def import_file(self, path: Path, batch: tuple[tuple[int, str], ...] = (), progress: Any = None) -> ImportResult:
        """Import one FOCUS file (alerts are checked separately: ``bot.costs.alerts.check_alerts``).

        Counted in ``finops_cost_imports_total{status}``: ok, partial (some rows rejected) or failed.
        """
        try:
            result = self.costs.import_file(path, batch, progress)
        except Exception:
            self._count("failed")
            raise
        self._count("partial" if result.parsed.rows_rejected else "ok")
        self.refresh_rollup(result)
        return result

    def refresh_rollup(self, result: ImportResult | None = None) -> None:
        """Rebuild the monthly rollup for the months an import touched (all months without one); a failure only
        leaves the rollup stale, which the engine detects and reads the daily rows instead."""
        from bot.costs.query import add_months
        from bot.costs.rollup import refresh

        months = None
        if result is not None:
            touched = {g.day.replace(day=1) for g in result.parsed.groups}
            touched |= {bp.replace(day=1) for _s, bp in result.parsed.periods}
            months = touched | {add_months(m, k) for m in touched for k in (-1, 1)}  # replaced rows may spill over
        try:
            refresh(self.db, months)
        except UNAVAILABLE_ERRORS:
            log.warning("monthly cost rollup not refreshed (database unavailable); cost questions read the daily rows")
        except Exception:
            log.exception("monthly cost rollup not refreshed; cost questions read the daily rows")

    def _count(self, status: str) -> None:
        if self.metrics is not None:
            self.metrics.imports.labels(status).inc()

    def status(self, team: str, today: date | None = None, column: str | None = None,
               currency: str | None = None, within: date | None = None) -> BudgetStatus | None:
        """The team's budget status, relative to the latest imported data (or for the earlier period ``within``)."""
        today = today or utcnow().astimezone(self.settings.tz).date()
        s = compute(self.costs, self.budgets, team, today, column or self.settings.cost_column,
                    self.settings.forecast_days, currency=currency, within=within)
        return replace(s, demo=True) if s is not None and self.is_demo() else s

    def is_demo(self) -> bool:
        """True when the stored costs are the generated demo data (it never sits beside imported data)."""
        from sqlalchemy import select

        from bot.costs.tables import CostImport

        with self.db.engine.connect() as conn:
            return conn.execute(select(CostImport.id).where(
                CostImport.file_name.like("demo-focus%")).limit(1)).first() is not None  # type: ignore[attr-defined]

    def status_reply(self, team: str, today: date | None = None, column: str | None = None,
                     chart: bool = True) -> Reply | None:
        """The chat answer with its chart; None when no cost data has been imported."""
        s = self.status(team, today, column)
        if s is None:
            return None
        return status_reply(s, self.chart(s) if chart else None)

    @staticmethod
    def chart(s: BudgetStatus) -> bytes | None:
        """The PNG chart for a status (CPU-bound: callers off the event loop run it in a plain thread)."""
        from bot.costs.chart import render

        try:
            return render(s)
        except Exception:  # the numbers still go out without a picture
            log.exception("budget chart failed for team %s", s.team)
            return None

    def monthly_budget(self, team: str, currency: str, grain: str = "month") -> Decimal | None:
        """The team's budget for a chart line: its quarterly budget on quarter charts, else its monthly one."""
        wanted = "quarterly" if grain == "quarter" else "monthly"
        return next((b.amount for b in self.budgets.budgets(team) if b.currency == currency and b.period == wanted),
                    None)

    def summary_line(self, team_name: str) -> str | None:
        """One line for App Home ("1,234.00 USD of 2,000.00 USD (62%) …"), or None without cost data."""
        s = self.status(team_name)
        return None if s is None else summary(s)
