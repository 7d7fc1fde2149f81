"""Budgets (monthly or quarterly per team and currency, with thresholds) and allocation rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select

from bot.costs.allocation import norm_key, norm_value
from bot.costs.tables import NANO, CostAllocationRule, CostBudget
from bot.db import Database, utcnow
from bot.errors import UserError
from bot.tables import Team

DEFAULT_THRESHOLDS = ("actual:50", "actual:80", "actual:100", "forecast:100")
PERIODS = ("monthly", "quarterly")
_THRESHOLD = re.compile(r"^(actual|forecast):(\d{1,3})$")


@dataclass(frozen=True)
class Budget:
    """A budget as read from the database."""

    id: int
    team_id: int
    team: str
    currency: str
    period: str
    amount: Decimal
    thresholds: tuple[str, ...]

    def period_bounds(self, day: date) -> tuple[date, date]:
        """[start, end) of the budget period containing ``day``."""
        first_month = day.month if self.period == "monthly" else (day.month - 1) // 3 * 3 + 1
        start = date(day.year, first_month, 1)
        months = 1 if self.period == "monthly" else 3
        y, m = divmod(first_month - 1 + months, 12)
        return start, date(day.year + y, m + 1, 1)


def parse_amount(raw: str) -> Decimal:
    """A positive amount like ``12000``, ``12,000.50`` or ``12k``."""
    text = raw.strip().lower().replace(",", "").replace("_", "")
    mult = Decimal(1000) if text.endswith("k") else Decimal(1)
    try:
        value = Decimal(text.rstrip("k")) * mult
    except InvalidOperation:
        raise UserError(f"not an amount: {raw!r} (e.g. 12000 or 12.5k)") from None
    if not value.is_finite() or value <= 0 or value >= Decimal(10) ** 9:
        raise UserError(f"a budget must be a positive amount below 1,000,000,000, got {raw!r}")
    return value.quantize(Decimal("0.01"))


def parse_thresholds(raw: str | None) -> tuple[str, ...]:
    """``"50,80,100,forecast:100"`` → normalised threshold ids (bare numbers mean % of actual)."""
    if not raw:
        return DEFAULT_THRESHOLDS
    out: list[str] = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip().lower().rstrip("%")
        part = part if ":" in part else f"actual:{part}"
        m = _THRESHOLD.match(part)
        if not m or not 1 <= int(m.group(2)) <= 500:
            raise UserError(f"bad threshold {part!r}: use numbers 1-500, optionally forecast:N")
        out.append(part)
    return tuple(dict.fromkeys(out))


class BudgetStore:
    """Budgets, allocation rules and team removal."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _team(self, s: object, name: str) -> Team:
        team = s.execute(select(Team).where(Team.name == name)).scalars().first()  # type: ignore[attr-defined]
        if team is None:
            raise UserError(f"no team named {name!r} (see `finops-bot team list`)")
        return team

    def set_budget(self, team: str, amount: Decimal, currency: str = "USD", period: str = "monthly",
                   thresholds: tuple[str, ...] | None = None, by: str = "") -> Budget:
        """Create or replace the team's budget in that currency."""
        currency = currency.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise UserError(f"currency must be a 3-letter ISO code like USD, got {currency!r}")
        if period not in PERIODS:
            raise UserError(f"period must be monthly or quarterly, got {period!r}")
        with self.db.session() as s:
            t = self._team(s, team)
            row = s.execute(select(CostBudget).where(CostBudget.team_id == t.id,
                                                     CostBudget.currency == currency)).scalars().first()
            row = row or CostBudget(team_id=t.id, currency=currency, amount=0, updated_at=utcnow())
            row.amount, row.period, row.updated_by, row.updated_at = int(amount * NANO), period, by, utcnow()
            if thresholds is not None or not row.thresholds:
                row.thresholds = list(thresholds or DEFAULT_THRESHOLDS)
            s.add(row)
            s.flush()
            return self._budget(row, t.name)

    def budgets(self, team: str | None = None) -> list[Budget]:
        """All budgets (or one team's), by team and currency."""
        q = select(CostBudget, Team.name).join(Team, Team.id == CostBudget.team_id)
        if team is not None:
            q = q.where(Team.name == team)
        cols = (CostBudget.id, CostBudget.team_id, Team.name, CostBudget.currency, CostBudget.period,
                CostBudget.amount, CostBudget.thresholds)
        q = q.with_only_columns(*cols).order_by(Team.name, CostBudget.currency)  # Core rows: budget status path
        with self.db.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [Budget(i, t, n, c, p, Decimal(a) / NANO, tuple(th or DEFAULT_THRESHOLDS))
                for i, t, n, c, p, a, th in rows]

    @staticmethod
    def _budget(row: CostBudget, team: str) -> Budget:
        assert row.id is not None
        return Budget(row.id, row.team_id, team, row.currency, row.period, Decimal(row.amount) / NANO,
                      tuple(row.thresholds or DEFAULT_THRESHOLDS))

    def add_rule(self, team: str, kind: str, value: str, key: str = "") -> None:
        """Map a sub-account (id or name) or a tag key=value to a team (replaces an earlier mapping)."""
        if kind not in ("account", "tag") or not value.strip() or (kind == "tag" and not key.strip()):
            raise UserError("a rule needs an account id/name, or a tag key and value")
        mk, mv = (norm_key(key) if kind == "tag" else ""), norm_value(value)
        with self.db.session() as s:
            t = self._team(s, team)
            s.execute(delete(CostAllocationRule).where(CostAllocationRule.kind == kind,
                                                       CostAllocationRule.match_key == mk,
                                                       CostAllocationRule.match_value == mv))
            s.add(CostAllocationRule(kind=kind, match_key=mk, match_value=mv, team_id=t.id, created_at=utcnow()))

    def rules(self) -> list[tuple[str, str, str, str]]:
        """(kind, key, value, team) for every rule."""
        q = select(CostAllocationRule, Team.name).join(Team, Team.id == CostAllocationRule.team_id)
        with self.db.session() as s:
            return [(r.kind, r.match_key, r.match_value, n) for r, n in s.execute(q).all()]

    def remove_team(self, name: str) -> None:
        """Delete a team with its people, budgets and rules (stored costs keep their team name)."""
        from bot.tables import TeamMember

        with self.db.session() as s:
            t = self._team(s, name)
            for table in (CostAllocationRule, CostBudget, TeamMember):
                s.execute(delete(table).where(table.team_id == t.id))  # type: ignore[attr-defined]
            s.delete(t)
