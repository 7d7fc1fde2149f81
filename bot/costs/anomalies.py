"""Spend anomalies: a team's daily spend on one service against its own robust, weekday-aware baseline.

The baseline of a day is the median of the same weekday over the previous ``weeks`` weeks (all of the previous
28 days when fewer than 3 such days exist); its spread is the MAD. A day is a spike when it exceeds the baseline by
more than ``threshold_pct`` percent, by ``min_amount`` currency units, and by 4 scaled MADs — unless the previous
three days already ran high against their own baselines (a new level is reported on its first days only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.costs.query_sql import DIMENSION_COLUMNS, as_date
from bot.costs.tables import NANO, CostDaily
from bot.db import Database

MAD_SCALE = 1.4826  # MAD → standard deviation for normal data


@dataclass(frozen=True)
class Rules:
    """Detection thresholds (``FINOPS_ANOMALY_THRESHOLD_PCT``, ``FINOPS_ANOMALY_MIN_AMOUNT``)."""

    threshold_pct: float = 50
    min_amount: float = 20
    weeks: int = 6
    mads: float = 4


@dataclass(frozen=True)
class Anomaly:
    """One spike, with what drove it."""

    team: str
    service: str
    day: date
    currency: str
    amount: Decimal
    baseline: Decimal
    account: str = ""
    region: str = ""

    @property
    def over_pct(self) -> Decimal:
        """Percent above the baseline."""
        return (self.amount - self.baseline) * 100 / self.baseline if self.baseline else Decimal(100)


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return 0.0 if not n else s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def baseline(series: Mapping[date, float], day: date, weeks: int = 6) -> tuple[float, float, int] | None:
    """(median, MAD, points) of the day's weekday over the previous weeks; None without enough history."""
    first = min(series) if series else day
    same = [series.get(day - timedelta(days=7 * k), 0.0) for k in range(1, weeks + 1)
            if day - timedelta(days=7 * k) >= first]
    if len(same) < 3:
        same = [series.get(day - timedelta(days=k), 0.0) for k in range(1, 29) if day - timedelta(days=k) >= first]
        if len(same) < 7:
            return None
    med = _median(same)
    return med, _median([abs(v - med) for v in same]), len(same)


def is_spike(value: float, base: tuple[float, float, int], rules: Rules) -> bool:
    """The day's spend is a spike against the baseline under the rules."""
    med, mad, _n = base
    excess = value - med
    return (excess >= rules.min_amount and excess > med * rules.threshold_pct / 100
            and excess > rules.mads * MAD_SCALE * mad)


def persisting(series: Mapping[date, float], day: date, weeks: int = 6, days: int = 3) -> bool:
    """The previous days already ran high against their own baselines: a new level, not a one-day spike."""
    ratios = []
    for k in range(1, days + 1):
        d = day - timedelta(days=k)
        base = baseline(series, d, weeks)
        if base is None or d not in series:
            continue
        ratios.append(series[d] / base[0] if base[0] > 0 else 1.0)
    return len(ratios) == days and _median(ratios) > 1.25


def spike_on(series: Mapping[date, float], day: date, rules: Rules) -> tuple[float, float, int] | None:
    """The baseline when ``day`` is a spike (and not the continuation of a level shift), else None."""
    value = series.get(day)
    base = baseline(series, day, rules.weeks) if value is not None else None
    if value is None or base is None or not is_spike(value, base, rules) or persisting(series, day, rules.weeks):
        return None
    return base


def detect(db: Database, days: Sequence[date], rules: Rules) -> list[Anomaly]:
    """Spikes per (team, service, currency) on ``days``, with the account and region that drove each."""
    if not days:
        return []
    lo, hi = min(days) - timedelta(days=7 * rules.weeks + 1), max(days) + timedelta(days=1)
    key_cols = (CostDaily.team, CostDaily.service, CostDaily.currency, CostDaily.day)
    from sqlalchemy import func

    stmt = (select(*key_cols, func.sum(CostDaily.billed)).where(
        CostDaily.team.is_not(None), CostDaily.day >= lo, CostDaily.day < hi)  # type: ignore[union-attr]
        .group_by(*key_cols))
    series: dict[tuple[str, str, str], dict[date, float]] = defaultdict(dict)
    with db.engine.connect() as conn:
        for team, svc, cur, d, v in conn.execute(stmt).all():
            series[(team, svc, cur)][as_date(d)] = int(v or 0) / NANO
        found = []
        for (team, svc, cur), s in sorted(series.items()):
            for day in days:
                base = spike_on(s, day, rules)
                if base is not None:
                    value = s[day]
                    acct, region = _driver(conn, team, svc, cur, day, rules.weeks)
                    found.append(Anomaly(team, svc, day, cur, Decimal(str(round(value, 2))),
                                         Decimal(str(round(base[0], 2))), acct, region))
    return found


def _driver(conn: object, team: str, service: str, currency: str, day: date, weeks: int) -> tuple[str, str]:
    """The (account, region) whose spend rose most that day against its same-weekday median."""
    from sqlalchemy import func

    acct = DIMENSION_COLUMNS["account"]
    stmt = (select(acct, CostDaily.region, CostDaily.day, func.sum(CostDaily.billed))
            .where(CostDaily.team == team, CostDaily.service == service, CostDaily.currency == currency,
                   CostDaily.day.in_([day - timedelta(days=7 * k) for k in range(weeks + 1)]))  # type: ignore[attr-defined]
            .group_by(acct, CostDaily.region, CostDaily.day))
    per: dict[tuple[str, str], dict[date, float]] = defaultdict(dict)
    for a, r, d, v in conn.execute(stmt).all():  # type: ignore[attr-defined]
        per[(str(a or ""), str(r or ""))][as_date(d)] = int(v or 0) / NANO
    if not per:
        return "", ""
    rise = {k: s.get(day, 0.0) - _median([s.get(day - timedelta(days=7 * i), 0.0) for i in range(1, weeks + 1)])
            for k, s in per.items()}
    return max(rise, key=lambda k: (rise[k], k))
