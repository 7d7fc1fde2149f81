"""Imports every table module so SQLModel.metadata knows them all (used by migrations and tests)."""

from adapters import threads  # noqa: F401
from bot import tables  # noqa: F401
from bot.access import tables as access_tables  # noqa: F401
from bot.assessment import tables as assessment_tables  # noqa: F401
from bot.costs import tables as cost_tables  # noqa: F401
from bot.delivery import tables as delivery_tables  # noqa: F401
from bot.jobs import tables as job_tables  # noqa: F401
from bot.nudges import tables as nudge_tables  # noqa: F401
from bot.surveys import tables as survey_tables_  # noqa: F401
