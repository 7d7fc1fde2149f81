"""The README and docs/ pages name only files, links and commands that exist (so they cannot drift)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
TOP = ("bot", "intents", "knowledge", "adapters", "tests", "bench", "docs", "slack", "teams", ".ci")
# a repository path in backticks: `bot/router.py`, `tests/fakes/`, `knowledge/content/<kind>/<slug>.md` (templated
# parts are skipped)
PATH = re.compile(r"`((?:" + "|".join(re.escape(t) for t in TOP) + r")/[\w./-]*)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
COMMAND = re.compile(r"`finops-bot ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse has no public accessor for sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _page_text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_paths_and_links_exist(page: Path) -> None:
    text = _page_text(page)
    missing = []
    for raw in PATH.findall(text):
        if "<" in raw or "*" in raw:
            continue
        path = raw.rstrip(".")
        if not ((ROOT / path).exists() or (ROOT / f"{path}.py").exists()):  # `bench/db_turn` is a module
            missing.append(path)
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        if not (page.parent / target).resolve().exists():
            missing.append(target)
    assert not missing, f"{page.relative_to(ROOT)} names paths that do not exist: {sorted(set(missing))}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_commands_exist(page: Path) -> None:
    top = _subcommands(build_parser())
    unknown = []
    for words in COMMAND.findall(_page_text(page)):
        first, *rest = words.split()
        if first not in top:
            unknown.append(words)
            continue
        subs = _subcommands(top[first])
        if rest and subs and rest[0] not in subs:
            unknown.append(words)
    assert not unknown, f"{page.relative_to(ROOT)} names commands finops-bot does not have: {sorted(set(unknown))}"


def test_readme_stays_a_short_front_door() -> None:
    assert len((ROOT / "README.md").read_bytes()) <= 12 * 1024


def test_configuration_page_is_generated_from_the_settings() -> None:
    from bot.config import markdown

    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == markdown(), "regenerate it: python -m bot.config --markdown > docs/configuration.md"
