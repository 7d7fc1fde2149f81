"""The names parsing matches against (team directory, known FOCUS values), refreshed at most once a minute."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)
TTL_SECONDS = 60.0


class NamedTeam(Protocol):
    """A team as the directory lists it (``bot.directory.TeamInfo``)."""

    @property
    def name(self) -> str: ...
    @property
    def aliases(self) -> Sequence[str]: ...


@runtime_checkable
class KnownValues(Protocol):
    """A cost store that can list the FOCUS values it holds ("service", "provider", "region", "account")."""

    def known_values(self) -> Mapping[str, tuple[str, ...]]: ...


class Vocabulary:
    """A snapshot of team names/aliases and FOCUS values; ``stale`` says when to reload (in a database thread)."""

    def __init__(self, teams: Callable[[], Sequence[NamedTeam]], values: KnownValues | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._teams, self._values, self._clock = teams, values, clock
        self.teams: Mapping[str, tuple[str, ...]] = {}
        self.values: Mapping[str, tuple[str, ...]] = {}
        self._loaded_at: float | None = None

    @property
    def stale(self) -> bool:
        """Never loaded, or older than the TTL."""
        return self._loaded_at is None or self._clock() - self._loaded_at > TTL_SECONDS

    def reload(self) -> None:
        """Read the directory and the cost values (blocking: run it with ``db.run``)."""
        self.teams = {t.name: tuple(t.aliases) for t in self._teams()}
        if self._values is not None:
            try:
                self.values = dict(self._values.known_values())
            except Exception:  # cost data is optional for understanding; the directory still works
                log.warning("known FOCUS values could not be read", exc_info=True)
        self._loaded_at = self._clock()
