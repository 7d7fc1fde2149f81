"""Teams from the allocation tag: tag values that name no team become teams, and their stored cost moves to them.

Costs whose allocation tag names no team are stored unallocated with the tag value kept (``alloc_tag``); adopting
creates the team and re-allocates those rows in place, so no re-import is needed.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, update

from bot.costs.allocation import UNALLOCATED, norm_value
from bot.costs.rollup import reallocate
from bot.costs.tables import CostDaily
from bot.db import Database
from bot.directory import TeamStore

log = logging.getLogger(__name__)
MAX_NAME = 120


@dataclass(frozen=True)
class TagTeam:
    """A tag value naming no team yet: the name it would get, its spellings and the rows it holds."""

    name: str
    spellings: tuple[str, ...]
    rows: int


def new_tag_teams(db: Database, teams: TeamStore) -> list[TagTeam]:
    """Allocation-tag values on unallocated cost that match no team (name, alias), most rows first."""
    known = {norm_value(n) for t in teams.list() for n in (t.name, *t.aliases)}
    stmt = (select(CostDaily.alloc_tag, func.count()).where(CostDaily.team.is_(None),  # type: ignore[union-attr]
                                                           CostDaily.alloc_tag.is_not(None))  # type: ignore[union-attr]
            .group_by(CostDaily.alloc_tag))
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    with db.engine.connect() as conn:
        for value, count in conn.execute(stmt).all():
            key = norm_value(value)
            if key and key not in known and key != UNALLOCATED and len(value.strip()) <= MAX_NAME:
                groups[key][value] += int(count)
    out = [TagTeam(c.most_common(1)[0][0].strip(), tuple(sorted(c)), sum(c.values())) for c in groups.values()]
    return sorted(out, key=lambda t: (-t.rows, t.name))


def adopt(db: Database, teams: TeamStore, found: list[TagTeam]) -> int:
    """Create the teams and move their unallocated rows to them; the number of rows re-allocated."""
    moved = 0
    for t in found:
        teams.upsert(t.name)
        with db.session() as s:
            result = s.execute(update(CostDaily).where(
                CostDaily.team.is_(None), CostDaily.alloc_tag.in_(t.spellings))  # type: ignore[union-attr]
                .values(team=t.name))
            moved += result.rowcount or 0
            reallocate(s.connection(), t.spellings, t.name)  # the monthly rollup follows in the same transaction
    log.info("adopted %d teams from the allocation tag (%d cost rows)", len(found), moved)
    return moved


def describe(found: list[TagTeam], tag_key: str, limit: int = 12) -> str:
    """``3 new teams found in tag `team`: a, b, c``."""
    names = ", ".join(t.name for t in found[:limit]) + (" …" if len(found) > limit else "")
    return f"{len(found)} new team{'s' if len(found) != 1 else ''} found in tag `{tag_key}`: {names}"
