"""Who may do what. Admins come from FINOPS_ADMINS; team owners and members from the team directory.

The practitioner-tools feature adds stored roles (admin, practitioner) on top of this same interface.
"""

from __future__ import annotations

from bot.config import Settings
from bot.teams import TeamInfo, TeamStore

CONSOLE_OPERATOR = "console:you"
NEED_PRACTITIONER = "You need the practitioner role for that; ask an admin to grant it."
NEED_OWNER = "Only the team's owners, practitioners and admins can do that for {team}; ask an admin."


class Access:
    """Permission checks by platform-qualified user id (``slack:U123``)."""

    def __init__(self, settings: Settings, teams: TeamStore) -> None:
        self.settings = settings
        self.teams = teams

    def is_admin(self, user_ref: str) -> bool:
        """Admins are configured in FINOPS_ADMINS (and, later, granted in the database).

        The default terminal user of ``finops-bot chat`` (``console:you``) is the local operator and an admin;
        ``finops-bot chat --user bob`` speaks as an ordinary person.
        """
        return user_ref in self.settings.admins or user_ref == CONSOLE_OPERATOR

    def is_practitioner(self, user_ref: str) -> bool:
        """Practitioners may nudge, survey and see every team; admins are practitioners too."""
        return self.is_admin(user_ref)

    def can_manage_team(self, user_ref: str, team: TeamInfo) -> bool:
        """Set budgets, start the team's assessment: owners, practitioners, admins."""
        return user_ref in team.owners or self.is_practitioner(user_ref)

    def can_view_team(self, user_ref: str, team: TeamInfo) -> bool:
        """See budget and maturity: the team's people, practitioners, admins."""
        return user_ref in team.members or self.can_manage_team(user_ref, team)
