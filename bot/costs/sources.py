"""Where exports land: local paths and object storage (``s3://``, ``az://``/``abfs://``, ``gs://``) through fsspec.

Credentials come only from each provider's standard chain, never from our settings: AWS (environment, shared
profile, instance/task role; ``AWS_ENDPOINT_URL`` for S3-compatible stores), Azure (``AZURE_STORAGE_CONNECTION_STRING``
or ``AZURE_STORAGE_ACCOUNT_NAME`` with a key, SAS or ``DefaultAzureCredential``: managed identity, CLI login),
Google (application default credentials). Objects are streamed to a temporary file and read there by DuckDB's
parallel local reader (faster than ranged reads through Python), identified by their ETag instead of a hash.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import UserError

SCHEMES = ("s3", "az", "abfs", "abfss", "gs", "gcs")
FRESH = {"skip_instance_cache": True, "use_listings_cache": False}  # a daily pull must see new objects
_AZ_ACCOUNT = re.compile(r"^([^@/]+)@([a-z0-9]+)\.(?:dfs|blob)\.core\.windows\.net(/.*)?$")


@dataclass(frozen=True)
class StoredObject:
    """One object (or local file) of a source: its URL, size, version tag and modification time."""

    url: str
    size: int
    etag: str
    modified: str  # ISO timestamp or provider text; used only to order deliveries

    @property
    def name(self) -> str:
        """The last path segment."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def identity(self) -> str:
        """What an unchanged object keeps: a digest of its URL and ETag (64 hex characters, the import checksum)."""
        return hashlib.sha256(f"{self.url}\n{self.etag}".encode()).hexdigest()


def is_remote(url: str) -> bool:
    """Whether ``url`` names object storage rather than a local path."""
    return url.split("://", 1)[0].lower() in SCHEMES and "://" in url


ENV_PREFIXES = ("AWS_", "AZURE_", "GOOGLE_", "GCE_", "CLOUDSDK_")  # what the providers' credential chains read


def filesystem(url: str) -> tuple[Any, str, Callable[[str], str]]:
    """(fsspec filesystem, the path it understands, how a path it lists is named as a URL)."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    try:
        if scheme == "s3":
            return _client("s3", ""), rest, lambda key: "s3://" + key
        if scheme in ("az", "abfs", "abfss"):
            m = _AZ_ACCOUNT.match(rest)
            if m:  # abfs://container@account.dfs.core.windows.net/path: keep the account in every object's URL
                host = rest.split("/", 1)[0].split("@", 1)[1]

                def name(key: str) -> str:
                    container, _, tail = key.partition("/")
                    return f"{scheme}://{container}@{host}/{tail}"

                return _client("az", m[2]), m[1] + (m[3] or ""), name
            return _client("az", ""), rest, lambda key: f"{scheme}://{key}"
        if scheme in ("gs", "gcs"):
            return _client("gs", ""), rest, lambda key: "gs://" + key
    except ImportError as exc:
        raise UserError(f"{scheme}:// sources need the {exc.name} package: pip install {exc.name}") from None
    except ValueError as exc:  # adlfs: no account configured
        raise UserError(f"{url}: {exc} (set AZURE_STORAGE_ACCOUNT_NAME or AZURE_STORAGE_CONNECTION_STRING)") from None
    raise UserError(f"{url}: unsupported source; use a local path or s3://, az://, abfs:// or gs:// URLs")


def _client(kind: str, account: str) -> Any:
    """The filesystem for a provider, kept per thread and per provider environment: making one builds an SDK
    client (botocore parses its service models each time: about 0.5 s of CPU), and listings are never cached
    (``FRESH``), so a kept one still sees new objects."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)))
    return _made(kind, account, env, threading.get_ident())


@functools.lru_cache(maxsize=32)
def _made(kind: str, account: str, _env: tuple[tuple[str, str], ...], _thread: int) -> Any:
    if kind == "s3":
        import s3fs

        return s3fs.S3FileSystem(**FRESH)
    if kind == "az":
        import adlfs

        return adlfs.AzureBlobFileSystem(**({"account_name": account} if account else {}), **FRESH)
    import gcsfs

    return gcsfs.GCSFileSystem(**FRESH)


def _etag(info: dict[str, Any]) -> str:
    for key in ("ETag", "etag", "md5Hash", "generation"):
        if info.get(key):
            return str(info[key]).strip('"')
    return f"{info.get('size')}-{info.get('LastModified') or info.get('last_modified') or ''}"


def list_objects(url: str) -> list[StoredObject]:
    """Every object under a URL prefix (or the one object it names), sorted by URL."""
    fs, path, name = filesystem(url)
    try:
        found = {path: fs.info(path)} if fs.isfile(path) else fs.find(path.rstrip("/"), detail=True)
    except FileNotFoundError:
        raise UserError(f"{url}: no such bucket, container or prefix") from None
    except PermissionError as exc:
        raise UserError(f"{url}: access denied ({exc}); check the provider's credentials") from None
    except OSError as exc:
        raise UserError(f"{url}: cannot list: {' '.join(str(exc).split())[:200]}") from None
    out = [StoredObject(name(key.lstrip("/")), int(info.get("size") or 0), _etag(info),
                        str(info.get("LastModified") or info.get("last_modified") or info.get("updated") or ""))
           for key, info in found.items() if info.get("type", "file") != "directory"]
    return sorted(out, key=lambda o: o.url)


def read_text(url: str, limit: int = 16 << 20) -> str:
    """A small object's text (manifests)."""
    fs, path, _prefix = filesystem(url)
    return bytes(fs.cat_file(path, start=0, end=limit)).decode("utf-8-sig")  # one ranged GET


@contextmanager
def local_copy(obj: StoredObject) -> Iterator[Path]:
    """The object downloaded to a temporary file (named like the object, so its suffix tells the format); large
    objects in parallel ranged parts where the filesystem does that (s3fs)."""
    fs, path, _prefix = filesystem(obj.url)
    folder = Path(tempfile.mkdtemp(prefix="finops-costs-"))
    try:
        target = folder / obj.name
        try:
            fs.get_file(path, str(target))  # GETs only (a file object would HEAD the object first, more than once)
        except OSError as exc:
            raise UserError(f"{obj.url}: download failed: {' '.join(str(exc).split())[:200]}") from None
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)
