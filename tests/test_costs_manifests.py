"""Export deliveries from listings: AWS Data Exports and Azure manifests, newest manifest per billing period,
loose files per folder, incomplete deliveries refused (no object storage needed)."""

from __future__ import annotations

import json

from bot.costs.manifests import plan, slot_of
from bot.costs.sources import StoredObject, filesystem, is_remote

AWS = "s3://b/exports/focus"


def obj(url: str, modified: str = "2024-10-02", etag: str = "e1") -> StoredObject:
    return StoredObject(url, 10, etag, modified)


def test_slots_are_billing_period_folders() -> None:
    assert slot_of(f"{AWS}/data/BILLING_PERIOD=2024-09/focus-00001.csv.gz") == f"{AWS}/BILLING_PERIOD=2024-09"
    assert slot_of(f"{AWS}/metadata/BILLING_PERIOD=2024-09/focus-Manifest.json") == f"{AWS}/BILLING_PERIOD=2024-09"
    assert slot_of("az://c/x/daily/20240901-20240930/run-1/part_0_0001.csv") == "az://c/x/daily/20240901-20240930"
    assert slot_of("s3://b/loose/file.csv") == "s3://b/loose"


def test_newest_manifest_per_period_wins_and_old_parts_are_not_loose_files() -> None:
    old = [obj(f"{AWS}/data/BILLING_PERIOD=2024-09/exec-1/focus-0000{n}.csv.gz", "2024-10-01") for n in (1, 2)]
    new = [obj(f"{AWS}/data/BILLING_PERIOD=2024-09/exec-2/focus-00001.csv.gz", "2024-10-02")]
    manifests = {f"{AWS}/metadata/BILLING_PERIOD=2024-09/exec-1/focus-Manifest.json": (old, "2024-10-01"),
                 f"{AWS}/metadata/BILLING_PERIOD=2024-09/exec-2/focus-Manifest.json": (new, "2024-10-02")}
    texts = {url: json.dumps({"dataFiles": [o.url for o in parts]}) for url, (parts, _m) in manifests.items()}
    listing = [*old, *new, *(obj(u, m) for u, (_p, m) in manifests.items()),
               obj("s3://b/exports/focus/other/BILLING_PERIOD=2024-08/a.parquet", "2024-09-15")]
    p = plan(listing, texts.__getitem__)
    assert not p.problems
    assert [(d.slot, [x.url for x in d.parts]) for d in p.deliveries] == [
        ("s3://b/exports/focus/other/BILLING_PERIOD=2024-08", ["s3://b/exports/focus/other/BILLING_PERIOD=2024-08/a.parquet"]),
        (f"{AWS}/BILLING_PERIOD=2024-09", [new[0].url])]


def test_azure_blobs_are_relative_to_the_container_and_missing_parts_refuse_the_delivery() -> None:
    folder = "exports/daily/20240901-20240930/run-1"
    m = obj(f"az://c/{folder}/manifest.json")
    text = json.dumps({"blobs": [{"blobName": f"{folder}/part_0_000{n}.csv.gz"} for n in (1, 2)]})
    one = obj(f"az://c/{folder}/part_0_0001.csv.gz")
    p = plan([m, one], lambda _u: text)
    assert not p.deliveries and "1 of 2 listed files are missing" in p.problems[0]
    p = plan([m, one, obj(f"az://c/{folder}/part_0_0002.csv.gz")], lambda _u: text)
    assert [len(d.parts) for d in p.deliveries] == [2] and p.deliveries[0].manifest == m
    assert plan([obj("s3://b/x/Manifest.json")], lambda _u: "{}").problems  # not an export manifest: reported


def test_identity_changes_with_the_etag_and_abfs_urls_keep_their_account() -> None:
    assert obj("s3://b/k", etag="a").identity != obj("s3://b/k", etag="b").identity
    assert is_remote("gs://b/x") and not is_remote("/tmp/x.csv") and not is_remote("https://x/y")
    _fs, path, name = filesystem("abfs://exports@acct.dfs.core.windows.net/focus/")
    assert path == "exports/focus/"
    assert name("exports/focus/m.json") == "abfs://exports@acct.dfs.core.windows.net/focus/m.json"
