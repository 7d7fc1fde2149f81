"""What a feature may use of the running bot: a structural view of ``bot.services.Services``.

``Services`` (bot/services.py) holds every feature's store, so a feature that named it would depend on all the
others and on itself through it (the cycle services -> nudges -> services). Features type their ``services``
argument with ``Infra``, or with a protocol extending it by the one feature store they read (``CostHost`` in
bot/costs/alerts.py, ``SurveyHost`` in bot/surveys/send.py); ``Services`` satisfies them all. It lives in the
core beside ``bot/services.py`` because every feature uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.access.audit import AuditLog
    from bot.config import Settings
    from bot.db import Database
    from bot.delivery import Delivery
    from bot.directory import TeamStore
    from bot.jobs.scheduler import Scheduler


class Infra(Protocol):
    """Settings, the database, teams, delivery to the platforms, the audit log and the job scheduler."""

    settings: Settings
    db: Database
    teams: TeamStore
    delivery: Delivery
    audit: AuditLog
    scheduler: Scheduler
