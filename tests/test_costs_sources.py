"""Cost exports pulled from object storage, end to end against real emulators started here: moto's S3 server
(AWS Data Exports layout and manifest) and Azurite (Azure Cost Management export layout and manifest), on SQLite
and PostgreSQL: a month's parts import together, unchanged objects are skipped, a re-delivered month replaces the
old one, and a broken delivery keeps the stored data."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.costs.pull import pull
from bot.costs.tables import NANO
from tests.conftest import IN_CI
from tests.costs_helpers import decimal_sums, random_rows, service_for, write
from tests.emulators import azurite, azurite_bin, moto_s3


@dataclass(frozen=True)
class Bucket:
    """An emulated bucket/container: its URL root and a writer."""

    root: str  # s3://bucket or az://container
    put: Callable[[str, bytes], None]
    layout: str  # "aws" or "azure"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3() as url:
        yield url


@pytest.fixture(scope="module")
def azurite_conn() -> Iterator[str]:
    binary = azurite_bin()
    if binary is None:
        if IN_CI:
            pytest.fail("azurite is not installed (.ci/run installs it into ~/.cache/finops-bot/azurite)")
        pytest.skip(reason="azurite is not installed: npm install --prefix ~/.cache/finops-bot/azurite azurite@3")
    with azurite(binary) as conn:
        yield conn


@pytest.fixture(params=["aws", "azure"])
def bucket(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    name = f"exports-{uuid.uuid4().hex[:10]}"
    if request.param == "aws":
        endpoint = request.getfixturevalue("s3_endpoint")
        for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(key, value)  # the SDK's standard chain: nothing in our settings
        import s3fs

        fs: Any = s3fs.S3FileSystem(skip_instance_cache=True)
        fs.mkdir(name)
        return Bucket(f"s3://{name}", lambda key, data: fs.pipe(f"{name}/{key}", data), "aws")
    conn = request.getfixturevalue("azurite_conn")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", conn)
    import adlfs

    afs: Any = adlfs.AzureBlobFileSystem(connection_string=conn, skip_instance_cache=True)
    afs.mkdir(name)
    return Bucket(f"az://{name}", lambda key, data: afs.pipe(f"{name}/{key}", data), "azure")


def _gz(path: Path) -> bytes:
    return gzip.compress(path.read_bytes())


def deliver(b: Bucket, tmp: Path, rows: list[dict[str, str]], parts: int, run: str,
            missing_part: bool = False, broken_part: bool = False) -> dict[str, Decimal]:
    """Write one month's export as ``parts`` gzip parts plus the provider's manifest; returns the expected sums."""
    everything = write(tmp / f"all-{run}.csv", rows)
    keys: list[str] = []
    for n in range(parts):
        local = write(tmp / f"{run}-{n}.csv", rows[n::parts])
        key = (f"cur/focus/data/BILLING_PERIOD=2024-09/focus-{n + 1:05d}.csv.gz" if b.layout == "aws" else
               f"exports/focus-daily/20240901-20240930/{run}/part_0_{n + 1:04d}.csv.gz")
        keys.append(key)
        if missing_part and n == parts - 1:
            continue
        b.put(key, b"this is not,a FOCUS file\n1,2\n" if broken_part and n == 0 else _gz(local))
    if b.layout == "aws":
        manifest = {"executionId": run, "exportArn": "arn:aws:bcm-data-exports:us-east-1:111122223333:export/focus",
                    "dataFiles": [f"{b.root}/{k}" for k in keys], "columns": [{"name": "BilledCost"}]}
        b.put("cur/focus/metadata/BILLING_PERIOD=2024-09/focus-Manifest.json", json.dumps(manifest).encode())
    else:
        manifest = {"manifestVersion": "2024-04-01", "blobCount": parts,
                    "exportConfig": {"exportName": "focus-daily", "type": "FocusCost", "dataVersion": "1.0r2"},
                    "deliveryConfig": {"partitionData": True, "dataOverwriteBehavior": "OverwritePreviousReport"},
                    "runInfo": {"runId": run, "startDate": "2024-09-01T00:00:00", "endDate": "2024-09-30T00:00:00"},
                    "blobs": [{"blobName": k, "byteCount": 1} for k in keys]}
        b.put(f"exports/focus-daily/20240901-20240930/{run}/manifest.json", json.dumps(manifest).encode())
    return decimal_sums(everything)


def stored(svc: Any) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for (_team, cur), v in svc.costs.totals().items():
        out[cur] = out.get(cur, Decimal(0)) + Decimal(v) / NANO
    return out


def test_month_parts_import_together_unchanged_skipped_redelivery_replaces(db_url: str, bucket: Bucket,
                                                                           tmp_path: Path) -> None:
    svc = service_for(db_url)
    first = deliver(bucket, tmp_path, random_rows(600, seed=1), parts=2, run="run-1")
    r = pull(svc.costs, bucket.root + "/")
    assert r.ok, r.problems
    assert [len(results) for _d, results in r.imported] == [2]  # one delivery, both parts
    assert stored(svc) == first

    again = pull(svc.costs, bucket.root)
    assert again.ok and not again.imported and len(again.unchanged) == 1  # same ETags: nothing re-read

    second = deliver(bucket, tmp_path, random_rows(450, seed=2), parts=3, run="run-2")  # the month, re-delivered
    r = pull(svc.costs, bucket.root)
    assert r.ok, r.problems
    assert [len(results) for _d, results in r.imported] == [3]
    assert stored(svc) == second != first  # replaced, not added
    records = svc.costs.imports(10)
    assert {rec.file_name.rsplit("/", 1)[-1] for rec in records[:3]} == {
        "focus-00001.csv.gz", "focus-00002.csv.gz", "focus-00003.csv.gz"} if bucket.layout == "aws" else {
        "part_0_0001.csv.gz", "part_0_0002.csv.gz", "part_0_0003.csv.gz"}


def test_broken_or_incomplete_redelivery_keeps_the_stored_month(db_url: str, bucket: Bucket, tmp_path: Path) -> None:
    svc = service_for(db_url)
    good = deliver(bucket, tmp_path, random_rows(300, seed=3), parts=2, run="run-1")
    assert pull(svc.costs, bucket.root).ok
    deliver(bucket, tmp_path, random_rows(200, seed=4), parts=2, run="run-2", broken_part=True)
    r = pull(svc.costs, bucket.root)
    assert not r.imported and r.problems and "missing required FOCUS columns" in r.problems[0]
    assert stored(svc) == good
    deliver(bucket, tmp_path, random_rows(200, seed=5), parts=3, run="run-3", missing_part=True)
    r = pull(svc.costs, bucket.root)
    assert not r.imported and "1 of 3 listed files are missing" in r.problems[0]
    assert stored(svc) == good


def test_cli_imports_a_bucket_prefix(db_url: str, bucket: Bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    service_for(db_url)
    for key, value in {"DATABASE_URL": db_url, "FINOPS_DEMO": "false", "LOG_LEVEL": "WARNING"}.items():
        monkeypatch.setenv(key, value)
    expected = deliver(bucket, tmp_path, random_rows(200, seed=6), parts=2, run="run-1")
    assert main(["costs", "import", bucket.root + "/", "--no-alerts"]) == 0
    out = capsys.readouterr().out
    assert "1 deliveries imported (200 rows), 0 unchanged" in out
    assert main(["costs", "import", bucket.root + "/", "--no-alerts"]) == 0
    assert "0 deliveries imported (0 rows), 1 unchanged" in capsys.readouterr().out
    assert main(["costs", "totals"]) == 0
    totals = capsys.readouterr().out
    for cur in expected:
        assert cur in totals
