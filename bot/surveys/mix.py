"""The mix pool of anonymous survey answers: held in memory until ``batch`` people answered, then written shuffled.

Why: anything written in the turn that records an answer (the ballot, the "answered" mark, the conversation state)
shares a transaction id, a commit in the SQLite WAL and a position in time with it. Holding answers back until
``batch`` people have answered and writing them together, shuffled, in a transaction of their own means a row,
an ``xmin``, a WAL commit or an ordering can at best point to a batch of ``batch`` people, never to one person.
See docs/security.md (anonymity model) for what this does not cover.
"""

from __future__ import annotations

import threading

Answer = tuple[tuple[int, ...], str | None]  # chosen option indexes, free text


class MixPool:
    """Pending anonymous answers per survey and person (thread-safe; one per process)."""

    def __init__(self, batch: int) -> None:
        self.batch = max(2, batch)
        self._lock = threading.Lock()
        self._pending: dict[int, dict[str, dict[int, Answer]]] = {}

    def add(self, sid: int, user_ref: str, q: int, answer: Answer) -> bool:
        """Hold one answer; False when this person's answer to ``q`` is already waiting."""
        with self._lock:
            mine = self._pending.setdefault(sid, {}).setdefault(user_ref, {})
            if q in mine:
                return False
            mine[q] = answer
            return True

    def questions(self, sid: int, user_ref: str) -> set[int]:
        """The questions this person answered that wait in the pool."""
        with self._lock:
            return set(self._pending.get(sid, {}).get(user_ref, {}))

    def people(self, sid: int) -> set[str]:
        """Everyone with an answer waiting for survey ``sid``."""
        with self._lock:
            return set(self._pending.get(sid, {}))

    def ready(self, sid: int) -> set[int]:
        """The questions with answers of at least ``batch`` people waiting: a batch for each can be written."""
        with self._lock:
            counts: dict[int, int] = {}
            for mine in self._pending.get(sid, {}).values():
                for q in mine:
                    counts[q] = counts.get(q, 0) + 1
            return {q for q, n in counts.items() if n >= self.batch}

    def take(self, sid: int, questions: set[int] | None = None) -> dict[str, dict[int, Answer]]:
        """Remove and return what waits for survey ``sid`` (only the answers to ``questions`` when given)."""
        with self._lock:
            if questions is None:
                return self._pending.pop(sid, {})
            pending, taken = self._pending.get(sid, {}), {}
            for user, mine in list(pending.items()):
                if picked := {q: a for q, a in mine.items() if q in questions}:
                    taken[user] = picked
                    rest = {q: a for q, a in mine.items() if q not in questions}
                    if rest:
                        pending[user] = rest
                    else:
                        del pending[user]
            if not pending:
                self._pending.pop(sid, None)
            return taken

    def surveys(self) -> list[int]:
        """Surveys with answers waiting."""
        with self._lock:
            return list(self._pending)
