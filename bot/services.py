"""The dependencies intents and adapters share, assembled by the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.access.audit import AuditLog
from bot.access.policy import Access
from bot.access.roles import RoleStore
from bot.config import Settings
from bot.db import Database
from bot.delivery import Delivery
from bot.directory import TeamStore
from bot.jobs.scheduler import Scheduler
from bot.metrics import Metrics
from bot.refs import ConversationRefStore
from bot.state import ConversationStore

if TYPE_CHECKING:
    from bot.assessment.store import AssessmentStore
    from bot.costs.service import BudgetService
    from bot.nudges.service import NudgeService
    from bot.surveys.store import SurveyStore
    from knowledge.base import KnowledgeBase


@dataclass
class Services:
    """Stores and helpers for one running bot. Built once; never a module-level singleton."""

    settings: Settings
    db: Database
    conversations: ConversationStore
    teams: TeamStore
    metrics: Metrics
    delivery: Delivery
    access: Access
    roles: RoleStore
    audit: AuditLog
    scheduler: Scheduler
    knowledge: KnowledgeBase | None = None
    refs: ConversationRefStore | None = None  # where proactive posts can go (bot/refs.py)
    budgets: BudgetService | None = None  # cost data, budgets, budget status (bot/costs/)
    maturity: AssessmentStore | None = None  # maturity assessments; summary_line(team) (bot/assessment/)
    nudges: NudgeService | None = None  # nudges and per-recipient delivery records (bot/nudges/service.py)
    surveys: SurveyStore | None = None  # pulse and assessment surveys (bot/surveys/store.py)
