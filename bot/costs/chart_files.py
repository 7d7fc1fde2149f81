"""Charts for ``finops-bot ask --chart PATH``: the PNG goes to a file and its path is printed."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.models import Image


def chart_dir() -> Path:
    """Where charts go without a path (the same temp directory ``finops-bot chat`` writes to)."""
    path = Path(tempfile.gettempdir()) / "finops-bot-charts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(image: Image, path: Path | None = None, n: int = 0) -> Path:
    """Write the PNG to ``path`` (``name-2.png`` … for the later charts of one answer) or the chart dir."""
    if path is None:
        target = chart_dir() / image.filename
    elif n:
        target = path.with_name(f"{path.stem}-{n + 1}{path.suffix or '.png'}")
    else:
        target = path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(image.png)
    return target
