"""What a question asks for (its shape): who, a comparison or choice, a list, steps, what to do, an example, KPIs,
pitfalls, a definition."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CUES = Path(__file__).resolve().parent / "cues.yaml"
SHAPES = ("compare", "who", "list", "kpi", "example", "pitfalls", "how", "act")
DEFINE = "define"
ALIASES = {"example_any": "example", "steps": "how"}  # a cue group answered as another shape
_NON_WORD = re.compile(r"[^a-z0-9]+")
NEGATION_REACH = 3  # words before a who cue that can negate it ("nobody really owns")


@dataclass(frozen=True)
class Ask:
    """A question's shape; a comparison also carries its two sides (as typed) and whether it asks to choose."""

    shape: str
    left: str = ""
    right: str = ""
    choice: bool = False  # "should we X or Y?": the answer leads with which to pick when


@dataclass(frozen=True)
class Cues:
    """The cue file, read once."""

    order: tuple[str, ...]
    shapes: dict[str, tuple[str, ...]]
    separators: tuple[str, ...]
    between: tuple[str, ...]
    either: tuple[str, ...]
    choosing: tuple[str, ...]
    short: int
    negated: tuple[str, ...]
    context: int = 0  # words a situation needs before its request for action


def words(text: str) -> str:
    """Lower-case words separated by single spaces, padded so a cue matches whole words only."""
    return f" {_NON_WORD.sub(' ', text.lower()).strip()} "


def _norm(items: object) -> tuple[str, ...]:
    return tuple(words(str(c)).strip() for c in (items or ()))  # type: ignore[attr-defined]


@lru_cache(maxsize=4)
def cues(path: Path = CUES) -> Cues:
    """The cue words per shape, in the order they are tried, plus the comparison's separators."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    compare = data["compare"]
    order = tuple(data.get("order") or ("compare", *SHAPES[1:]))
    shapes = {name: _norm(data[name].get("cues")) for name in order if name != "compare" and name in data}
    return Cues(order, shapes, _norm(compare["separators"]), _norm(compare["between"]), _norm(compare.get("either")),
                _norm(compare.get("choosing")), int(compare.get("short", 0)), _norm(data["who"].get("negated")),
                int(data.get("act", {}).get("context", 0)))


def ask_of(question: str, path: Path = CUES) -> Ask:
    """The shape of ``question``; a comparison also carries its two sides."""
    said, table = words(question), cues(path)
    for name in table.order:
        if name == "compare":
            if pair := _sides(said, table):  # "X vs Y, which should we use?" asks to choose too
                return Ask("compare", *pair, choice=_choosing(said, table))
            if pair := _choice(said, table):
                return Ask("compare", *pair, choice=True)
            continue
        found = [cue for cue in table.shapes.get(name, ()) if f" {cue} " in said]
        if name == "act" and found:  # a situation comes first ("our bill doubled, what now?"), else it asks how
            situated = [cue for cue in found if len(said.split(f" {cue} ", 1)[0].split()) >= table.context]
            return Ask("act" if situated else "how")
        if name == "who":
            found = [cue for cue in found if not _negated(said, cue, table.negated)]
        if found:
            return Ask(ALIASES.get(name, name))
    return Ask(DEFINE)


def _negated(said: str, cue: str, negations: tuple[str, ...]) -> bool:
    """Whether every use of ``cue`` follows a negation within a few words ("the costs nobody owns")."""
    parts = said.split(f" {cue} ")[:-1]
    return bool(parts) and all(
        any(f" {n} " in f" {' '.join(p.split()[-NEGATION_REACH:])} " for n in negations) for p in parts)


def _sides(said: str, table: Cues) -> tuple[str, str] | None:
    """("billed cost", "effective cost") for "billed cost vs effective cost" or "difference between A and B"."""
    for phrase in table.between:
        if f" {phrase} " in said:
            rest = said.split(f" {phrase} ", 1)[1]
            left, sep, right = rest.partition(" and ")
            if sep and left.strip() and right.strip():
                return left.strip(), right.strip()
    for sep in table.separators:
        if f" {sep} " in said:
            left, _, right = said.partition(f" {sep} ")
            if left.strip() and right.strip():
                return left.strip(), right.strip()
    return None


def _choosing(said: str, table: Cues) -> bool:
    """Whether the question asks to choose ("should", "which", "recommend" …)."""
    return any(f" {c} " in said for c in table.choosing)


def _choice(said: str, table: Cues) -> tuple[str, str] | None:
    """The two options of "should we buy RIs or savings plans?" or a short "spot or on-demand?"."""
    for sep in table.either:
        if f" {sep} " not in said:
            continue
        left, _, right = said.partition(f" {sep} ")
        left, right = left.strip(), right.strip()
        if not left or not right:
            continue
        # the right side may carry context ("… for batch jobs")
        if _choosing(said, table) or len(left.split()) <= table.short:
            return left, right
    return None
