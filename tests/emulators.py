"""Object-storage emulators started by the tests: moto's S3 server and Azurite (Blob), on free loopback ports.

Azurite comes from npm: ``.ci/run`` installs it into ``~/.cache/finops-bot/azurite``; ``FINOPS_TEST_AZURITE`` may
name another ``azurite-blob`` executable. Without it the Azure tests skip locally and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # public
AZURITE_DIR = Path.home() / ".cache" / "finops-bot" / "azurite"


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def moto_s3() -> Iterator[str]:
    """A moto S3 server; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def azurite_bin() -> str | None:
    """The ``azurite-blob`` executable, if installed."""
    named = os.environ.get("FINOPS_TEST_AZURITE", "")
    for candidate in (named, str(AZURITE_DIR / "node_modules" / ".bin" / "azurite-blob"),
                      shutil.which("azurite-blob") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@contextmanager
def azurite(binary: str) -> Iterator[str]:
    """An Azurite Blob server in a temporary folder; yields its connection string."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="azurite-") as folder:
        proc = subprocess.Popen([binary, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", folder,
                                 "--silent", "--skipApiVersionCheck", "--loose"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if proc.poll() is not None:
                    raise RuntimeError(f"azurite exited with {proc.returncode}")
                time.sleep(0.2)
            else:
                raise RuntimeError("azurite did not start within 30 s")
            yield (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
                   f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
