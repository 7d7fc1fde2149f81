"""Session settings the bot's PostgreSQL connections run with."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.db import Database


@pytest.mark.postgres
def test_postgresql_sessions_run_without_jit(pg_url: str) -> None:
    """JIT compilation cost ~10 ms per cost question on 4.4M daily rows (bench.cost_queries): the bot turns it off."""
    db = Database(pg_url)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar_one() == "off"
        with db.session() as s:  # and in the pooled sessions the stores use, inside their transactions
            assert s.execute(text("SHOW jit")).scalar_one() == "off"
    finally:
        db.dispose()
