"""A survey's tallied results as values: computed by bot/surveys/results.py, drawn by survey_chart.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.surveys.spec import Question, SurveyInfo


@dataclass(frozen=True)
class Tally:
    """One question's results; ``hidden`` when an anonymous survey has too few answers to show them."""

    number: int
    question: Question
    answered: int
    counts: tuple[int, ...]
    texts: tuple[str, ...]
    hidden: bool

    def percent(self, i: int) -> float:
        """Share of respondents who chose option ``i``."""
        return 100.0 * self.counts[i] / self.answered if self.answered else 0.0

    def mean(self) -> float | None:
        """Average of a 1–5 scale."""
        total = sum(self.counts)
        return sum((i + 1) * c for i, c in enumerate(self.counts)) / total if total else None


@dataclass(frozen=True)
class Results:
    """A survey's results as shown to the author and practitioners."""

    survey: SurveyInfo
    invited: int
    finished: int
    tallies: tuple[Tally, ...]
    min_responses: int
    finished_people: tuple[str, ...] = ()  # non-anonymous surveys only
    status: str = "open"  # as people see it (closed once the deadline passed)

    @property
    def all_hidden(self) -> bool:
        """Nothing may be shown yet."""
        return bool(self.tallies) and all(t.hidden for t in self.tallies)
