"""Forecast accuracy: the backtest-chosen method vs the naive 7-day run-rate, in the same run.

1. Generated daily series with known shapes (flat, linear growth, weekday pattern, step change, exponential
   growth, noisy), 120 days of history before a random day of a month; the error is on the spend still to come
   (period-end total minus what is already known), as a median absolute percentage error over the series.
2. The real FOCUS 1.0 sample (``tests/data/focus_sample_1.0.csv``, September 2024, four providers): each
   provider's daily series cut at every day from the 10th to the 25th, forecast to Sep 30.

``python -m bench.forecast`` prints the table; ``run()`` returns the rows.
"""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import row
from bot.costs.forecast import best_forecast, run_rate

SHAPES = ("flat", "growth", "weekday", "step", "exponential", "noisy")
SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "focus_sample_1.0.csv"


def series(shape: str, rng: random.Random, start: date, days: int) -> dict[date, Decimal]:
    """A daily cost series of a known shape."""
    base = rng.uniform(50, 5000)
    out = {}
    for i in range(days):
        d = start + timedelta(days=i)
        v = base
        if shape == "growth":
            v *= 1 + 0.006 * i
        elif shape == "weekday":
            v *= 0.45 if d.weekday() >= 5 else 1.15
        elif shape == "step":
            v *= 1.6 if i >= days - 35 else 1
        elif shape == "exponential":
            v *= math.exp(0.01 * i)
        noise = rng.gauss(0, 0.25 if shape == "noisy" else 0.06)
        out[d] = Decimal(str(round(max(0.0, v * (1 + noise)), 6)))
    return out


def _err(total: Decimal, actual: Decimal, truth: Decimal) -> float:
    future = truth - actual
    return abs(float(total - truth)) / abs(float(future)) if future else 0.0


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    return s[len(s) // 2] if s else 0.0


def statsmodels_total(hist: dict[date, Decimal], actual: Decimal, cut: date, end: date) -> Decimal | None:
    """Holt-Winters from statsmodels (additive trend, weekly seasonality) on the last 84 days, or None."""
    try:
        import warnings

        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except ImportError:
        return None
    y = [float(hist.get(cut - timedelta(days=83 - i), 0)) for i in range(84)]
    remaining = (end - cut).days - 1
    if remaining <= 0:
        return actual
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=7).fit()
    return actual + Decimal(str(round(float(sum(fit.forecast(remaining))), 6)))


def generated(n: int = 240, seed: int = 11) -> tuple[dict[str, list[float]], dict[str, list[float]], float,
                                                       list[tuple[float, float]]]:
    """Per shape: errors of ours and of run-rate; the share of truths inside our band; statsmodels' errors."""
    rng = random.Random(seed)
    ours: dict[str, list[float]] = defaultdict(list)
    naive: dict[str, list[float]] = defaultdict(list)
    sm: list[tuple[float, float]] = []  # (ours, statsmodels) on the same series
    inside = 0
    for k in range(n):
        shape = SHAPES[k % len(SHAPES)]
        month = date(2025, 1 + rng.randrange(12), 1)
        cut = month + timedelta(days=rng.randrange(1, 25))
        end = (month + timedelta(days=32)).replace(day=1)
        data = series(shape, rng, cut - timedelta(days=119), 120 + (end - cut).days)
        hist = {d: v for d, v in data.items() if d <= cut}
        actual = sum((v for d, v in hist.items() if d >= month), Decimal(0))
        truth = sum((v for d, v in data.items() if month <= d < end), Decimal(0))
        fc = best_forecast(hist, actual, cut, end)
        ours[shape].append(_err(fc.total, actual, truth))
        naive[shape].append(_err(run_rate(hist, actual, cut, end).total, actual, truth))
        inside += fc.low is not None and fc.high is not None and fc.low <= truth <= fc.high
        other = statsmodels_total(hist, actual, cut, end) if k % 4 == 0 else None  # a quarter: it is slow
        if other is not None:
            sm.append((ours[shape][-1], _err(other, actual, truth)))
    return ours, naive, inside / n, sm


def sample() -> tuple[list[float], list[float]]:
    """Errors on the real FOCUS sample's per-provider daily series (September 2024)."""
    per: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    with SAMPLE.open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["BilledCost"] not in ("", "NULL"):
                per[r["ProviderName"]][date.fromisoformat(r["ChargePeriodStart"][:10])] += Decimal(r["BilledCost"])
    ours, naive = [], []
    end = date(2024, 10, 1)
    for days in per.values():
        if len(days) < 20:
            continue  # a provider with a partial month only
        truth = sum(days.values(), Decimal(0))
        for c in range(10, 26):
            cut = date(2024, 9, c)
            hist = {d: v for d, v in days.items() if d <= cut}
            actual = sum(hist.values(), Decimal(0))
            ours.append(_err(best_forecast(hist, actual, cut, end).total, actual, truth))
            naive.append(_err(run_rate(hist, actual, cut, end).total, actual, truth))
    return ours, naive


def run() -> list[dict[str, Any]]:
    """The benchmark rows (median absolute % error of the remaining spend; lower is better)."""
    ours, naive, coverage, sm = generated()
    rows = []
    for shape in SHAPES:
        o, b = _median(ours[shape]) * 100, _median(naive[shape]) * 100
        rows.append(row(f"forecast error, generated {shape}", o, b, "<= 1.3x run-rate", o <= b * 1.3, "%"))
    allo = _median([e for v in ours.values() for e in v]) * 100
    alln = _median([e for v in naive.values() for e in v]) * 100
    rows.append(row("forecast error, generated (all)", allo, alln, "< run-rate", allo < alln, "%"))
    if sm:
        smo, mine = _median([b for _a, b in sm]) * 100, _median([a for a, _b in sm]) * 100
        rows.append(row(f"statsmodels Holt-Winters error vs ours ({len(sm)} series)", smo, mine, "info", True,
                        "%"))
    rows.append(row("forecast band covers the truth (generated)", coverage * 100, None, ">= 60%", coverage >= 0.6,
                    "%"))
    so, sn = sample()
    o, b = _median(so) * 100, _median(sn) * 100
    rows.append(row(f"forecast error, real FOCUS sample ({len(so)} cuts)", o, b, "<= 1.3x run-rate", o <= b * 1.3,
                    "%"))
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r['name']:<48} ours {r['ours']:>8} {r['unit']}  naive {r['baseline']}  ratio {r['ratio']}  "
              f"{'pass' if r['passed'] else 'FAIL'}")
