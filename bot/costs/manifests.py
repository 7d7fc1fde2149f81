"""Which objects of a source import together: export deliveries from AWS Data Exports and Azure Cost Management
manifests, or (without a manifest) the data files of one folder.

AWS Data Exports write ``<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-00001.csv.gz`` and
``<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`` (``dataFiles``: the parts' S3 URIs).
Azure exports write ``<root>/<export>/<YYYYMMDD-YYYYMMDD>/<run id>/part_*.csv.gz`` with a ``manifest.json``
(``blobs``: ``blobName`` relative to the container), overwritten daily during the month. A month can have several
manifests (a new report per run): only the newest per billing-period slot is a delivery; files listed by older
manifests are ignored rather than imported as loose files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.costs.sources import StoredObject

DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".gz.parquet")
_SLOT = re.compile(r"^(.*?/(?:BILLING_PERIOD=\d{4}-\d{2}|\d{8}-\d{8}))(?:/|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Delivery:
    """The parts of one export delivery (one billing period of one export, or one folder of files)."""

    slot: str  # what a newer delivery of the same data replaces: the billing-period folder
    parts: tuple[StoredObject, ...]
    manifest: StoredObject | None = None

    @property
    def identity(self) -> str:
        """Changes when any part or the manifest changes."""
        keys = [p.identity for p in self.parts] + ([self.manifest.identity] if self.manifest else [])
        return hashlib.sha256("\n".join(keys).encode()).hexdigest()


@dataclass(frozen=True)
class Plan:
    """A source's deliveries (oldest first) and problems that kept objects out (incomplete manifests)."""

    deliveries: tuple[Delivery, ...]
    problems: tuple[str, ...]


def is_data(obj: StoredObject) -> bool:
    """A FOCUS data file by its name."""
    return obj.name.lower().endswith(DATA_SUFFIXES)


def is_manifest(obj: StoredObject) -> bool:
    """An AWS (``…-Manifest.json``) or Azure (``manifest.json``) export manifest."""
    return obj.name.lower().endswith("manifest.json")


def slot_of(url: str) -> str:
    """The billing-period folder of a URL, without AWS's ``/data`` or ``/metadata`` level; else the parent folder."""
    m = _SLOT.match(url)
    folder = m[1] if m else url.rsplit("/", 1)[0]
    return re.sub(r"/(?:data|metadata)/(BILLING_PERIOD=)", r"/\1", folder, flags=re.IGNORECASE)


def part_urls(manifest: StoredObject, text: str) -> list[str]:
    """The data-file URLs a manifest lists (AWS ``dataFiles`` or Azure ``blobs``); ValueError when it is neither."""
    doc = json.loads(text)
    if isinstance(doc.get("dataFiles"), list):
        return [str(u) for u in doc["dataFiles"]]
    if isinstance(doc.get("blobs"), list):
        scheme, _, rest = manifest.url.partition("://")
        container = rest.split("/", 1)[0]  # "container" or "container@account.dfs.core.windows.net"
        return [f"{scheme}://{container}/{str(b['blobName']).lstrip('/')}" for b in doc["blobs"]]
    raise ValueError("neither AWS dataFiles nor Azure blobs")


def plan(objects: list[StoredObject], read: Callable[[str], str]) -> Plan:
    """Group a source's objects into deliveries; ``read`` returns a manifest's text."""
    by_url = {o.url: o for o in objects}
    covered: set[str] = set()
    newest: dict[str, tuple[StoredObject, list[str]]] = {}
    problems: list[str] = []
    for m in (o for o in objects if is_manifest(o)):
        try:
            urls = part_urls(m, read(m.url))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"{m.url}: not an export manifest ({exc})")
            continue
        covered.update(urls)
        slot = slot_of(m.url)
        best = newest.get(slot)
        if best is None or (m.modified, m.url) > (best[0].modified, best[0].url):
            newest[slot] = (m, urls)
    deliveries: list[Delivery] = []
    for slot, (m, urls) in newest.items():
        missing = [u for u in urls if u not in by_url]
        if missing:
            problems.append(f"{m.url}: {len(missing)} of {len(urls)} listed files are missing (e.g. {missing[0]}); "
                            f"the delivery is incomplete and was not imported")
            continue
        deliveries.append(Delivery(slot, tuple(by_url[u] for u in urls), m))
    loose: dict[str, list[StoredObject]] = {}
    for o in objects:
        if is_data(o) and o.url not in covered:
            loose.setdefault(slot_of(o.url), []).append(o)
    deliveries += [Delivery(slot, tuple(parts)) for slot, parts in loose.items()]
    deliveries.sort(key=lambda d: (max((p.modified for p in d.parts), default=""), d.slot))
    return Plan(tuple(deliveries), tuple(problems))
