"""What parsing needs besides the text: the team directory, known FOCUS values, the last topic, who and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.models import ConversationKey


@dataclass(frozen=True)
class ParseContext:
    """Inputs of ``parse`` other than the text; everything optional so a bare question can be parsed."""

    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # team name → its aliases
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "service"/"provider"/"region"/"account"
    last_topic: str | None = None  # the knowledge topic answered last in this conversation
    platform: str = "console"
    tenant: str = "local"
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def person(self, user_id: str) -> str:
        """A mentioned person's user ref, made the same way as the asker's own (``ConversationKey.user_ref``)."""
        return ConversationKey(self.platform, self.tenant, "", "", user_id).user_ref
