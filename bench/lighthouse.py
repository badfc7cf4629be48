"""Lighthouse (npm ``lighthouse``, from bench/package-lock.json) on Debian's Chromium.

Installed by ``npm ci --prefix bench`` the first time it is needed. Lighthouse 12, because
13 needs Node 22 and this machine has Node 20. Mobile form factor, simulated throttling.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}


def install_lighthouse() -> Path:
    cli = BENCH / "node_modules/lighthouse/cli/index.js"
    if not cli.exists():
        subprocess.run(
            ["npm", "ci", "--prefix", str(BENCH), "--no-audit", "--no-fund"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return cli


def lighthouse(cli: Path, url: str, headers: dict | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="kneeapp-lighthouse-") as folder:
        report = Path(folder) / "report.json"
        command = [
            "node",
            str(cli),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            "--form-factor=mobile",
            "--only-categories=performance,accessibility,best-practices",
            "--chrome-flags=" + " ".join(["--headless=new", *CHROMIUM_ARGS]),
        ]
        if headers:
            command.append("--extra-headers=" + json.dumps(headers))
        subprocess.run(
            command,
            check=True,
            env={**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": folder},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        return json.loads(report.read_text())


def failing_audits(report: dict, category: str, scored: bool = True) -> list[str]:
    """Audits below a full score: those that count (weight > 0), or the unscored diagnostics."""
    audits = report["audits"]
    names = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if (ref["weight"] > 0) != scored or audit["score"] is None or audit["score"] >= 1:
            continue
        shown = audit.get("displayValue") or f"score {audit['score']:.2f}"
        names.append(f"{ref['id']} ({shown})")
    return names


def scores(base_url: str, pages: list[tuple[str, dict | None]], rounds: int) -> list[dict]:
    """Each page (path, extra headers) scored ``rounds`` times; the median run, summed up."""
    cli = install_lighthouse()
    results = []
    for path, headers in pages:
        runs = [lighthouse(cli, base_url + path, headers) for _ in range(rounds)]
        # The median run by performance (the only score that varies between runs).
        runs.sort(key=lambda report: report["categories"]["performance"]["score"])
        report = runs[len(runs) // 2]
        results.append(
            {
                "path": path,
                "scores": {
                    category: round(report["categories"][category]["score"] * 100)
                    for category in TARGETS
                },
                "all_performance": [
                    round(run["categories"]["performance"]["score"] * 100) for run in runs
                ],
                "failing": {category: failing_audits(report, category) for category in TARGETS},
                "diagnostics": {
                    category: failing_audits(report, category, scored=False) for category in TARGETS
                },
                "no_hsts": bool(report["audits"]["has-hsts"].get("details", {}).get("items")),
                "metrics": {
                    key: report["audits"][key]["displayValue"]
                    for key in (
                        "first-contentful-paint",
                        "largest-contentful-paint",
                        "total-blocking-time",
                        "cumulative-layout-shift",
                        "speed-index",
                    )
                },
                "warnings": report.get("runWarnings", []),
            }
        )
    return results
