"""One knowledge article: a frozen value parsed from a Markdown file with YAML front matter and ``##`` sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.source import Source

# The stable set of sections, in the order they appear in a file; only Definition is required.
SECTIONS = ("Definition", "Who", "How to start", "Examples", "KPIs", "Pitfalls", "Related")
CC_BY = "CC BY 4.0"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_URLS = {CC_BY: CC_BY_URL}

_POINT = re.compile(r"^\s*[-*]\s+\*\*(?P<label>[^*]{1,80}?):?\*\*:?\s*(?P<text>.+)$")
_PLAIN_POINT = re.compile(r"^\s*(?:[-*]|(?P<n>\d+)\.)\s+(?P<text>.+)$")
_SENTENCE = re.compile(r"(.+?(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)[.!?])(?:\s|$)", re.DOTALL)


@dataclass(frozen=True)
class Point:
    """A key point of an article: a bullet's bold label (may be empty) and its text."""

    label: str
    text: str

    def render(self) -> str:
        """The point as one plain line."""
        return f"{self.label}: {self.text}" if self.label else self.text


@dataclass(frozen=True)
class Credit:
    """A work an article draws on: its title, link, licence and whether the article adapts it."""

    title: str
    url: str
    licence: str | None = None
    adapted: bool = False

    def source(self) -> Source:
        """The citation as shown under an answer: the work, and "adapted, CC BY 4.0" when it is adapted."""
        if self.licence and self.adapted:
            return Source(f"{self.title} (adapted; {self.licence})", self.url)
        return Source(f"{self.title} ({self.licence})" if self.licence else self.title, self.url)


@dataclass(frozen=True)
class Section:
    """One ``## Name`` section of an article: its Markdown text and the points in it."""

    name: str
    text: str

    @property
    def points(self) -> tuple[Point, ...]:
        """Its bullets (bold label and text) and its paragraphs, in order."""
        return parse_points(self.text)

    @property
    def plain(self) -> str:
        """The section as plain text, Markdown emphasis removed."""
        return _clean(self.text.replace("\n- ", " ").lstrip("- "))


@dataclass(frozen=True)
class Article:
    """A knowledge article; ``summary`` is the Definition's first sentence (the short answer)."""

    id: str
    kind: str
    title: str
    aliases: tuple[str, ...]
    related: tuple[str, ...]
    credits: tuple[Credit, ...]
    edition: str
    summary: str
    sections: tuple[Section, ...]
    path: Path
    # when to pick this topic over an alternative: ("", "when …") for the article itself, or (option, "when …")
    # for each option it describes ("Centralised", "Hub-and-spoke" …); "should we X or Y?" leads with these
    choose: tuple[tuple[str, str], ...] = ()

    @property
    def body(self) -> str:
        """All section text without headings (what search indexes)."""
        return "\n\n".join(s.text for s in self.sections)

    @property
    def sources(self) -> tuple[Source, ...]:
        """Citations for every answer: each work, then a link to each licence an adapted work is under."""
        cited = [c.source() for c in self.credits]
        licences = dict.fromkeys(c.licence for c in self.credits if c.adapted and c.licence in LICENCE_URLS)
        cited += [Source(f"Licence: {name}", LICENCE_URLS[name]) for name in licences if name]
        return tuple(cited)

    @property
    def adapted(self) -> bool:
        """Whether the article adapts a licensed work (its answers then say so)."""
        return any(c.adapted for c in self.credits)

    def section(self, name: str) -> Section | None:
        """The section with this name, or None when the article has none."""
        return next((s for s in self.sections if s.name == name), None)

    @property
    def points(self) -> tuple[Point, ...]:
        """Every point of every section after the summary sentence."""
        out: list[Point] = []
        for section in self.sections:
            points = section.points
            if section.name == "Definition" and points and points[0].text.startswith(self.summary):
                rest = points[0].text[len(self.summary):].strip()
                points = ((Point("", rest),) if rest else ()) + points[1:]
            out.extend(points)
        return tuple(out)


def first_sentence(text: str) -> str:
    """The first sentence of the first paragraph, Markdown emphasis removed."""
    para = text.strip().split("\n\n", 1)[0]
    m = _SENTENCE.match(_clean(para))
    return (m.group(1) if m else _clean(para)).strip()


def parse_points(text: str) -> tuple[Point, ...]:
    """Bullets with bold labels become labelled points; plain bullets and paragraphs become unlabelled ones."""
    points: list[Point] = []
    for para in (p.strip() for p in text.strip().split("\n\n") if p.strip()):
        lines = para.splitlines()
        if not any(_PLAIN_POINT.match(line) for line in lines):
            points.append(Point("", _clean(para)))
            continue
        for line in _join_continuations(lines):
            if m := _POINT.match(line):
                points.append(Point(m["label"].strip(), _clean(m["text"])))
            elif m := _PLAIN_POINT.match(line):  # a numbered step keeps its number
                points.append(Point("", (f"{m['n']}. " if m["n"] else "") + _clean(m["text"])))
            else:
                points.append(Point("", _clean(line)))
    return tuple(points)


def _join_continuations(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if _PLAIN_POINT.match(line) or not out:
            out.append(line)
        else:
            out[-1] += " " + line.strip()
    return out


def _clean(text: str) -> str:
    return " ".join(text.replace("**", "").split())
