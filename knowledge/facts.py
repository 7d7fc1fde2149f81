"""The framework's lists (principles, personas, phases, domains, capabilities, maturity, FOCUS releases) as data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

FACTS = Path(__file__).resolve().parent / "facts.yaml"


@dataclass(frozen=True)
class ListFact:
    """One list: its name, the article that presents it, and its items (in named groups when it has groups)."""

    name: str
    topic: str
    noun: str
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # ("", items) for an ungrouped list
    group_topics: tuple[tuple[str, str], ...] = ()  # group name → the article that presents that group
    in_definition: bool = True  # also lead a plain "what is …" answer with the list

    @property
    def items(self) -> tuple[str, ...]:
        """Every item, groups flattened in order."""
        return tuple(item for _, items in self.groups for item in items)

    def render(self) -> list[str]:
        """The complete list as answer lines: a count, then one line per group or item."""
        lines = [f"There are {len(self.items)} {self.noun}:"]
        if len(self.groups) == 1 and not self.groups[0][0]:
            return lines + [f"{n}. {item}" for n, item in enumerate(self.items, start=1)]
        return lines + [f"• {name} ({len(items)}): {'; '.join(items)}" for name, items in self.groups]

    def group_for(self, topic: str) -> tuple[str, tuple[str, ...]] | None:
        """The group an article presents (a domain's capabilities), or None."""
        name = dict((t, g) for g, t in self.group_topics).get(topic)
        return next(((g, items) for g, items in self.groups if g == name), None) if name else None


@lru_cache(maxsize=4)
def load_facts(path: Path = FACTS) -> tuple[ListFact, ...]:
    """Every list in the facts file; a malformed entry raises ValueError naming it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    facts = []
    for name, entry in data.items():
        if not isinstance(entry, dict) or not entry.get("topic") or not ("items" in entry or "groups" in entry):
            raise ValueError(f"{path}: list {name!r} needs a topic and items or groups")
        if "groups" in entry:
            groups = tuple((str(g), tuple(str(i) for i in items)) for g, items in entry["groups"].items())
        else:
            groups = (("", tuple(str(i) for i in entry["items"])),)
        topics = tuple((str(g), str(t)) for g, t in (entry.get("domain_topics") or {}).items())
        facts.append(ListFact(str(name), str(entry["topic"]), str(entry.get("noun", name)), groups, topics,
                              bool(entry.get("in_definition", True))))
    return tuple(facts)


@dataclass(frozen=True)
class Listed:
    """The complete list an article presents, as answer lines, and whether a definition answer leads with it."""

    lines: tuple[str, ...]
    in_definition: bool = True


def list_for(topic: str) -> Listed | None:
    """The complete list an article presents, or None when it presents none."""
    for fact in load_facts():
        if fact.topic == topic:
            return Listed(tuple(fact.render()), fact.in_definition)
        if group := fact.group_for(topic):
            name, items = group
            lines = (f"{name} has {len(items)} capabilities:", *(f"{n}. {i}" for n, i in enumerate(items, 1)))
            return Listed(lines)
    return None
