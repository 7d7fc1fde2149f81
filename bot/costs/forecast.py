"""Period-end forecasts: run-rate, weekday-aware run-rate, linear trend and Holt smoothing, chosen per series by
backtested accuracy on its own history, with an error band from that backtest."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Forecast:
    """Projected period-end spend and how it was computed; ``low``/``high`` bound it when backtested."""

    total: Decimal
    daily_rate: Decimal
    remaining_days: int
    window_days: int
    method: str
    low: Decimal | None = None
    high: Decimal | None = None
    error_pct: Decimal | None = None  # median absolute backtest error of the remaining spend


def run_rate(per_day: Mapping[date, Decimal], actual: Decimal, last_day: date, period_end: date,
             window: int = 7) -> Forecast:
    """``actual`` plus the average of the last ``window`` days (through ``last_day``) × days after ``last_day``.

    Days without rows inside the window count as zero spend; the window never looks before the first day with data.
    """
    first = min(per_day) if per_day else last_day
    start = max(first, last_day - timedelta(days=window - 1))
    days = (last_day - start).days + 1
    spent = sum((v for d, v in per_day.items() if start <= d <= last_day), Decimal(0))
    rate = spent / days if days > 0 else Decimal(0)
    remaining = max(0, (period_end - last_day).days - 1)
    method = (f"linear run-rate: average of the last {days} day{'s' if days != 1 else ''} × "
              f"{remaining} remaining day{'s' if remaining != 1 else ''}")
    return Forecast(actual + rate * remaining, rate, remaining, days, method)


# A method projects the next ``h`` days from a dense history (oldest first, ``days[-1]`` is the last day).
Method = Callable[[Sequence[float], date, int], list[float]]


def m_run_rate(hist: Sequence[float], last: date, h: int) -> list[float]:
    """Average of the last 7 days, flat."""
    w = hist[-7:]
    return [sum(w) / len(w)] * h if w else [0.0] * h


def m_weekday(hist: Sequence[float], last: date, h: int) -> list[float]:
    """Each future day = mean of the same weekday over the last 4 weeks."""
    out = []
    for i in range(1, h + 1):
        same = [hist[-k] for k in range(7 - (i - 1) % 7, min(len(hist), 28) + 1, 7)]
        out.append(sum(same) / len(same) if same else (sum(hist[-7:]) / max(1, len(hist[-7:]))))
    return out


def m_linear(hist: Sequence[float], last: date, h: int, span: int = 42) -> list[float]:
    """Least-squares line over the last ``span`` days, extended (never below zero for positive series)."""
    y = list(hist[-span:])
    n = len(y)
    if n < 3:
        return m_run_rate(hist, last, h)
    mx, my = (n - 1) / 2, sum(y) / n
    sxx = sum((x - mx) ** 2 for x in range(n))
    slope = sum((x - mx) * (v - my) for x, v in enumerate(y)) / sxx
    floor = 0.0 if min(y) >= 0 else float("-inf")
    return [max(floor, my + slope * (n - 1 + i - mx)) for i in range(1, h + 1)]


def m_holt(hist: Sequence[float], last: date, h: int, alpha: float = 0.3, beta: float = 0.05) -> list[float]:
    """Holt's linear exponential smoothing on weekday-adjusted values, re-seasonalised (additive weekday offsets)."""
    y = list(hist[-84:])
    if len(y) < 14:
        return m_run_rate(hist, last, h)
    mean = sum(y) / len(y)
    first_dow = (last - timedelta(days=len(y) - 1)).weekday()
    offs = [0.0] * 7
    for dow in range(7):
        vals = [v for i, v in enumerate(y) if (first_dow + i) % 7 == dow]
        offs[dow] = sum(vals) / len(vals) - mean if vals else 0.0
    adj = [v - offs[(first_dow + i) % 7] for i, v in enumerate(y)]
    level, trend = adj[0], (sum(adj[7:14]) - sum(adj[:7])) / 49
    for v in adj[1:]:
        prev = level
        level = alpha * v + (1 - alpha) * (level + trend)
        trend = beta * (level - prev) + (1 - beta) * trend
    floor = 0.0 if min(y) >= 0 else float("-inf")
    return [max(floor, level + trend * i + offs[(last.weekday() + i) % 7]) for i in range(1, h + 1)]


METHODS: dict[str, tuple[Method, str]] = {
    "run-rate": (m_run_rate, "run-rate (average of the last 7 days)"),
    "weekday": (m_weekday, "weekday-aware run-rate (same weekday over the last 4 weeks)"),
    "linear": (m_linear, "linear trend over the last 6 weeks"),
    "holt": (m_holt, "exponential smoothing (Holt, weekday-adjusted)"),
}


def dense(per_day: Mapping[date, Decimal | float], last: date, days: int) -> list[float]:
    """The last ``days`` days through ``last`` as floats (missing days are zero), never before the first day."""
    first = max(min(per_day), last - timedelta(days=days - 1)) if per_day else last
    return [float(per_day.get(first + timedelta(days=i), 0)) for i in range((last - first).days + 1)]


def backtest(hist: Sequence[float], last: date, h: int, method: Method, folds: int = 6) -> list[float]:
    """Relative errors of the ``h``-day total at up to ``folds`` weekly cut-offs inside ``hist``."""
    errs = []
    for k in range(folds):
        cut = len(hist) - h - 7 * k
        if cut < 7:
            break
        truth = sum(hist[cut:cut + h])
        if abs(truth) < 1e-9:
            continue
        guess = sum(method(hist[:cut], last - timedelta(days=len(hist) - cut), h))
        errs.append(abs(guess - truth) / abs(truth))
    return errs


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return 0.0 if not n else s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


MAX_TRUSTED_ERROR = 0.5  # above this backtest error no method is trusted: the plain run-rate, without a band


def best_forecast(per_day: Mapping[date, Decimal], actual: Decimal, last_day: date, period_end: date,
                  methods: Sequence[str] = tuple(METHODS)) -> Forecast:
    """The method with the smallest median backtest error on this series (run-rate without enough history)."""
    remaining = max(0, (period_end - last_day).days - 1)
    hist = dense(per_day, last_day, 120)
    h = min(max(7, remaining), max(7, len(hist) // 3))  # short histories backtest a shorter horizon
    scored = []
    for name in methods:
        errs = backtest(hist, last_day, h, METHODS[name][0])
        if len(errs) >= 2:  # recent cut-offs count more: a level shift a few weeks ago matters most
            weighted = sum(e / (k + 1) for k, e in enumerate(errs)) / sum(1 / (k + 1) for k in range(len(errs)))
            scored.append((weighted, sorted(errs)[min(len(errs) - 1, int(len(errs) * 0.8))], name))
    best = min(scored, key=lambda s: (s[0], s[2] != "run-rate")) if scored else None
    naive = next((s for s in scored if s[2] == "run-rate"), None)
    if best is not None and naive is not None and best[0] > naive[0] * 0.9:
        best = naive  # another method must beat the run-rate clearly to be trusted over it
    if best is None or remaining == 0 or best[0] > MAX_TRUSTED_ERROR:
        fc = run_rate(per_day, actual, last_day, period_end)
        return fc if best is None or best[0] > MAX_TRUSTED_ERROR else Forecast(
            fc.total, fc.daily_rate, 0, fc.window_days, fc.method, fc.total, fc.total, Decimal(0))
    med, p80, name = best
    future = Decimal(str(round(sum(METHODS[name][0](hist, last_day, remaining)), 9)))
    band = abs(future) * Decimal(str(round(p80, 4)))
    text = f"{METHODS[name][1]}, chosen by backtest (error {med * 100:.0f}% on {len(hist)} days of history)"
    return Forecast(actual + future, future / remaining, remaining, len(hist), text, actual + future - band,
                    actual + future + band, Decimal(str(round(med * 100, 1))))
