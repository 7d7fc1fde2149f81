"""Replies built from assessment results: the end-of-assessment card, team maturity status, practitioner overview."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.assessment.info import AssessmentInfo
from bot.assessment.kb import snippet
from bot.assessment.model import CAPABILITY_BY_ID, LENS_BY_ID, Capability, maturity_label
from bot.assessment.rollup import TeamStatus, fmt, score_of, trend_text, weakest_lenses
from bot.models import Choice, Field, Reply
from knowledge.source import Source

SCALE_NOTE = "Scores: 5 lenses × 0-4 = 0-20 per capability; Crawl < 8 ≤ Walk ≤ 15 < Run (our mapping, not official)."


def finish_replies(info: AssessmentInfo, knowledge: Any = None) -> list[Reply]:
    """The summary card at the end of an assessment: scores, the three weakest lenses with tips, next steps."""
    fields, lines, scores = [], [f"Thanks! Your assessment of {info.team_name} is complete."], []
    for cap_id in info.capabilities:
        cap, levels = CAPABILITY_BY_ID[cap_id], info.levels(cap_id)
        score = score_of(levels)
        if score is None:
            value = "not rated (all questions skipped)"
        else:
            scores.append(score)
            skipped = 5 - len(levels)
            value = f"{fmt(score)} / 20 · {maturity_label(score)}" + (f" ({skipped} skipped)" if skipped else "")
        fields.append(Field(cap.name, value))
        lines.append(f"• {cap.name}: {value}")
    if scores:
        overall = sum(scores) / len(scores)
        fields.append(Field("Overall", f"{fmt(round(overall, 1))} / 20 · {maturity_label(overall)}"))
        lines.append(f"Overall: {fmt(round(overall, 1))} / 20 ({maturity_label(overall)}).")
    sources: list[Source] = []
    weakest = weakest_lenses(info)
    if weakest:
        lines.append("Your three weakest lenses, with one thing to try for each:")
    for lens_id, mean, cap in weakest:
        lens = LENS_BY_ID[lens_id]
        tip = lens.tip.format(cap=cap.name, kpi=cap.kpi)
        if (found := snippet(knowledge, f"assessment/lens-{lens_id}")) is not None:
            sources.extend(s for s in found.sources if s not in sources)
            if found.advice:
                advice = found.advice.rstrip(".")
                tip = f"{advice[:1].upper()}{advice[1:]}. For example: {tip[:1].lower()}{tip[1:]}"
        lines.append(f"• {lens.name} (average {fmt(mean)} / 4, lowest in {cap.name}): {tip}")
    lines.append("What next: pick one of these for this quarter, ask teammates to take the assessment too "
                 "(answers are combined by median), and reassess in about 3 months with the same capabilities.")
    choices = (Choice("What's our maturity?", f"maturity status for {info.team_name}", "primary"),)
    return [Reply("\n".join(lines), title=f"Assessment summary: {info.team_name}", fields=tuple(fields),
                  choices=choices, sources=tuple(sources[:3]), footer=SCALE_NOTE)]


def status_reply(status: TeamStatus, only: Capability | None = None, others: Sequence[str] = ()) -> Reply:
    """A team's maturity: per capability latest score and level, trend, spread, date and respondents."""
    caps = [c for c in status.capabilities if only is None or c.capability.id == only.id]
    if not caps:
        return Reply(f"{status.team} has not assessed {only.name if only else 'any capability'} yet. "
                     f"Say “start assessment for {status.team}” to do it.",
                     choices=(Choice("Start assessment", f"start assessment for {status.team}"),))
    fields, lines = [], [f"Maturity of {status.team}:"]
    for c in caps:
        score = c.latest.score or 0.0
        value = f"{fmt(score)} / 20 · {c.label}"
        if c.previous is not None and c.previous.score is not None:
            value += f" ({trend_text(score - c.previous.score)} since {c.previous.date:%d %b %Y})"
        fields.append(Field(c.capability.name, value))
        detail = f"• {c.capability.name}: {value}; {c.latest.respondents} respondent(s), {c.latest.date:%d %b %Y}"
        if c.latest.spread:
            detail += "; answers differ on " + ", ".join(
                f"{LENS_BY_ID[k].name} ({lo}-{hi})" for k, (lo, hi) in c.latest.spread.items())
        lines.append(detail)
    if only is None:
        fields.append(Field("Overall", status.line()))
        lines.append(f"Overall: {status.line()}.")
    choices = [Choice("Start assessment", f"start assessment for {status.team}")]
    choices += [Choice(f"Maturity of {t}"[:75], f"maturity status for {t}") for t in others[:3]]
    return Reply("\n".join(lines), title=f"Maturity: {status.team}", fields=tuple(fields), choices=tuple(choices),
                 footer=SCALE_NOTE)


def overview_reply(statuses: Sequence[TeamStatus], only: Capability | None = None) -> Reply:
    """For practitioners: per capability, the teams from weakest to strongest."""
    by_cap: dict[str, list[tuple[float, str]]] = {}
    for status in statuses:
        for c in status.capabilities:
            if c.latest.score is not None and (only is None or c.capability.id == only.id):
                by_cap.setdefault(c.capability.id, []).append((c.latest.score, status.team))
    if not by_cap:
        return Reply("No team has finished an assessment" + (f" of {only.name}" if only else "") + " yet.")
    lines, fields = ["Maturity across teams (weakest first):"], []
    for cap_id in (c for c in CAPABILITY_BY_ID if c in by_cap):
        ranked = sorted(by_cap[cap_id])
        text = ", ".join(f"{team} {fmt(score)} ({maturity_label(score)})" for score, team in ranked[:4])
        fields.append(Field(CAPABILITY_BY_ID[cap_id].name, text))
        lines.append(f"• {CAPABILITY_BY_ID[cap_id].name}: {text}")
    overall = sorted((s.overall, s.team) for s in statuses if s.overall is not None)
    lines.append("Teams by overall score: " + ", ".join(f"{t} {fmt(o)}" for o, t in overall) + ".")
    lines.append("Export everything as CSV with: finops-bot assessments export --out maturity.csv")
    return Reply("\n".join(lines), title="Maturity overview", fields=tuple(fields[:20]), footer=SCALE_NOTE)
