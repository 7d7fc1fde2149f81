"""Load and validate the articles under knowledge/content against the topic catalog (knowledge/topics.yaml)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.models import Source
from knowledge.article import Article, first_sentence

ROOT = Path(__file__).resolve().parent
CONTENT = ROOT / "content"
CATALOG = ROOT / "topics.yaml"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KnowledgeError(ValueError):
    """An article or the catalog is invalid; the message names the file or topic id."""

    def __init__(self, message: str, where: str | Path | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = str(where) if where else None


@dataclass(frozen=True)
class Topic:
    """A catalog entry: the coverage contract for one article."""

    id: str
    kind: str
    title: str
    aliases: tuple[str, ...]


def load_catalog(path: Path = CATALOG) -> dict[str, Topic]:
    """The topic catalog by id; duplicate or malformed entries raise KnowledgeError."""
    try:
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or []
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"cannot read the topic catalog ({exc})", path) from exc
    topics: dict[str, Topic] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
            raise KnowledgeError(f"catalog entry without id or title: {entry!r}", path)
        if entry["id"] in topics:
            raise KnowledgeError(f"duplicate catalog id {entry['id']!r}", path)
        aliases = tuple(str(a) for a in entry.get("aliases") or ())
        topics[entry["id"]] = Topic(entry["id"], str(entry.get("kind", "")), str(entry["title"]), aliases)
    return topics


def parse_article(path: Path, root: Path = CONTENT) -> Article:
    """One article file: front matter checked field by field; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"cannot read article ({exc})", path) from exc
    parts = text.split("---", 2) if text.startswith("---") else []
    if len(parts) != 3:
        raise KnowledgeError("missing YAML front matter between '---' lines", path)
    try:
        meta = yaml.load(parts[1], Loader=_Loader)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"invalid YAML front matter ({exc})", path) from exc
    if not isinstance(meta, dict):
        raise KnowledgeError("front matter is not a mapping", path)
    body = parts[2].strip()
    topic_id = _required_str(meta, "id", path)
    expected = path.relative_to(root).with_suffix("").as_posix()
    if topic_id != expected:
        raise KnowledgeError(f"id {topic_id!r} does not match its path (expected {expected!r})", path)
    if not body:
        raise KnowledgeError("empty body", path)
    return Article(
        id=topic_id,
        kind=topic_id.split("/", 1)[0],
        title=_required_str(meta, "title", path),
        aliases=_str_list(meta, "aliases", path),
        related=_str_list(meta, "related", path),
        sources=_sources(meta, path),
        edition=str(meta.get("edition") or "").strip(),
        summary=first_sentence(body),
        body=body,
        path=path,
    )


def load_articles(root: Path = CONTENT, catalog: dict[str, Topic] | None = None, strict: bool = True) -> list[Article]:
    """Every article under ``root``, validated; ``strict`` also demands one article per catalog topic."""
    catalog = load_catalog() if catalog is None else catalog
    articles: dict[str, Article] = {}
    for path in sorted(root.rglob("*.md")):
        article = parse_article(path, root)
        if article.id in articles:
            raise KnowledgeError(f"duplicate id {article.id!r} (also in {articles[article.id].path})", path)
        if article.id not in catalog:
            raise KnowledgeError(f"id {article.id!r} is not in the topic catalog", path)
        articles[article.id] = article
    missing = [t for t in catalog if t not in articles]
    if strict and missing:
        raise KnowledgeError(f"{len(missing)} catalog topic(s) have no article: {', '.join(missing[:10])}", root)
    for article in articles.values():
        unknown = [r for r in article.related if r not in catalog]
        if unknown:
            raise KnowledgeError(f"unknown related id(s): {', '.join(unknown)}", article.path)
    return list(articles.values())


def _required_str(meta: dict[str, Any], name: str, path: Path) -> str:
    value = meta.get(name)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"missing or empty {name!r}", path)
    return value.strip()


def _str_list(meta: dict[str, Any], name: str, path: Path) -> tuple[str, ...]:
    value = meta.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise KnowledgeError(f"{name!r} must be a list of strings", path)
    return tuple(str(v).strip() for v in value if str(v).strip())


def _sources(meta: dict[str, Any], path: Path) -> tuple[Source, ...]:
    raw: Iterable[Any] = meta.get("sources") or []
    sources = []
    for item in raw:
        if not isinstance(item, dict) or not item.get("title") or not str(item.get("url", "")).startswith("http"):
            raise KnowledgeError(f"each source needs a title and an http(s) url, got {item!r}", path)
        sources.append(Source(str(item["title"]).strip(), str(item["url"]).strip()))
    if not sources:
        raise KnowledgeError("missing sources", path)
    return tuple(sources)
