"""A read-only view of one assessment (what the store returns and the roll-ups read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.assessment.model import LENSES, question_at


@dataclass(frozen=True)
class AssessmentInfo:
    """A read-only view of an assessment with its answers by question index (None = skipped)."""

    id: int
    user_ref: str
    team_id: int
    team_name: str
    capabilities: tuple[str, ...]
    position: int
    status: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    answers: Mapping[int, int | None] = field(default_factory=dict)
    where: tuple[str, str, str, str] = ("", "", "", "")  # platform, tenant, channel, thread

    @property
    def total(self) -> int:
        """How many questions the assessment has."""
        return len(self.capabilities) * len(LENSES)

    def levels(self, capability: str) -> dict[str, int]:
        """The answered (not skipped) levels of one capability by lens id."""
        out = {}
        for q, level in self.answers.items():
            cap, lens = question_at(self.capabilities, q)
            if cap.id == capability and level is not None:
                out[lens.id] = level
        return out
