"""Allocation: which team owns a cost group (allocation tag → tag rules → sub-account rules → unallocated)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

UNALLOCATED = "unallocated"
_SEP = re.compile(r"[\s_\-]+")


def norm_key(key: str) -> str:
    """A tag key compared case- and space-insensitively: ``" Team "`` and ``"TEAM"`` are ``team``."""
    return re.sub(r"\s+", "", key).lower()


def norm_value(value: str | None) -> str:
    """A tag value or team name compared case- and separator-insensitively (``Data Platform`` = ``data-platform``).

    The reader extracts tag values from the lower-cased, space-free Tags text (one JSON parse per row, any key
    spelling), so values are compared without case, spaces, dashes or underscores."""
    return _SEP.sub("", (value or "").lower())


@dataclass(frozen=True)
class Rule:
    """A fallback rule: ``kind`` is ``tag`` (key=value) or ``account`` (sub-account id or name)."""

    kind: str
    key: str
    value: str
    team: str


@dataclass(frozen=True)
class Allocator:
    """Maps tag values and sub-accounts to team names; built from the team directory and the rules table."""

    tag_key: str
    names: Mapping[str, str] = field(default_factory=dict)  # normalised name or alias -> team name
    rules: tuple[Rule, ...] = ()

    @classmethod
    def build(cls, tag_key: str, teams: Iterable[tuple[str, Iterable[str]]], rules: Iterable[Rule] = ()) -> Allocator:
        """From (team name, aliases) pairs and fallback rules."""
        listed = [(name, tuple(aliases)) for name, aliases in teams]
        names: dict[str, str] = {}
        for name, aliases in listed:
            for alias in aliases:
                names.setdefault(norm_value(alias), name)
        for name, _aliases in listed:
            names[norm_value(name)] = name  # a team's own name beats another team's alias
        ordered = sorted(rules, key=lambda r: (r.kind != "tag", r.kind, r.key, r.value))
        return cls(norm_key(tag_key), names, tuple(ordered))

    @property
    def tag_keys(self) -> tuple[str, ...]:
        """The normalised tag keys whose values the reader must extract (allocation tag first)."""
        keys = [self.tag_key]
        keys += [r.key for r in self.rules if r.kind == "tag" and r.key not in keys]
        return tuple(keys)

    def team_for(self, tags: Mapping[str, str | None], sub_account_id: str, sub_account_name: str) -> str | None:
        """The owning team, or None (unallocated). ``tags`` maps normalised keys to raw values."""
        team = self.names.get(norm_value(tags.get(self.tag_key)))
        if team:
            return team
        for rule in self.rules:
            if rule.kind == "tag" and norm_value(tags.get(rule.key)) == rule.value:
                return rule.team
        ids = {norm_value(sub_account_id), norm_value(sub_account_name)} - {""}
        for rule in self.rules:
            if rule.kind == "account" and rule.value in ids:
                return rule.team
        return None
