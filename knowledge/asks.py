"""What a question asks for (its shape): who, a comparison, a list, steps, an example, KPIs, pitfalls, a definition."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CUES = Path(__file__).resolve().parent / "cues.yaml"
SHAPES = ("compare", "who", "list", "kpi", "example", "pitfalls", "how")
DEFINE = "define"
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Ask:
    """A question's shape, and for a comparison the two things compared (as typed)."""

    shape: str
    left: str = ""
    right: str = ""


def words(text: str) -> str:
    """Lower-case words separated by single spaces, padded so a cue matches whole words only."""
    return f" {_NON_WORD.sub(' ', text.lower()).strip()} "


@lru_cache(maxsize=4)
def cues(path: Path = CUES) -> dict[str, tuple[str, ...]]:
    """The cue words per shape (plus the comparison's separators and "between" phrases)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {shape: tuple(words(c).strip() for c in data[shape].get("cues", ())) for shape in SHAPES if shape in data}
    out["separators"] = tuple(words(c).strip() for c in data["compare"]["separators"])
    out["between"] = tuple(words(c).strip() for c in data["compare"]["between"])
    return out


def ask_of(question: str, path: Path = CUES) -> Ask:
    """The shape of ``question``; a comparison also carries its two sides."""
    said, table = words(question), cues(path)
    if pair := _sides(said, table):
        return Ask("compare", *pair)
    for shape in SHAPES[1:]:
        if any(f" {cue} " in said for cue in table[shape]):
            return Ask(shape)
    return Ask(DEFINE)


def _sides(said: str, table: dict[str, tuple[str, ...]]) -> tuple[str, str] | None:
    """("billed cost", "effective cost") for "billed cost vs effective cost" or "difference between A and B"."""
    for phrase in table["between"]:
        if f" {phrase} " in said:
            rest = said.split(f" {phrase} ", 1)[1]
            left, sep, right = rest.partition(" and ")
            if sep and left.strip() and right.strip():
                return left.strip(), right.strip()
    for sep in table["separators"]:
        if f" {sep} " in said:
            left, _, right = said.partition(f" {sep} ")
            if left.strip() and right.strip():
                return left.strip(), right.strip()
    return None
