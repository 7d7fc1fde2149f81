"""Budget status and budget set through the router, forecast arithmetic, stale data (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bot.costs.forecast import run_rate
from bot.costs.tables import NANO
from tests.conftest import message
from tests.costs_helpers import row, service_for, write
from tests.understanding_helpers import intent_of, understanding


async def test_budget_status_through_the_router_with_demo_data(bot) -> None:
    svc = bot.services.budgets
    result = await bot.router.handle(message("budget status for payments"))
    assert result.intent == "budget_status"
    reply = result.replies[0]
    status = svc.status("payments")
    assert status is not None and status.budget is not None
    rows = svc.costs.daily("payments", "USD", status.period_start, status.period_end)
    actual = sum(Decimal(v) for _d, _s, v in rows) / NANO  # independent of status.compute
    assert f"{actual:,.2f} USD" in reply.text and "BilledCost" in reply.text
    fields = {f.label: f.value for f in reply.fields}
    assert set(fields) >= {"Actual", "Budget", "Used", "Forecast", "Days left", "Top services", "Data as of"}
    assert ("run-rate" in fields["Forecast"] or "chosen by backtest" in fields["Forecast"]) and \
        fields["Used"].endswith("%")
    assert "Biggest change" in fields and " vs " in fields["Biggest change"]  # demo: RDS jumps 35 % this month
    as_of = svc.costs.data_as_of()
    assert as_of is not None and f"{as_of:%Y-%m-%d %H:%M}" in fields["Data as of"]
    assert reply.image is not None and reply.image.png.startswith(b"\x89PNG")


async def test_effective_cost_option_and_ambiguous_team(bot) -> None:
    result = await bot.router.handle(message("budget status for checkout amortized"))
    assert "EffectiveCost" in result.replies[0].text
    ask = await bot.router.handle(message("budget status"))  # console:you@local is in two teams
    assert "which one" in ask.replies[0].text
    assert {c.value for c in ask.replies[0].choices} == {"budget status for payments", "budget status for checkout"}
    pressed = await bot.router.handle(message(ask.replies[0].choices[0].value))
    assert pressed.replies[0].title and pressed.replies[0].title.startswith("Budget status")


async def test_fuzzy_team_names_and_access(bot) -> None:
    typo = await bot.router.handle(message("budget status for paymnts"))
    assert typo.replies[0].title == "Budget status: payments"
    unknown = await bot.router.handle(message("budget status for zzqx"))
    assert "don't know a team" in unknown.replies[0].text and unknown.replies[0].choices
    stranger = await bot.router.handle(message("budget status for payments", user="stranger"))
    assert "Only payments" in stranger.replies[0].text
    own = await bot.router.handle(message("are we over budget?", user="U0DEMO2", platform="slack"))
    assert own.replies[0].title == "Budget status: checkout" and "forecast to exceed" in own.replies[0].text


async def test_set_budget_in_chat_needs_owner_or_practitioner(bot) -> None:
    done = await bot.router.handle(message("set budget for payments to 12000 USD monthly"))
    assert done.intent == "budget_set" and "12,000.00 USD" in done.replies[0].text
    assert bot.services.budgets.budgets.budgets("payments")[0].amount == Decimal(12000)
    denied = await bot.router.handle(message("set budget for payments to 1 USD", user="U0DEMO2", platform="slack"))
    assert "Only payments" in denied.replies[0].text
    assert bot.services.budgets.budgets.budgets("payments")[0].amount == Decimal(12000)
    quarterly = await bot.router.handle(message("set the data-platform budget to 30k EUR quarterly"))
    assert "quarterly budget of data-platform is 30,000.00 EUR" in quarterly.replies[0].text


def test_stale_data_reports_the_latest_month_and_says_so(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    rows = [row("10", day=f"2024-09-{d:02d}") for d in range(1, 11)] + [row("3", day="2024-08-05", service="S3")]
    svc.import_file(write(tmp_path / "old.csv", rows))
    svc.budgets.set_budget("payments", Decimal(300), "USD")
    status = svc.status("payments", today=date(2026, 1, 15))
    assert status is not None and status.stale and status.period_start == date(2024, 9, 1)
    assert status.actual == 100 and status.used_pct == Decimal(100) / 3
    assert status.forecast.total == 100 + 10 * 20  # 7-day run-rate 10/day × 20 remaining days
    assert status.last_day == date(2024, 9, 10) and status.data_as_of == datetime(2024, 9, 11, tzinfo=UTC)
    reply = svc.status_reply("payments", today=date(2026, 1, 15), chart=False)
    assert reply is not None and "latest cost data ends Sep 10, 2024" in reply.text
    assert svc.summary_line("payments") == "100.00 USD of 300.00 USD (33%), forecast 100% · data as of Sep 10"


def test_run_rate_forecast_arithmetic() -> None:
    per_day = {date(2024, 9, d): Decimal(d) for d in range(1, 11)}
    f = run_rate(per_day, Decimal(55), date(2024, 9, 10), date(2024, 10, 1), window=5)
    assert f.daily_rate == Decimal(8) and f.remaining_days == 20 and f.total == 55 + 160
    assert "last 5 days × 20 remaining days" in f.method


def test_requests_are_read_with_their_team_and_column_and_concept_questions_are_not() -> None:
    from bot.understanding.context import ParseContext

    ctx = ParseContext(teams={"payments": (), "checkout": ()})
    for text, team, column in (("budget status for payments", "payments", None), ("are we over budget?", None, None),
                               ("budget status for checkout effective cost", "checkout", "effective")):
        parse = understanding().parse(text, ctx)
        assert parse.intent == "budget_status" and (parse.entities.team, parse.entities.column) == (team, column)
    for concept in ("what is budgeting?", "what is a budget", "explain budgets"):
        assert intent_of(concept) != "budget_status"
    assert intent_of("set budget for x to 5") == "budget_set"
