"""Writing a CSV export to standard output or a file, for the ``… export`` commands."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from bot.errors import UserError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> object:
    """OWASP CSV injection rule: text a spreadsheet would run as a formula gets a leading apostrophe."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")  # csv quotes "\n" cells, not a lone "\r"
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class SafeWriter:
    """``csv.writer`` whose text cells can never start a formula (survey and assessment exports)."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each text cell made safe."""
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write many rows."""
        for row in rows:
            self.writerow(row)


def write_csv(text: str, out: str | None, what: str = "answers") -> None:
    """Print ``text`` (``out`` None or "-") or write it to the file ``out``, saying how many rows it holds."""
    if out in (None, "-"):
        sys.stdout.write(text)
        return
    path = Path(out)
    if path.is_dir() or not path.parent.exists():
        raise UserError(f"cannot write {out}: the folder does not exist or it is a folder")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {csv_rows(text)} {what} to {path}")


def csv_rows(text: str) -> int:
    """Data rows of a CSV text with a header, as a CSV reader reads them (a quoted answer may hold newlines)."""
    return max(sum(1 for _ in csv.reader(io.StringIO(text))) - 1, 0)
