"""Who may do what. Admins come from FINOPS_ADMINS and stored grants; owners and members from the team directory.

Roles: admin ⊃ practitioner (send nudges and surveys, see every team); team owner (see and set the team's budget,
start its assessment); member (ask questions, see their own team).
"""

from __future__ import annotations

import time

from bot.access.roles import RoleStore
from bot.config import Settings
from bot.directory import TeamInfo, TeamStore

ROLE_CACHE_SECONDS = 5.0  # a grant or revoke on another replica is seen within this

CONSOLE_OPERATOR = "console:you@local"
NEED_PRACTITIONER = "You need the practitioner role for that; ask an admin to grant it."
NEED_OWNER = "Only the team's owners, practitioners and admins can do that for {team}; ask an admin."
NEED_ADMIN = "You need the admin role for that; ask an admin."


class Access:
    """Permission checks by user ref (``slack:U123@T456``: the workspace/tenant is part of who someone is)."""

    def __init__(self, settings: Settings, teams: TeamStore, roles: RoleStore | None = None) -> None:
        self.settings = settings
        self.teams = teams
        self.roles = roles
        self._cache: tuple[float, dict[str, set[str]]] = (0.0, {})
        self._admins = settings.admin_refs

    def stored_roles(self, user_ref: str) -> set[str]:
        """Roles granted in the database (cached for a few seconds: checked on every turn)."""
        if self.roles is None:
            return set()
        at, table = self._cache
        if time.monotonic() - at > ROLE_CACHE_SECONDS:
            table = self.roles.all()
            self._cache = (time.monotonic(), table)
        return table.get(user_ref, set())

    def forget_cache(self) -> None:
        """Drop cached roles (after a grant or revoke in this process)."""
        self._cache = (0.0, {})

    def role_names(self, user_ref: str) -> list[str]:
        """Every role a person has, for "my roles" and help."""
        names = ["admin"] if self.is_admin(user_ref) else []
        if self.is_practitioner(user_ref) and "admin" not in names:
            names.append("practitioner")
        for team in self.teams.teams_for_user(user_ref):
            names.append(f"{'owner' if user_ref in team.owners else 'member'} of {team.name}")
        return names or ["member"]

    def is_admin(self, user_ref: str) -> bool:
        """Admins are configured in FINOPS_ADMINS (and, later, granted in the database).

        The default terminal user of ``finops-bot chat`` (``console:you@local``) is the local operator and an admin;
        ``finops-bot chat --user bob`` speaks as an ordinary person.
        """
        if user_ref in self._admins or user_ref == CONSOLE_OPERATOR:
            return True
        return "admin" in self.stored_roles(user_ref)

    def is_practitioner(self, user_ref: str) -> bool:
        """Practitioners may nudge, survey and see every team; admins are practitioners too."""
        return self.is_admin(user_ref) or "practitioner" in self.stored_roles(user_ref)

    def can_manage_team(self, user_ref: str, team: TeamInfo) -> bool:
        """Set budgets, start the team's assessment: owners, practitioners, admins."""
        return user_ref in team.owners or self.is_practitioner(user_ref)

    def can_view_team(self, user_ref: str, team: TeamInfo) -> bool:
        """See budget and maturity: the team's people, practitioners, admins."""
        return user_ref in team.members or self.can_manage_team(user_ref, team)
