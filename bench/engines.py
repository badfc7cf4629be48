"""Engine cost per assessment, Python and Node side by side, over the conformance vectors."""

import json
import statistics
import subprocess
import time
from pathlib import Path

from bench import row

ROOT = Path(__file__).resolve().parent.parent
TARGET_PYTHON_US = 50.0
TARGET_JS_US = 20.0


def python_engine(rounds: int, repeat: int) -> float:
    from triage.engine import assess
    from triage.knowledge import load_knowledge

    knowledge = load_knowledge()
    answers = [
        v["answers"]
        for v in json.loads((ROOT / "tests/triage/vectors.json").read_text())["vectors"]
    ]
    for a in answers:
        assess(knowledge, a)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            for a in answers:
                assess(knowledge, a)
        samples.append((time.perf_counter() - start) * 1e6 / (repeat * len(answers)))
    return statistics.median(samples)


def node_engine(rounds: int, repeat: int) -> float:
    out = subprocess.run(
        ["node", str(ROOT / "bench/engines.mjs"), str(rounds), str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["median_us"]


def run(quick: bool = False) -> list[dict]:
    rounds, repeat = (5, 20) if quick else (15, 100)
    py, js = python_engine(rounds, repeat), node_engine(rounds, repeat * 10)
    return [
        row("engine, Python", f"{py:.1f} µs/assessment", f"≤ {TARGET_PYTHON_US:.0f} µs",
            py <= TARGET_PYTHON_US),
        row("engine, JavaScript (Node)", f"{js:.1f} µs/assessment", f"≤ {TARGET_JS_US:.0f} µs",
            js <= TARGET_JS_US),
        row("engine, Python / JS ratio", f"{py / js:.1f}×"),
    ]  # fmt: skip
