"""PostgreSQL test databases: copies of a migrated template, made one test ahead and dropped behind on a background
thread, so a test waits neither for ``CREATE DATABASE … TEMPLATE`` nor for ``DROP DATABASE`` (0.05–0.3 s each on
the 2-core machine, mostly waiting for the server's WAL flush; ~550 tests use one)."""

from __future__ import annotations

import uuid
from collections import defaultdict, deque
from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy as sa


class PgDatabases:
    """Hands out fresh databases copied from a template; one worker thread does every CREATE and DROP in order."""

    def __init__(self, admin_url: str) -> None:
        self._admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-test-databases")
        self._ready: dict[str, deque[Future[str]]] = defaultdict(deque)

    def take(self, template: str) -> str:
        """A database no one has used, copied from ``template``; the next one is started in the background."""
        ready = self._ready[template]
        if not ready:
            ready.append(self._thread.submit(self._create, template))
        name = ready.popleft().result()
        ready.append(self._thread.submit(self._create, template))
        return name

    def give_back(self, name: str) -> None:
        """Drop ``name`` in the background (``WITH (FORCE)``: sessions a test left open are ended)."""
        self._thread.submit(self._drop, name)

    def forget(self, template: str) -> None:
        """Drop the copies of ``template`` made ahead, before the template itself is dropped."""
        for made in self._ready.pop(template, ()):
            self._drop(made.result())

    def close(self) -> None:
        """Drop everything made ahead and wait for the pending drops."""
        for template in list(self._ready):
            self.forget(template)
        self._thread.shutdown(wait=True)
        self._admin.dispose()

    def _create(self, template: str) -> str:
        name = f"finops_t_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return name

    def _drop(self, name: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
