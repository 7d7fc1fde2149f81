"""One knowledge article: a frozen value parsed from a Markdown file with YAML front matter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.models import Source

_POINT = re.compile(r"^\s*[-*]\s+\*\*(?P<label>[^*]{1,80}?):?\*\*:?\s*(?P<text>.+)$")
_PLAIN_POINT = re.compile(r"^\s*[-*]\s+(?P<text>.+)$")
_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.DOTALL)


@dataclass(frozen=True)
class Point:
    """A key point of an article: a bullet's bold label (may be empty) and its text."""

    label: str
    text: str

    def render(self) -> str:
        """The point as one plain line."""
        return f"{self.label}: {self.text}" if self.label else self.text


@dataclass(frozen=True)
class Article:
    """A knowledge article; ``summary`` is the body's first sentence (the short answer)."""

    id: str
    kind: str
    title: str
    aliases: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[Source, ...]
    edition: str
    summary: str
    body: str
    path: Path

    @property
    def points(self) -> tuple[Point, ...]:
        """The body's bullet points (or its paragraphs after the first sentence) as key points."""
        return parse_points(self.body, self.summary)


def first_sentence(body: str) -> str:
    """The first sentence of the first paragraph, Markdown emphasis removed."""
    para = body.strip().split("\n\n", 1)[0]
    text = " ".join(para.replace("**", "").split())
    m = _SENTENCE.match(text)
    return (m.group(1) if m else text).strip()


def parse_points(body: str, summary: str) -> tuple[Point, ...]:
    """Bullets with bold labels become points; plain bullets and later paragraphs are points without a label."""
    points: list[Point] = []
    paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
    for index, para in enumerate(paragraphs):
        lines = para.splitlines()
        if any(_PLAIN_POINT.match(line) for line in lines):
            for line in _join_continuations(lines):
                if m := _POINT.match(line):
                    points.append(Point(m["label"].strip(), _clean(m["text"])))
                elif m := _PLAIN_POINT.match(line):
                    points.append(Point("", _clean(m["text"])))
            continue
        text = _clean(para)
        if index == 0:
            text = text[len(summary):].strip() if text.startswith(summary) else text
        if text:
            points.append(Point("", text))
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
