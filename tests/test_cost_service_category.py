"""Spend by FOCUS ServiceCategory ("what did we spend on compute?"): stored per daily and monthly aggregate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from bot.app import build_bot
from bot.costs.query import CostQuery, Filters, Period
from tests.conftest import message
from tests.costs_helpers import V10, row, write


async def test_spend_by_service_category_on_both_tables(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for day in ("2024-09-02", "2024-09-03", "2024-10-01"):
        rows += [row("100", service="Amazon EC2", day=day, ServiceCategory="Compute"),
                 row("40", service="AWS Lambda", day=day, ServiceCategory="Compute"),
                 row("25.5", service="Amazon S3", day=day, ServiceCategory="Storage")]
    path = write(tmp_path / "cat.csv", rows, [*V10, "ServiceCategory"])
    b = build_bot(settings, demo=False)
    s = b.services
    try:
        s.teams.upsert("payments")
        s.budgets.import_file(path)  # type: ignore[union-attr]
        engine = s.budgets.engine  # type: ignore[union-attr]
        months = Period(date(2024, 9, 1), date(2024, 11, 1), "September and October", "range")  # monthly rollup
        days = Period(date(2024, 9, 2), date(2024, 9, 3), "Sep 2", "day")  # daily rows
        compute = Filters(service_category="compute")  # case-insensitive, as people type it
        assert engine.answer(CostQuery(("payments",), months, compute)).total == Decimal(420)  # 140 × 3 days
        assert engine.answer(CostQuery(("payments",), days, compute)).total == Decimal(140)
        storage = engine.answer(CostQuery(("payments",), months, Filters(service_category="Storage")))
        assert storage.total == Decimal("76.5")
        assert engine.answer(CostQuery(("payments",), months)).total == Decimal("496.5")
        said = await b.router.handle(message("what did payments spend on compute?"))
        assert "service category = Compute" in said.replies[0].text, said.replies[0].text
        assert "no stored cost has the service category" not in said.replies[0].text
        split = await b.router.handle(message("payments spend by category in october 2024"))
        text = split.replies[0].text
        assert "by service category" in text and "Compute: 140.00 USD" in text and "Storage: 25.50 USD" in text, text
    finally:
        s.db.dispose()
