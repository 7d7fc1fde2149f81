"""FOCUS import: formats, required columns, rejected rows, replacement, atomicity, exact totals (SQLite and PG)."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bot.costs.tables import NANO
from bot.errors import UserError
from tests.costs_helpers import V10, V12_EXTRA, decimal_sums, random_rows, row, service_for, write


def _by_currency(svc, column: str = "billed") -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    out: dict[str, Decimal] = {}
    for (_team, cur), v in svc.costs.totals(column).items():
        out[cur] = out.get(cur, Decimal(0)) + Decimal(v) / NANO
    return out


def test_totals_reconcile_exactly_with_an_independent_decimal_sum(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    path = write(tmp_path / "focus.csv", random_rows(3000, seed=3))
    result = svc.import_file(path)
    assert result.parsed.rows_rejected == 0 and result.parsed.rows_imported == 3000
    expected = decimal_sums(path)
    assert _by_currency(svc) == expected  # allocated + unallocated == file, per currency, to the last nano-unit
    assert {c: Decimal(v["BilledCost"]) for c, v in result.parsed.totals.items()} == expected
    exact_effective = decimal_sums(path, "EffectiveCost")  # 10 decimals: stored totals round once, to 1e-9
    assert {c: Decimal(v["EffectiveCost"]) for c, v in result.parsed.totals.items()} == exact_effective
    assert _by_currency(svc, "effective") == {c: v.quantize(Decimal("1e-9")) for c, v in exact_effective.items()}
    assert any(v != v.quantize(Decimal("1e-9")) for v in exact_effective.values())
    assert len(expected) == 3  # USD, EUR and JPY are never added together


def test_gzip_and_parquet_import_the_same_totals(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    rows = random_rows(400, seed=5)
    csv_path = write(tmp_path / "a.csv", rows)
    gz = tmp_path / "a.csv.gz"
    with csv_path.open("rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    table = pa.table({c: [r[c] for r in rows] for c in V10})
    pq.write_table(table, tmp_path / "a.parquet")
    expected = decimal_sums(csv_path)
    for path in (gz, tmp_path / "a.parquet"):
        result = svc.import_file(path)
        assert result.parsed.rows_imported == 400
        assert _by_currency(svc) == expected  # second import replaced the first: no double count


def test_parquet_with_typed_columns_and_map_tags(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    table = pa.table({
        "BilledCost": pa.array([Decimal("1.25"), Decimal("-0.25")], pa.decimal128(20, 10)),
        "EffectiveCost": pa.array([1.0, 2.0], pa.float64()),
        "BillingCurrency": ["USD", "USD"], "ChargeCategory": ["Usage", "Credit"], "ServiceName": ["EC2", "EC2"],
        "ChargePeriodStart": pa.array([1725148800, 1725235200], pa.timestamp("s", tz="UTC")),
        "ChargePeriodEnd": pa.array([1725235200, 1725321600], pa.timestamp("s", tz="UTC")),
        "ProviderName": ["AWS", "AWS"], "SubAccountId": ["1", "2"],
        "Tags": pa.array([[("Team", "payments")], []], pa.map_(pa.string(), pa.string())),
    })
    pq.write_table(table, tmp_path / "typed.parquet")
    result = svc.import_file(tmp_path / "typed.parquet")
    assert result.parsed.rows_rejected == 0
    assert svc.costs.totals() == {("payments", "USD"): 1_250_000_000, (None, "USD"): -250_000_000}


def test_missing_required_columns_are_named(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    cols = [c for c in V10 if c not in ("EffectiveCost", "Tags", "ProviderName")]
    path = write(tmp_path / "bad.csv", [row("1")], cols)
    with pytest.raises(UserError) as err:
        svc.import_file(path)
    message = str(err.value)
    assert "EffectiveCost" in message and "Tags" in message and "ProviderName or ServiceProviderName" in message
    assert "BilledCost" not in message.split("columns:")[1]


def test_bad_rows_are_counted_with_line_numbers_and_the_rest_imports(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    rows = [row("1.5"), row("abc"), row("2", day="2024-09-02"), row("3", tags="{not json"), row("4"),
            {**row("5"), "ChargePeriodStart": "yesterday"}, row("6", tags='["a", "b"]'), row("7", effective="x")]
    result = svc.import_file(write(tmp_path / "mixed.csv", rows))
    p = result.parsed
    assert (p.rows_total, p.rows_imported, p.rows_rejected) == (8, 3, 5)
    assert p.rejected == ((3, "BilledCost is not a number"), (5, "Tags is not a JSON object"),
                          (7, "ChargePeriodStart is empty or not a date"), (8, "Tags is not a JSON object"),
                          (9, "EffectiveCost is not a number"))
    assert sum(svc.costs.totals().values()) == Decimal("7.5") * NANO
    assert svc.costs.imports()[0].rows_rejected == 5


def test_tags_are_validated_by_the_same_parse_that_finds_the_team(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    rows = [row("1", tags='{"team": "payments"} trailing'), row("2", tags='  {"team": "payments"}  '),
            row("4", tags='{"team": "payments", "env": }'), row("8", tags='{"env": "prod"}'),
            row("16", tags='{"Team": "Payments"}')]
    path = write(tmp_path / "tags.csv", rows)
    result = svc.import_file(path)
    p = result.parsed
    assert p.rejected == ((2, "Tags is not a JSON object"), (4, "Tags is not a JSON object"))
    assert p.rows_imported == 3
    by_team = {team: v for (team, _cur), v in svc.costs.totals().items()}
    assert by_team == {"payments": 18 * NANO, None: 8 * NANO}
    assert svc.costs.imports()[0].checksum == hashlib.sha256(path.read_bytes()).hexdigest()  # hashed meanwhile


def test_real_export_variations(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    path = tmp_path / "variants.csv"
    path.write_text(
        "\ufeffBilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,"
        "ServiceName,ProviderName,SubAccountId,Tags,RegionName\n"
        '"10.5","NULL",usd,2024-09-01 00:00:00,2024-09-02 00:00:00,Usage,EC2,AWS,1,"{"" Team "":""PAYMENTS""}",\n'
        "1E-2,,USD,2024-09-01T00:00:00,2024-09-02T00:00:00Z,Usage,EC2,AWS,1,NULL,NULL\n"
        ' 2 , 2 ,USD,2024-09-01T00:00:00.000Z,2024-09-02,Tax,Tax,AWS,,,East US\n')
    result = svc.import_file(path)
    assert result.parsed.rows_rejected == 0
    assert svc.costs.totals() == {("payments", "USD"): 10_500_000_000, (None, "USD"): 2_010_000_000}
    assert svc.costs.totals("effective") == {("payments", "USD"): 0, (None, "USD"): 2_000_000_000}


def test_focus_10_and_12_shapes(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    v10 = svc.import_file(write(tmp_path / "v10.csv", [row("1")]))
    rows12 = [row("2", account="acc-2", InvoiceId="inv-1", PricingCurrency="USD", BillingAccountType="x",
                  ServiceSubcategory="Compute")]
    v12 = svc.import_file(write(tmp_path / "v12.csv", rows12, V10 + V12_EXTRA))
    cols13 = [c if c != "ProviderName" else "ServiceProviderName" for c in V10]
    rows13 = [{**row("4", day="2024-09-03"), "ServiceProviderName": "Azure"}]
    v13 = svc.import_file(write(tmp_path / "v13.csv", rows13, cols13))
    assert (v10.parsed.focus_version, v12.parsed.focus_version, v13.parsed.focus_version) == ("1.0", "1.2", "1.3")
    assert v13.parsed.groups[0].provider == "Azure" and v13.parsed.groups[0].source == "Azure|ba-1"
    assert sum(svc.costs.totals().values()) == 6 * NANO  # 1.2 replaced 1.0 (same source and period); + 1.3


def test_reimport_and_newer_export_replace_the_period_never_double_count(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    first = write(tmp_path / "sep.csv", [row("10"), row("20", day="2024-09-02"), row("5", day="2024-10-01")])
    svc.import_file(first)
    again = svc.import_file(first)
    assert again.replaced_rows == 3
    assert sum(svc.costs.totals().values()) == 35 * NANO
    newer = write(tmp_path / "sep-v2.csv", [row("12"), row("21", day="2024-09-02"), row("1", day="2024-09-03")])
    svc.import_file(newer)  # September restated; October (not in the new file) stays
    assert sum(svc.costs.totals().values()) == (12 + 21 + 1 + 5) * NANO
    other_source = write(tmp_path / "azure.csv", [row("100", provider="Azure")])
    svc.import_file(other_source)  # another source's September adds, it does not replace AWS
    assert sum(svc.costs.totals().values()) == 139 * NANO


def test_a_failing_import_leaves_previous_data_intact(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    path = write(tmp_path / "ok.csv", [row("10"), row("20", day="2024-09-02")])
    svc.import_file(path)
    before = svc.costs.totals()
    from bot.costs.allocation import Allocator
    from bot.costs.focus_import import read_focus

    good = read_focus(path, Allocator.build("team", []).tag_keys, lambda *_: None)
    broken = good.groups[0]._replace(currency=None)  # NOT NULL violation after the delete ran
    bad = dataclasses.replace(good, groups=(*good.groups, broken))
    with pytest.raises(Exception):  # noqa: B017  (the database's own integrity error)
        svc.costs.store(bad)
    assert svc.costs.totals() == before
    with pytest.raises(UserError):
        svc.import_file(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        svc.import_file(tmp_path / "empty.csv")
    assert svc.costs.totals() == before
    assert len(svc.costs.imports()) == 1


def test_allocation_tags_aliases_rules_and_unallocated(db_url: str, tmp_path: Path) -> None:
    svc = service_for(db_url)
    svc.budgets.add_rule("checkout", "account", "ACC-9")  # by sub-account id (case-insensitive)
    svc.budgets.add_rule("data-platform", "tag", "cc-42", key="Cost Center")
    rows = [row("1", tags='{"TEAM ": "Payments"}'), row("2", tags='{"team": "pay-alias"}'),
            row("4", tags="{}", account="acc-9"), row("8", tags='{"costcenter": "CC-42"}'),
            row("16", tags='{"team": "nobody"}'), row("32", tags="NULL", account="acc-1")]
    path = write(tmp_path / "alloc.csv", rows)
    svc.import_file(path)
    totals = svc.costs.totals()
    assert totals == {("payments", "USD"): 3 * NANO, ("checkout", "USD"): 4 * NANO,
                      ("data-platform", "USD"): 8 * NANO, (None, "USD"): 48 * NANO}
    assert sum(totals.values()) == decimal_sums(path)["USD"] * NANO


def test_sample_export_shape_with_float_artifacts(db_url: str, tmp_path: Path) -> None:
    """Shaped like the FOCUS sample exports: every header quoted, unquoted NULL, 14-decimal float artifacts,
    hourly charge periods, positive credits, corrections, EffectiveCost 0 on purchases, doubled quotes in Tags."""
    svc = service_for(db_url, teams=("growth", "payments"))
    head = ",".join(f'"{c}"' for c in ("BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart",
                                        "ChargeCategory", "ChargeClass", "ChargePeriodEnd", "ChargePeriodStart",
                                        "EffectiveCost", "ProviderName", "ServiceName", "SubAccountId", "Tags",
                                        "InvoiceId", "PricingCurrency"))
    lines = [
        '468.17049576,"1234","USD","2024-09-01T00:00:00Z","Usage",NULL,"2024-09-10T13:00:00Z",'
        '"2024-09-10T12:00:00Z",468.17049576,"AWS","Amazon EC2","5173",'
        '"{""cost_center"": ""CC-2042"", ""team"": ""growth""}","INV-1","USD"',
        '227.28753400000005,"8a93","USD","2024-09-01T00:00:00Z","Purchase",NULL,"2024-09-13T18:00:00Z",'
        '"2024-09-13T17:00:00Z",0,"Microsoft","Azure Functions","sub-4d3e",NULL,"INV-2","USD"',
        '111.02780094,"1234","USD","2024-09-01T00:00:00Z","Credit",NULL,"2024-09-05T14:00:00Z",'
        '"2024-09-05T13:00:00Z",111.02780094,"AWS","Amazon S3","5173","{""team"": ""payments""}","INV-1","USD"',
        '951.6568199999999,"ocid1","USD","2024-09-01T00:00:00Z","Usage","Correction","2024-09-27T14:00:00Z",'
        '"2024-09-27T13:00:00Z",732.7757514,"Oracle","Object Storage","comp-prod",NULL,"INV-3","USD"',
    ]
    path = tmp_path / "focus_sample.csv"
    path.write_text("\n".join([head, *lines]) + "\n")
    result = svc.import_file(path)
    assert result.parsed.rows_rejected == 0 and result.parsed.focus_version == "1.2"
    exact = decimal_sums(path)["USD"]
    assert Decimal(result.parsed.totals["USD"]["BilledCost"]) == exact == Decimal("1758.14265069999995")
    assert _by_currency(svc) == {"USD": exact.quantize(Decimal("1e-9"))}
    assert svc.costs.totals()[("growth", "USD")] == 468_170_495_760
    assert len({g.source for g in result.parsed.groups}) == 3
