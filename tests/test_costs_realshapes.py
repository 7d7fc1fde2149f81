"""FOCUS import against shapes seen in real public exports (synthetic fixtures written here, SQLite and PG)."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq

from bot.costs.tables import NANO
from tests.costs_helpers import row, service_for, write


def _by_team(svc) -> dict[tuple[str | None, str], Decimal]:  # type: ignore[no-untyped-def]
    return {k: Decimal(v) / NANO for k, v in svc.costs.totals("billed").items()}


def test_us_slash_dates_from_spreadsheet_saved_exports(db_url: str, tmp_path: Path) -> None:
    """Spreadsheet-saved examples write ``4/1/25``: read as month/day/year, never as the year 4 or 25."""
    cells = [("4/1/25", "5/1/25", "4/1/25", "10.5"), ("4/30/2025 13:00", "4/30/2025 14:00", "4/1/2025", "2"),
             ("05/01/2025 1:00:00 PM", "05/01/2025 2:00:00 PM", "2025/05/01", "3")]
    rows = []
    for start, end, period, cost in cells:
        r = row(cost)
        r.update(ChargePeriodStart=start, ChargePeriodEnd=end, BillingPeriodStart=period)
        rows.append(r)
    result = service_for(db_url).import_file(write(tmp_path / "slash.csv", rows))
    p = result.parsed
    assert (p.rows_imported, p.rows_rejected) == (3, 0)
    assert {bp for _s, bp in p.periods} == {date(2025, 4, 1), date(2025, 5, 1)}
    assert p.data_as_of == datetime(2025, 5, 1, 14, tzinfo=UTC)
    assert sorted(g.day for g in p.groups) == [date(2025, 4, 1), date(2025, 4, 30), date(2025, 5, 1)]


def test_implausible_or_day_first_dates_are_rejected_not_misread(db_url: str, tmp_path: Path) -> None:
    bad = []
    for start, period in (("0005-01-25T00:00:00Z", "2025-01-01"), ("31/12/2024", "2024-12-01"),
                          ("2024-12-31T00:00:00Z", "12/31/24x")):
        r = row("7")
        r.update(ChargePeriodStart=start, BillingPeriodStart=period)
        bad.append(r)
    result = service_for(db_url).import_file(write(tmp_path / "bad.csv", [row("1"), *bad]))
    p = result.parsed
    assert (p.rows_imported, p.rows_rejected) == (1, 3)
    assert [reason for _line, reason in p.rejected] == [
        "ChargePeriodStart is empty or not a date", "ChargePeriodStart is empty or not a date",
        "BillingPeriodStart is not a date"]
    assert p.totals["USD"]["BilledCost"] == "1"


def test_tags_as_key_value_list_csv_and_parquet(db_url: str, tmp_path: Path) -> None:
    """Exports built from BigQuery write Tags as a list of {key, value} records: allocate from them."""
    kv = json.dumps([{"key": "Team", "value": "checkout", "inherited": False}, {"key": "env", "value": "prod"}])
    rows = [row("4", tags=kv), row("1", tags="[]"), row("2", tags='[{"key": "team", "value": "a"}, '
                                                                  '{"key": "team", "value": "b"}]')]
    svc = service_for(db_url)
    result = svc.import_file(write(tmp_path / "kv.csv", rows))
    assert (result.parsed.rows_imported, result.parsed.rows_rejected) == (2, 1)
    assert result.parsed.rejected == ((4, "Tags is not a JSON object"),)  # duplicate keys: ambiguous owner
    assert _by_team(svc) == {("checkout", "USD"): Decimal(4), (None, "USD"): Decimal(1)}
    entry = pa.struct([("key", pa.string()), ("value", pa.string())])
    table = pa.table({
        **{c: [r[c] for r in rows[:2]] for c in rows[0] if c != "Tags"},
        "Tags": pa.array([[{"key": "team", "value": "payments"}], []], pa.list_(entry)),
    })
    pq.write_table(table, tmp_path / "kv.parquet")
    result = svc.import_file(tmp_path / "kv.parquet")
    assert (result.parsed.rows_imported, result.parsed.rows_rejected) == (2, 0)
    assert _by_team(svc) == {("payments", "USD"): Decimal(4), (None, "USD"): Decimal(1)}


def test_sub_cent_spend_is_not_shown_as_zero() -> None:
    """Real exports are full of micro-charges: a team with 0.00064 USD must not read "0.00 USD"."""
    from bot.costs.report import money

    assert money(Decimal("0.000637721"), "USD") == "0.00064 USD"
    assert money(Decimal("-0.0001"), "USD") == "-0.00010 USD"
    assert money(Decimal("0.005"), "USD") == "0.0050 USD"
    assert money(Decimal(0), "USD") == "0.00 USD"
    assert money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"


def _csv_text(rows: list[dict[str, str]], sep: str = ",", eol: str = "\n") -> list[str]:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=eol)
    writer.writerow(list(rows[0]))
    writer.writerows([list(r.values()) for r in rows])
    return out.getvalue().split(eol)[:-1]


def test_ragged_and_truncated_lines_are_rejected_with_their_line_numbers(db_url: str, tmp_path: Path) -> None:
    """One malformed line (too few or too many cells, a download cut inside a quoted cell) used to defeat the
    dialect sniffer, so the whole file was refused as "missing required columns (found 1 columns)"."""
    lines = _csv_text([row("1"), row("2"), row("4"), row("8")])
    lines[2] = '"2",NULL,"USD"'  # too few cells
    lines[3] += ',"surplus"'  # too many
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n" + lines[4][: lines[4].index('"{') + 5])  # cut inside quoted Tags
    svc = service_for(db_url)
    p = svc.import_file(path).parsed
    assert (p.rows_total, p.rows_imported, p.rows_rejected) == (5, 2, 3)
    assert [line for line, _reason in p.rejected] == [3, 4, 6]
    assert all(reason.startswith("malformed CSV line") for _line, reason in p.rejected)
    assert p.totals["USD"]["BilledCost"] == "9"
    assert sum(_by_team(svc).values()) == Decimal(9)


def test_semicolon_crlf_and_bom_files_still_import(db_url: str, tmp_path: Path) -> None:
    rows = [row("1.25", tags='{"team": "payments"}'), row("-0.25", team=None, category="Credit")]
    semi = tmp_path / "semi.csv"
    semi.write_text("\n".join(_csv_text(rows, sep=";")) + "\n")
    bom = tmp_path / "bom.csv"
    bom.write_text("\r\n".join(_csv_text(rows, eol="\r\n")) + "\r\n", encoding="utf-8-sig")
    svc = service_for(db_url)
    for path in (semi, bom):
        p = svc.import_file(path).parsed
        assert (p.rows_imported, p.rows_rejected) == (2, 0), path.name
        assert p.totals["USD"]["BilledCost"] == "1"
    assert _by_team(svc) == {("payments", "USD"): Decimal("1.25"), (None, "USD"): Decimal("-0.25")}


def test_tags_without_outer_braces_as_written_by_cost_management(db_url: str, tmp_path: Path) -> None:
    rows = [row("3", tags='"createdBy": "someone","Team": "data-platform"'), row("5", tags='"just text"')]
    svc = service_for(db_url)
    p = svc.import_file(write(tmp_path / "azure.csv", rows)).parsed
    assert (p.rows_imported, p.rows_rejected) == (1, 1)
    assert p.rejected == ((3, "Tags is not a JSON object"),)
    assert _by_team(svc) == {("data-platform", "USD"): Decimal(3)}


def test_parts_of_one_export_add_up_and_a_later_import_replaces(db_url: str, tmp_path: Path) -> None:
    """AWS and Azure split a month's export into several files; imported together they are one export."""
    part1 = write(tmp_path / "export-00001.csv", [row("10"), row("1", team=None)])
    part2 = write(tmp_path / "export-00002.csv", [row("5", day="2024-09-20"), row("-2", category="Credit")])
    svc = service_for(db_url)
    batch: list[tuple[int, str]] = []
    for path in (part1, part2, part1):  # the same content twice in one command still counts once
        r = svc.import_file(path, tuple(batch))
        batch.append((r.import_id, r.parsed.checksum))
    assert _by_team(svc) == {("payments", "USD"): Decimal(13), (None, "USD"): Decimal(1)}
    svc.import_file(part2)  # a later command: a new export of the period replaces all of it
    assert _by_team(svc) == {("payments", "USD"): Decimal(3)}


def test_cli_imports_the_files_of_one_command_as_one_export(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    part1 = write(tmp_path / "part_0_0001.csv", [row("1.5")])
    part2 = write(tmp_path / "part_0_0002.csv", [row("2.25", day="2024-09-02")])
    with mock.patch.dict(os.environ, {"DATABASE_URL": url}):
        assert main(["costs", "import", "--no-alerts", "--no-adopt", str(part1), str(part2)]) == 0
        assert main(["costs", "totals"]) == 0
    assert "USD\tunallocated\t3.75" in capsys.readouterr().out
