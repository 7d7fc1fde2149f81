"""Forecast methods and their backtested choice on series of known shape."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.costs.forecast import backtest, best_forecast, dense, m_linear, m_weekday, run_rate

LAST = date(2025, 6, 14)


def _series(f, days: int = 120) -> dict[date, Decimal]:  # type: ignore[no-untyped-def]
    return {LAST - timedelta(days=days - 1 - i): Decimal(str(f(i, LAST - timedelta(days=days - 1 - i))))
            for i in range(days)}


def test_linear_growth_is_chosen_and_beats_run_rate() -> None:
    s = _series(lambda i, d: 100 + 2 * i)
    actual = sum((v for d, v in s.items() if d >= date(2025, 6, 1)), Decimal(0))
    fc = best_forecast(s, actual, LAST, date(2025, 7, 1))
    truth = actual + sum(Decimal(100 + 2 * (119 + k)) for k in range(1, 17))
    assert "linear" in fc.method or "Holt" in fc.method
    assert abs(fc.total - truth) < abs(run_rate(s, actual, LAST, date(2025, 7, 1)).total - truth)
    assert abs(fc.total - truth) / truth < Decimal("0.01") and fc.low <= fc.total <= fc.high  # type: ignore[operator]


def test_weekday_pattern_is_projected_per_weekday() -> None:
    s = _series(lambda i, d: 40 if d.weekday() >= 5 else 100)
    future = m_weekday(dense(s, LAST, 120), LAST, 7)
    want = [40.0 if (LAST + timedelta(days=k)).weekday() >= 5 else 100.0 for k in range(1, 8)]
    assert future == want
    fc = best_forecast(s, Decimal(0), LAST, LAST + timedelta(days=8))
    assert "weekday" in fc.method and fc.total == Decimal(sum(want))


def test_backtest_errors_and_short_history_falls_back_to_run_rate() -> None:
    flat = dense(_series(lambda i, d: 10), LAST, 120)
    assert backtest(flat, LAST, 7, m_linear) == [0.0] * 6
    short = _series(lambda i, d: 10, days=5)
    fc = best_forecast(short, Decimal(50), LAST, date(2025, 7, 1))
    assert fc.method.startswith("linear run-rate") and fc.total == Decimal(50 + 16 * 10)
