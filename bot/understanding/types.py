"""What understanding produces for one message: the intent, the topic, the entities, and the runner-up parses.

These are plain values (no SDK, no model types): the router dispatches on ``Parse.intent`` and intents read
``Parse.entities``. ``bot/understanding`` fills them; nothing else decides what a message means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Period:
    """A resolved span of days: ``start`` inclusive, ``end`` exclusive (``[2026-10-01, 2026-11-01)`` is October)."""

    start: date
    end: date
    label: str  # how to say it back: "last month", "October 2026", "Q3 2026", "2026-11-02 to 2026-11-15"
    grain: str = "range"  # "day" | "week" | "month" | "quarter" | "year" | "range"
    to_date: bool = False  # "this month", "YTD", "since Monday": runs up to today (or the data's as-of date)


@dataclass(frozen=True)
class Amount:
    """A money amount as typed ("5k", "12,000 USD", "€300")."""

    value: float
    currency: str | None = None


@dataclass(frozen=True)
class Entities:
    """The things intents need, resolved where they can be (teams against the directory, services to FOCUS names)."""

    team: str | None = None  # a team name from the directory ("search team" → "search")
    my_team: bool = False  # "my team", "we", "our": the asker's own team(s), resolved by the intent
    period: Period | None = None  # "last month", "in October", "Q3", "this quarter", "since Monday", "YTD"
    compare_to: Period | None = None  # "vs last month", "compared with Q2"
    service: str | None = None  # FOCUS ServiceName as stored, or an everyday name mapped to it ("EC2")
    service_category: str | None = None  # FOCUS ServiceCategory ("Compute", "Storage", "Databases", …)
    provider: str | None = None  # FOCUS ServiceProviderName / ProviderName ("AWS", "Microsoft", "Google Cloud")
    region: str | None = None  # FOCUS RegionId / RegionName
    account: str | None = None  # FOCUS SubAccountId / SubAccountName
    column: str | None = None  # "billed" | "effective" (amortized)
    dimension: str | None = None  # a breakdown asked for: "service" | "provider" | "region" | "account" |
    #                               "charge_category" | "service_category" | "team" | "month" | "day"
    top_n: int | None = None  # "top 5 services"
    people: tuple[str, ...] = ()  # mentioned people as platform user refs: "slack:U0ALICE", "teams:29:1abc"
    amounts: tuple[Amount, ...] = ()
    numbers: tuple[float, ...] = ()


@dataclass(frozen=True)
class Alternative:
    """A runner-up reading of the message."""

    intent: str
    score: float
    topic: str | None = None


@dataclass(frozen=True)
class Parse:
    """The one reading of a message that the router dispatches on."""

    intent: str  # "framework_question", "budget_status", … or "unknown"
    confidence: float  # calibrated probability in [0, 1]
    topic: str | None = None  # knowledge topic id for framework questions
    entities: Entities = field(default_factory=Entities)
    alternatives: tuple[Alternative, ...] = ()  # best first, up to 5, this parse excluded
    slots: Mapping[str, Any] = field(default_factory=dict)  # intent-specific leftovers (a nudge's text …)
    # further questions of the same message about other knowledge topics, as (topic, that question's sentence):
    # "what is showback? and who owns the budget?" reads as showback, plus ("persona/…", "and who owns …?")
    also: tuple[tuple[str, str], ...] = ()

    @property
    def score(self) -> float:
        """The confidence (the name older code used)."""
        return self.confidence
