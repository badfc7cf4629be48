"""Run the benchmarks, print a table, and append the figures with date and machine to RESULTS.md.

    make bench                    # everything
    make bench BENCH_ARGS=--quick # smaller sizes, for a quick look
    make bench BENCH_ARGS="--only http --no-write"

Benchmarks measure; they never fail a build. Figures are medians of rounds measured side by side
in one run, because this machine is shared and noisy.
"""

import argparse
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project root instead of this script's folder: bench/http.py must not shadow the
# standard library's http package.
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeapp.settings")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


# Each module has run(quick: bool) returning rows (bench.row: benchmark, median, target, met), or
# (rows, details) where details is Markdown printed and kept below the table.
BENCHMARKS = ["engines", "http", "profile", "audit", "weight", "reminders_scale", "soak"]


def table(rows: list[dict]) -> str:
    lines = ["| benchmark | median | target | met |", "| --- | --- | --- | --- |"]
    for row in rows:
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        lines.append(f"| {row['benchmark']} | {row['median']} | {row['target']} | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer rounds")
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)"
    )
    parser.add_argument("--no-write", action="store_true", help="print, but leave RESULTS.md alone")
    args = parser.parse_args()

    import importlib

    import django

    django.setup()
    rows, details = [], []
    for name in args.only or BENCHMARKS:
        print(f"== {name} ==", flush=True)
        result = importlib.import_module(f"bench.{name}").run(quick=args.quick)
        if isinstance(result, tuple):
            result, more = result
            details.append(more)
        rows.extend(result)
    text = "\n\n".join([table(rows), *details])
    print(text)
    if args.no_write:
        return
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with (ROOT / "bench/RESULTS.md").open("a") as results:
        results.write(f"\n## {stamp}{' (quick)' if args.quick else ''}\n\n{machine()}\n\n{text}\n")


if __name__ == "__main__":
    main()
