"""Imports every table module so SQLModel.metadata knows them all (used by migrations and tests)."""

from adapters import threads  # noqa: F401
from bot import tables  # noqa: F401
from bot.assessment import tables as assessment_tables  # noqa: F401
from bot.costs import tables as cost_tables  # noqa: F401
from bot.practice import nudge_tables  # noqa: F401
from bot.practice import survey_tables as survey_tables_  # noqa: F401
from bot.practice import tables as practice_tables  # noqa: F401
