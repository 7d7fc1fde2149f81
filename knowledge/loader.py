"""Load and validate the articles under knowledge/content against the topic catalog (knowledge/topics.yaml)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.article import LICENCE_URLS, SECTIONS, Article, Credit, Section, first_sentence

ROOT = Path(__file__).resolve().parent
CONTENT = ROOT / "content"
CATALOG = ROOT / "topics.yaml"  # the shared topic catalog, kept byte for byte (its ids are a contract)
LOCAL_CATALOG = ROOT / "topics-local.yaml"  # topics this project adds beyond it (new ids only)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# works published under CC BY 4.0: a source on these sites must say its licence (and whether it is adapted)
LICENSED_HOSTS = ("https://www.finops.org/", "https://focus.finops.org/",
                  "https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec")


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
    """The topic catalog by id (the shipped one: the shared catalog plus ``topics-local.yaml``); duplicate or
    malformed entries raise KnowledgeError."""
    topics: dict[str, Topic] = {}
    for source in (path, LOCAL_CATALOG) if path == CATALOG and LOCAL_CATALOG.exists() else (path,):
        _read_catalog(source, topics)
    return topics


def _read_catalog(path: Path, topics: dict[str, Topic]) -> None:
    try:
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or []
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"cannot read the topic catalog ({exc})", path) from exc
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
            raise KnowledgeError(f"catalog entry without id or title: {entry!r}", path)
        if entry["id"] in topics:
            raise KnowledgeError(f"duplicate catalog id {entry['id']!r}", path)
        aliases = tuple(str(a) for a in entry.get("aliases") or ())
        topics[entry["id"]] = Topic(entry["id"], str(entry.get("kind", "")), str(entry["title"]), aliases)


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
    topic_id = _required_str(meta, "id", path)
    expected = path.relative_to(root).with_suffix("").as_posix()
    if topic_id != expected:
        raise KnowledgeError(f"id {topic_id!r} does not match its path (expected {expected!r})", path)
    credits = _credits(meta, path)
    sections = parse_sections(parts[2], path)
    return Article(
        id=topic_id,
        kind=topic_id.split("/", 1)[0],
        title=_required_str(meta, "title", path),
        aliases=_str_list(meta, "aliases", path),
        related=_str_list(meta, "related", path),
        credits=credits,
        edition=str(meta.get("edition") or "").strip(),
        summary=first_sentence(sections[0].text),
        sections=sections,
        path=path,
        choose=_choose(meta, path),
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


def _choose(meta: dict[str, Any], path: Path) -> tuple[tuple[str, str], ...]:
    """``choose:`` is a "when …" line for the article, or a mapping of each option it describes to its line."""
    value = meta.get("choose")
    if value is None:
        return ()
    if isinstance(value, str) and value.strip():
        return (("", value.strip()),)
    if isinstance(value, dict) and value and all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                 for k, v in value.items()):
        return tuple((k.strip(), v.strip()) for k, v in value.items())
    raise KnowledgeError("'choose' must be a non-empty string or a mapping of option to string", path)


def _str_list(meta: dict[str, Any], name: str, path: Path) -> tuple[str, ...]:
    value = meta.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise KnowledgeError(f"{name!r} must be a list of strings", path)
    return tuple(str(v).strip() for v in value if str(v).strip())


def parse_sections(text: str, path: Path) -> tuple[Section, ...]:
    """The body's ``## Name`` sections: known names only, in the stable order, Definition first and required."""
    if not text.strip():
        raise KnowledgeError("empty body", path)
    chunks = ("\n" + text.strip()).split("\n## ")
    if chunks[0].strip():
        raise KnowledgeError("text before the first section; start the body with '## Definition'", path)
    sections: list[Section] = []
    for chunk in chunks[1:]:
        name, _, content = chunk.partition("\n")
        name = name.strip()
        if name not in SECTIONS:
            raise KnowledgeError(f"unknown section {name!r} (allowed: {', '.join(SECTIONS)})", path)
        if sections and SECTIONS.index(name) <= SECTIONS.index(sections[-1].name):
            raise KnowledgeError(f"section {name!r} is repeated or out of order ({' > '.join(SECTIONS)})", path)
        if not content.strip():
            raise KnowledgeError(f"empty section {name!r}", path)
        sections.append(Section(name, content.strip()))
    if not sections or sections[0].name != "Definition":
        raise KnowledgeError("missing '## Definition' section", path)
    return tuple(sections)


def _credits(meta: dict[str, Any], path: Path) -> tuple[Credit, ...]:
    raw: Iterable[Any] = meta.get("sources") or []
    credits: list[Credit] = []
    for item in raw:
        if not isinstance(item, dict) or not item.get("title") or not str(item.get("url", "")).startswith("http"):
            raise KnowledgeError(f"each source needs a title and an http(s) url, got {item!r}", path)
        title, url = str(item["title"]).strip(), str(item["url"]).strip()
        licence = str(item["licence"]).strip() if item.get("licence") else None
        if licence is not None and licence not in LICENCE_URLS:
            raise KnowledgeError(f"unknown licence {licence!r} for {url} (known: {', '.join(LICENCE_URLS)})", path)
        if licence is None and url.startswith(LICENSED_HOSTS):
            raise KnowledgeError(f"{url} is published under CC BY 4.0: add 'licence' and 'adapted'", path)
        if "CC BY" in title:
            raise KnowledgeError(f"put the licence in 'licence', not in the title: {title!r}", path)
        if any(c.url == url for c in credits):
            raise KnowledgeError(f"source {url} is listed twice", path)
        credits.append(Credit(title, url, licence, bool(item.get("adapted", False))))
    if not credits:
        raise KnowledgeError("missing sources", path)
    return tuple(credits)
