"""Pure maturity arithmetic: capability scores, several respondents combined by median, rounds and trends.

A "round" of a capability is every respondent's latest finished assessment within ROUND_DAYS of the newest one;
the round before it gives the trend. Respondents are combined per lens by median; a lens whose answers differ
by two levels or more is reported as a disagreement (a knowledge gap worth talking about).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.assessment.info import AssessmentInfo
from bot.assessment.model import CAPABILITY_BY_ID, LENSES, Capability, maturity_label

ROUND_DAYS = 30
DISAGREE = 2  # levels apart


def score_of(levels: Mapping[str, float]) -> float | None:
    """0-20 from the answered lenses (skipped lenses scaled out); None when nothing was answered."""
    if not levels:
        return None
    return round(sum(levels.values()) * len(LENSES) / len(levels), 1)


def fmt(score: float) -> str:
    """A score without a useless ".0"."""
    return f"{score:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Round:
    """One capability's combined answers at one point in time."""

    medians: dict[str, float]
    spread: dict[str, tuple[int, int]]
    respondents: int
    date: datetime

    @property
    def score(self) -> float | None:
        """The combined 0-20 score."""
        return score_of(self.medians)


@dataclass(frozen=True)
class CapabilityStatus:
    """Latest combined result of one capability for one team, with the round before it."""

    capability: Capability
    latest: Round
    previous: Round | None = None

    @property
    def label(self) -> str:
        """Crawl / Walk / Run (our mapping)."""
        return maturity_label(self.latest.score or 0)


@dataclass(frozen=True)
class TeamStatus:
    """Per-capability status of a team and the overall figures."""

    team: str
    capabilities: tuple[CapabilityStatus, ...]
    respondents: int
    date: datetime
    users: frozenset[str] = field(default_factory=frozenset)

    @property
    def overall(self) -> float | None:
        """Mean of the capability scores."""
        scores = [c.latest.score for c in self.capabilities if c.latest.score is not None]
        return round(statistics.fmean(scores), 1) if scores else None

    @property
    def trend(self) -> tuple[float, datetime] | None:
        """Change of the mean score over capabilities assessed in both rounds, and the earlier date."""
        pairs = [(c.latest.score, c.previous.score, c.previous.date) for c in self.capabilities
                 if c.previous is not None and c.latest.score is not None and c.previous.score is not None]
        if not pairs:
            return None
        delta = statistics.fmean(p[0] for p in pairs) - statistics.fmean(p[1] for p in pairs)  # type: ignore[misc]
        return round(delta, 1), min(p[2] for p in pairs)

    def line(self) -> str:
        """One line: overall score, level, trend, respondents."""
        overall = self.overall or 0.0
        n = len(self.capabilities)
        text = f"{fmt(overall)} / 20 ({maturity_label(overall)}) across {n} capabilit{'ies' if n != 1 else 'y'}"
        if (trend := self.trend) is not None:
            text += f", {trend_text(trend[0])} since {trend[1]:%d %b %Y}"
        people = f"{self.respondents} respondent{'s' if self.respondents != 1 else ''}"
        return f"{text}; {people}, {self.date:%d %b %Y}"


def trend_text(delta: float) -> str:
    """"↑ +2", "↓ -1.5" or "→ no change"."""
    if abs(delta) < 0.05:
        return "→ no change"
    return f"{'↑' if delta > 0 else '↓'} {'+' if delta > 0 else ''}{fmt(delta)}"


def _combine(entries: Sequence[tuple[datetime, str, dict[str, int]]]) -> Round:
    medians, spread = {}, {}
    for lens in LENSES:
        values = [levels[lens.id] for _, _, levels in entries if lens.id in levels]
        if values:
            medians[lens.id] = float(statistics.median(values))
            if max(values) - min(values) >= DISAGREE:
                spread[lens.id] = (min(values), max(values))
    return Round(medians, spread, len(entries), max(e[0] for e in entries))


def _rounds(entries: list[tuple[datetime, str, dict[str, int]]], limit: int = 2) -> list[Round]:
    entries = sorted(entries, key=lambda e: e[0], reverse=True)
    rounds: list[Round] = []
    while entries and len(rounds) < limit:
        newest, seen, current, later = entries[0][0], set(), [], []
        for entry in entries:
            if newest - entry[0] > timedelta(days=ROUND_DAYS):
                later.append(entry)
            elif entry[1] not in seen:
                seen.add(entry[1])
                current.append(entry)
        rounds.append(_combine(current))
        entries = later
    return rounds


def team_status(team: str, assessments: Iterable[AssessmentInfo]) -> TeamStatus | None:
    """Combine a team's finished assessments; None when none has an answered capability."""
    by_cap: dict[str, list[tuple[datetime, str, dict[str, int]]]] = {}
    for a in assessments:
        if a.finished_at is None:
            continue
        for cap in a.capabilities:
            if levels := a.levels(cap):
                by_cap.setdefault(cap, []).append((a.finished_at, a.user_ref, levels))
    statuses, users, dates = [], set(), []
    for cap_id in (c for c in CAPABILITY_BY_ID if c in by_cap):
        rounds = _rounds(by_cap[cap_id])
        statuses.append(CapabilityStatus(CAPABILITY_BY_ID[cap_id], rounds[0], rounds[1] if len(rounds) > 1 else None))
        newest = rounds[0].date
        users |= {u for d, u, _ in by_cap[cap_id] if newest - d <= timedelta(days=ROUND_DAYS)}
        dates.append(newest)
    if not statuses:
        return None
    return TeamStatus(team, tuple(statuses), len(users), max(dates), frozenset(users))


def weakest_lenses(info: AssessmentInfo, n: int = 3) -> list[tuple[str, float, Capability]]:
    """The ``n`` lenses with the lowest mean level in one assessment, with the capability where each is lowest."""
    per_lens: dict[str, list[tuple[int, Capability]]] = {}
    for cap_id in info.capabilities:
        for lens_id, level in info.levels(cap_id).items():
            per_lens.setdefault(lens_id, []).append((level, CAPABILITY_BY_ID[cap_id]))
    ranked = sorted(per_lens.items(), key=lambda kv: (statistics.fmean(v for v, _ in kv[1]),
                                                     [lens.id for lens in LENSES].index(kv[0])))
    return [(lens_id, round(statistics.fmean(v for v, _ in vals), 1), min(vals, key=lambda x: x[0])[1])
            for lens_id, vals in ranked[:n]]
