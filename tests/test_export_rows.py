"""``write_csv`` reports the rows a CSV reader reads, also when an answer spans several lines."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.export import SafeWriter, write_csv


def test_the_reported_row_count_equals_the_rows_a_reader_reads(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    buf = io.StringIO()
    writer = SafeWriter(buf)
    writer.writerows([("survey", "answer"), ("Pulse", "first line\nsecond line\r\nthird"), ("Pulse", "one line"),
                      ("Pulse", "=HYPERLINK(\"x\")\nmore")])
    out = tmp_path / "answers.csv"
    write_csv(buf.getvalue(), str(out))
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    assert len(rows) == 3 and rows[0][1] == "first line\nsecond line\nthird"
    assert capsys.readouterr().out.strip() == f"wrote 3 answers to {out}"


def test_an_export_with_only_a_header_reports_no_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_csv("survey,answer\n", str(tmp_path / "empty.csv"))
    assert capsys.readouterr().out.startswith("wrote 0 answers")
