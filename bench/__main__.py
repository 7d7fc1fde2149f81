"""``python -m bench``: run every benchmark and print one table (ours, baseline, ratio, target, pass/fail).

``python -m bench --only knowledge,costs`` runs a subset; ``--markdown`` prints the table as Markdown.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from typing import Any

SUITE = ("knowledge", "slack_load", "costs", "startup", "ask", "db_turn", "forecast", "anomalies")


def _format(rows: list[dict[str, Any]], markdown: bool) -> str:
    head = ("benchmark", "ours", "baseline", "ratio", "target", "result")
    lines = [[r["name"], _num(r["ours"]), _num(r["baseline"]), _num(r["ratio"]), r["target"],
              "pass" if r["passed"] else "FAIL"] for r in rows]
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *lines, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*cells) for cells in (head, *lines))


def _num(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(SUITE)}")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    selected = [s for s in args.only.split(",") if s] or list(SUITE)
    rows: list[dict[str, Any]] = []
    for name in selected:
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows.extend(module.run())
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(_format(rows, args.markdown))
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
