"""Anomaly detection: precision and recall on generated daily series with injected spikes, against a naive
detector (the day above 1.5 × the mean of the previous 7 days) in the same run.

Series: 600 team/service series of 120 days with weekday patterns (weekends 30–70 % of weekdays), noise of 3–20 %,
slow growth or decline, and occasional level shifts (not anomalies: a new steady level); spikes of 1.8–5 × the
expected value injected on about 3 % of the last 42 days. Each of those 42 days is scored; thresholds are the
defaults (50 % and 20 currency units over the baseline, 4 scaled MADs).

``python -m bench.anomalies`` prints the table; ``run()`` returns the rows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from bench.common import row
from bot.costs.anomalies import Rules, spike_on

START = date(2025, 1, 6)
DAYS, SCORED, SERIES = 120, 42, 600


def generate(rng: random.Random) -> tuple[dict[date, float], set[date]]:
    """One series and the days a spike was injected."""
    base, weekend = rng.uniform(40, 3000), rng.uniform(0.3, 0.7) if rng.random() < 0.6 else 1.0
    noise, drift = rng.uniform(0.03, 0.2), rng.uniform(-0.002, 0.004)
    shift_at = rng.randrange(30, DAYS) if rng.random() < 0.15 else None
    shift = rng.uniform(0.6, 1.6)
    series: dict[date, float] = {}
    spikes: set[date] = set()
    for i in range(DAYS):
        d = START + timedelta(days=i)
        v = base * (1 + drift * i) * (weekend if d.weekday() >= 5 else 1.0)
        if shift_at is not None and i >= shift_at:
            v *= shift
        v *= max(0.0, 1 + rng.gauss(0, noise))
        if i >= DAYS - SCORED and rng.random() < 0.03:
            v *= rng.uniform(1.8, 5.0)
            spikes.add(d)
        series[d] = v
    return series, spikes


def naive(series: dict[date, float], day: date) -> bool:
    """The day exceeds 1.5 × the mean of the previous 7 days."""
    prev = [series[day - timedelta(days=k)] for k in range(1, 8)]
    return series[day] > 1.5 * sum(prev) / len(prev)


def score(seed: int = 3) -> dict[str, tuple[int, int, int]]:
    """(true positives, false positives, false negatives) per detector."""
    rng = random.Random(seed)
    rules = Rules()
    counts = {"ours": [0, 0, 0], "naive": [0, 0, 0]}
    for _ in range(SERIES):
        series, spikes = generate(rng)
        for i in range(DAYS - SCORED, DAYS):
            d = START + timedelta(days=i)
            seen = {k: v for k, v in series.items() if k <= d}
            for name, hit in (("ours", spike_on(seen, d, rules) is not None),
                              ("naive", naive(series, d))):
                c = counts[name]
                if hit and d in spikes:
                    c[0] += 1
                elif hit:
                    c[1] += 1
                elif d in spikes:
                    c[2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in counts.items()}


def run() -> list[dict[str, Any]]:
    """Precision and recall rows (ours vs naive)."""
    counts = score()
    pr = {}
    for name, (tp, fp, fn) in counts.items():
        pr[name] = (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)
    (p, r), (pn, rn) = pr["ours"], pr["naive"]
    tp, fp, fn = counts["ours"]
    return [
        row(f"anomaly precision ({tp} tp, {fp} fp)", p * 100, pn * 100, ">= 90%", p >= 0.9, "%"),
        row(f"anomaly recall ({fn} missed)", r * 100, rn * 100, ">= 80%", r >= 0.8, "%"),
    ]


if __name__ == "__main__":
    for x in run():
        print(f"{x['name']:<40} ours {x['ours']:>7} {x['unit']}  naive {x['baseline']}  "
              f"{'pass' if x['passed'] else 'FAIL'}")
