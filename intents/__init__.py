"""Every intent the bot runs. Add one: write the module, list its class here, put its examples in
``intents/training/<name>.yaml`` (understanding trains on them; the router dispatches, intents never score)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intents.admin import AdminIntent
from intents.budget_set import BudgetSetIntent
from intents.budget_status import BudgetStatusIntent
from intents.cancel import CancelIntent
from intents.cost_anomaly import CostAnomalyIntent
from intents.cost_question import CostQuestionIntent
from intents.fallback import FallbackIntent
from intents.framework_question import FrameworkQuestionIntent
from intents.help import HelpIntent
from intents.maturity_status import MaturityStatusIntent
from intents.nudge import NudgeIntent
from intents.start_assessment import StartAssessmentIntent
from intents.survey import SurveyIntent
from intents.survey_answer import SurveyAnswerIntent
from intents.team_admin import TeamAdminIntent

if TYPE_CHECKING:
    from bot.intent import Intent
    from bot.services import Services

INTENTS: tuple[type, ...] = (
    HelpIntent,
    CancelIntent,
    BudgetStatusIntent,
    BudgetSetIntent,
    CostQuestionIntent,
    CostAnomalyIntent,
    AdminIntent,
    TeamAdminIntent,
    StartAssessmentIntent,
    MaturityStatusIntent,
    NudgeIntent,
    SurveyIntent,
    SurveyAnswerIntent,
    FrameworkQuestionIntent,
)
FALLBACK = FallbackIntent


def build_intents(services: Services) -> tuple[Intent, ...]:
    """Instantiate every intent with the shared services."""
    return tuple(cls(services) for cls in INTENTS)
