"""The team directory: teams, their aliases, channels and people."""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlmodel import select

from bot.db import Database, utcnow
from bot.identity import full
from bot.tables import Team, TeamMember


@dataclass(frozen=True)
class TeamInfo:
    """A read-only view of a team."""

    id: int
    name: str
    aliases: tuple[str, ...]
    slack_channel: str | None
    teams_conversation: str | None
    owners: tuple[str, ...]
    members: tuple[str, ...]


def _normal(name: str) -> str:
    return " ".join(name.lower().replace("-", " ").replace("_", " ").split())


class TeamStore:
    """CRUD and lookups over the team directory."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def upsert(
        self,
        name: str,
        aliases: tuple[str, ...] = (),
        slack_channel: str | None = None,
        teams_conversation: str | None = None,
    ) -> TeamInfo:
        """Create the team or update its aliases and channels (None leaves a channel unchanged)."""
        name = name.strip()
        if not name:
            raise ValueError("a team needs a name")
        with self.db.session() as s:
            team = s.exec(select(Team).where(Team.name == name)).first()
            if team is None:
                team = Team(name=name, aliases=list(aliases), created_at=utcnow())
            elif aliases:
                team.aliases = sorted(set(team.aliases) | set(aliases))
            if slack_channel is not None:
                team.slack_channel = slack_channel or None
            if teams_conversation is not None:
                team.teams_conversation = teams_conversation or None
            s.add(team)
            s.flush()
            team_id = team.id
        info = self.get(name)
        assert info is not None and info.id == team_id
        return info

    def add_member(self, team_name: str, user_ref: str, role: str = "member") -> None:
        """Add or re-role a person (``user_ref`` like ``slack:U123@T456``: with the workspace) in a team."""
        if role not in ("owner", "member"):
            raise ValueError("role must be owner or member")
        full(user_ref)  # IdentityError for a malformed ref or one without its workspace
        with self.db.session() as s:
            team = s.exec(select(Team).where(Team.name == team_name)).first()
            if team is None or team.id is None:
                raise LookupError(f"no team named {team_name!r}")
            row = s.exec(
                select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_ref == user_ref)
            ).first()
            s.add(row or TeamMember(team_id=team.id, user_ref=user_ref, role=role))
            if row is not None:
                row.role = role

    def remove_member(self, team_name: str, user_ref: str) -> bool:
        """Remove a person from a team; False when they were not in it."""
        with self.db.session() as s:
            team = s.exec(select(Team).where(Team.name == team_name)).first()
            row = team and s.exec(
                select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_ref == user_ref)
            ).first()
            if not row:
                return False
            s.delete(row)
            return True

    def list(self) -> builtins.list[TeamInfo]:
        """All teams, by name."""
        with self.db.session() as s:
            teams = s.exec(select(Team).order_by(Team.name)).all()
            people = s.exec(select(TeamMember)).all()
        return [self._info(t, [p for p in people if p.team_id == t.id]) for t in teams]

    def get(self, name: str) -> TeamInfo | None:
        """A team by exact name or alias (case and separators ignored)."""
        wanted = _normal(name)
        for team in self.list():
            if wanted == _normal(team.name) or wanted in {_normal(a) for a in team.aliases}:
                return team
        return None

    def find(self, text: str, cutoff: float = 80) -> tuple[TeamInfo | None, builtins.list[TeamInfo]]:
        """Resolve a possibly misspelt team name: (the team, or None plus close suggestions)."""
        teams = self.list()
        exact = self.get(text)
        if exact is not None:
            return exact, []
        names = {(_normal(n)): t for t in teams for n in (t.name, *t.aliases)}
        hits = process.extract(_normal(text), list(names), scorer=fuzz.WRatio, limit=5)
        ranked: builtins.list[TeamInfo] = []
        for hit, _score, _ in hits:
            if names[hit] not in ranked:
                ranked.append(names[hit])
        if hits and hits[0][1] >= cutoff and (len(hits) == 1 or hits[0][1] - hits[1][1] >= 5 or
                                               names[hits[0][0]] == names[hits[1][0]]):
            return names[hits[0][0]], []
        return None, ranked[:3]

    def teams_for_user(self, user_ref: str) -> builtins.list[TeamInfo]:
        """The teams a person belongs to (owners first)."""
        mine = [t for t in self.list() if user_ref in t.owners or user_ref in t.members]
        return sorted(mine, key=lambda t: (user_ref not in t.owners, t.name))

    def is_empty(self) -> bool:
        """True when no team exists yet (the demo loader's trigger)."""
        with self.db.session() as s:
            return s.exec(select(Team.id).limit(1)).first() is None

    @staticmethod
    def _info(team: Team, people: builtins.list[TeamMember]) -> TeamInfo:
        assert team.id is not None
        return TeamInfo(
            id=team.id,
            name=team.name,
            aliases=tuple(team.aliases or ()),
            slack_channel=team.slack_channel,
            teams_conversation=team.teams_conversation,
            owners=tuple(p.user_ref for p in people if p.role == "owner"),
            members=tuple(p.user_ref for p in people if p.role != "owner"),
        )
