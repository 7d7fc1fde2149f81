"""The knowledge search against tests/eval/questions.jsonl: top-1 and refusal accuracy (pure, no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase

EVAL = Path(__file__).parent / "eval" / "questions.jsonl"


def load_questions() -> list[dict[str, str]]:
    """The evaluation questions: ``question`` and ``expected`` (a topic id or "none")."""
    return [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(kb: KnowledgeBase, rows: list[dict[str, str]]) -> tuple[float, float, list[str]]:
    """(top-1 accuracy on answerable questions, refusal accuracy on "none" questions, the misses)."""
    right = refused = answerable = off = 0
    misses = []
    for row in rows:
        result = kb.search(row["question"])
        if row["expected"] == "none":
            off += 1
            refused += not result.answered
            if result.answered:
                misses.append(f"answered off-topic {row['question']!r} with {result.top}")
        else:
            answerable += 1
            ok = result.answered and result.top == row["expected"]
            right += ok
            if not ok:
                misses.append(f"{row['question']!r}: expected {row['expected']}, got {result.top} ({result.refusal})")
    return right / answerable, refused / off, misses


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_eval_set_is_big_and_valid(kb: KnowledgeBase) -> None:
    rows = load_questions()
    assert len(rows) >= 300
    assert sum(r["expected"] == "none" for r in rows) >= 40
    assert {r["expected"] for r in rows} - {"none"} <= set(kb.articles)
    assert len({r["question"].lower() for r in rows}) == len(rows)


def test_top1_and_refusal_accuracy(kb: KnowledgeBase) -> None:
    top1, refusal, misses = score(kb, load_questions())
    assert top1 >= 0.90, f"top-1 {top1:.3f}; misses:\n" + "\n".join(misses[:40])
    assert refusal >= 0.90, f"refusal {refusal:.3f}; misses:\n" + "\n".join(misses[:40])
