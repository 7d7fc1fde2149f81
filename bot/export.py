"""Writing a CSV export to standard output or a file, for the ``… export`` commands."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.errors import UserError


def write_csv(text: str, out: str | None, what: str = "answers") -> None:
    """Print ``text`` (``out`` None or "-") or write it to the file ``out``, saying how many rows it holds."""
    if out in (None, "-"):
        sys.stdout.write(text)
        return
    path = Path(out)
    if path.is_dir() or not path.parent.exists():
        raise UserError(f"cannot write {out}: the folder does not exist or it is a folder")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10)) - 1} {what} to {path}")
