"""Every list an article repeats (principles, personas, phases, domains, capabilities …) agrees with facts.yaml."""

from __future__ import annotations

import re

import pytest

from knowledge.base import KnowledgeBase
from knowledge.compose import compose
from knowledge.facts import load_facts

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")
NUMBERS = {w: n for n, w in enumerate(WORDS)}
NUMBERS |= {"twenty-two": 22, "twenty two": 22}
# "the 22 capabilities", "six core personas": a count stated as the size of a framework list
CLAIM = re.compile(r"\b(?:the|all|its|are|has|have|with|into|under|of)\s+(?P<n>\d+|[a-z]+(?:-two| two)?)\s+"
                   r"(?P<group>core |allied )?(?:finops |framework )?(?P<noun>principles|capabilities|domains|phases|"
                   r"personas|lenses|maturity levels)\b", re.IGNORECASE)
# counts quoted from an older source on purpose (and saying so in the same sentence)
HISTORICAL = {("framework/conduct-iteration", 18)}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9/]+", " ", text.lower().replace("&", " and ")).split())


def sizes() -> dict[str, set[int]]:
    facts = {f.name: f for f in load_facts()}
    out = {"principles": {len(facts["principles"].items)}, "phases": {len(facts["phases"].items)},
           "domains": {len(facts["domains"].items)}, "lenses": {len(facts["lenses"].items)},
           "maturity levels": {len(facts["maturity"].items)},
           "capabilities": {len(facts["capabilities"].items)} | {len(i) for _, i in facts["capabilities"].groups},
           "personas": {len(facts["personas"].items)}}
    for group, items in facts["personas"].groups:
        out[group.split()[0].lower() + " personas"] = {len(items)}
    return out


def test_each_list_article_names_every_item(kb: KnowledgeBase) -> None:
    for fact in load_facts():
        home = kb.get(fact.topic)
        assert home is not None, fact.topic
        missing = [item for item in fact.items if norm(item) not in norm(home.body)]
        assert not missing, f"{fact.topic} leaves out {missing}"
        for group, topic in fact.group_topics:  # each domain article names all of its capabilities
            items = dict(fact.groups)[group]
            article = kb.get(topic)
            assert article is not None and not [i for i in items if norm(i) not in norm(article.body)], topic


def test_every_count_an_article_states_matches_the_list(kb: KnowledgeBase) -> None:
    allowed = sizes()
    for article in kb.articles.values():
        for m in CLAIM.finditer(article.body):
            raw = m["n"].lower()
            if not raw.isdigit() and raw not in NUMBERS:
                continue
            n = int(raw) if raw.isdigit() else NUMBERS[raw]
            key = f"{m['group'].strip().lower()} personas" if m["group"] else m["noun"].lower()
            if (article.id, n) in HISTORICAL:
                continue
            assert n in allowed[key], f"{article.id}: '{m.group(0)}' but facts.yaml has {sorted(allowed[key])}"


@pytest.mark.parametrize("name", ["principles", "personas", "phases", "domains", "capabilities", "maturity",
                                  "lenses", "focus_versions"])
def test_a_list_answer_is_complete(kb: KnowledgeBase, name: str) -> None:
    fact = next(f for f in load_facts() if f.name == name)
    answer = compose(kb.get(fact.topic), "list").text
    assert all(item in answer for item in fact.items), name
    assert f"There are {len(fact.items)} " in answer


def test_facts_are_the_2026_framework() -> None:
    facts = {f.name: f for f in load_facts()}
    assert len(facts["principles"].items) == 6 and len(facts["domains"].items) == 4
    assert len(facts["capabilities"].items) == 22 and "Usage Optimization" in facts["capabilities"].items
    assert dict(facts["personas"].groups)["Core personas"][0] == "FinOps Practitioner"
    assert facts["focus_versions"].items[-2].startswith("1.3 (December 2025)")


def test_a_drifted_count_would_be_caught() -> None:
    claims = [m["n"] for m in CLAIM.finditer("Only the 14 capabilities and all five principles count here.")]
    assert claims == ["14", "five"] and 14 not in sizes()["capabilities"] and 5 not in sizes()["principles"]
