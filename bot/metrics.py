"""Prometheus metrics on a registry owned by one running bot (no global default registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Turn, error, delivery and import counters plus the turn latency histogram."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter("finops_turns", "Turns handled", ["platform", "intent"], registry=self.registry)
        self.errors = Counter("finops_errors", "Turns that failed", ["kind"], registry=self.registry)
        self.duplicates = Counter("finops_duplicate_events", "Redelivered events dropped", registry=self.registry)
        self.latency = Histogram(
            "finops_turn_seconds",
            "Turn latency",
            ["platform"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.deliveries = Counter(
            "finops_deliveries", "Proactive posts", ["platform", "status"], registry=self.registry
        )
        self.imports = Counter("finops_cost_imports", "Cost imports", ["status"], registry=self.registry)

    def render(self) -> bytes:
        """The exposition text for ``GET /metrics``."""
        return generate_latest(self.registry)
