"""Where a signed-in request spends its CPU: the share of each middleware, the session, the user.

    make bench BENCH_ARGS="--only profile"

The same five endpoints as bench/http.py, on the same seeded PostgreSQL database and production
settings, but sent straight to Django's WSGI handler in one thread, with a stopwatch between
every two middleware (bench/profile_inside.py). No server, no network, no load generator: the
figures are this process's CPU time per request, medians over the rounds. What a layer does
lazily for the others (loading the session, fetching the user) is counted in the layer that
first asks for it, and named on its own below the table.
"""

import json

from bench import row, server
from bench.http import PATIENT, SEED

DATABASE = server.DATABASE + "_profile"  # BENCH_DATABASE names the stem, as for http and soak
SHOWN = ("floor: bare JSON view, no cookies", "floor: bare JSON view, signed in", "triage API POST")


def inside(env: dict, requests: int, rounds: int) -> dict:
    code = (
        "import bench.profile_inside as p; "
        f"p.main({PATIENT!r}, {server.PASSWORD!r}, requests={requests}, rounds={rounds})"
    )
    printed = server.run_python(env, code, timeout=1800)
    return json.loads(next(line for line in printed.splitlines() if line.startswith("{")))


def table(report: dict) -> str:
    """One column per endpoint, one line per layer (µs per request), the largest first."""
    labels = list(report)
    signed_in = report[labels[1]]
    floor = report[labels[0]]["total_us"]

    def line(name: str, figures) -> str:
        return f"| {name} | " + " | ".join(figures) + " |"

    lines = [line("layer (µs of CPU per request)", labels), "|" + " --- |" * (len(labels) + 1)]
    for name in sorted(signed_in["layers"], key=lambda name: -signed_in["layers"][name]):
        lines.append(line(name, (f"{report[x]['layers'][name]:.0f}" for x in labels)))
    lines.append(line("**total**", (f"**{report[x]['total_us']:.0f}**" for x in labels)))
    ratios = (f"{report[x]['total_us'] / floor:.1f}" for x in labels)
    lines.append(line("× the no-cookie floor", ratios))
    for lazy in signed_in["lazy"]:
        lines.append(line(f"of which {lazy}", (f"{report[x]['lazy'][lazy]:.0f}" for x in labels)))
    return "\n".join(lines)


def run(quick: bool = False):
    requests, rounds = (200, 3) if quick else (1000, 5)
    database_url = server.recreate_database(DATABASE)
    env = server.production_env(database_url)
    server.prepare(env)
    server.run_python(env, SEED)
    report = inside(env, requests, rounds)
    floor = report[SHOWN[0]]["total_us"]
    rows = [
        row(f"profile: {label}", f"{report[label]['total_us']:.0f} µs CPU "
            f"({report[label]['total_us'] / floor:.1f}× the no-cookie floor)", "", None)
        for label in report
    ]  # fmt: skip
    details = (
        "### Where a request spends its CPU (bench/profile.py)\n\n"
        f"{requests} requests × {rounds} rounds per endpoint, one thread, straight to the WSGI "
        "handler; medians. A layer's figure is its own time, with the lazy work it first asks "
        "for (the *of which* lines).\n\n" + table(report)
    )
    return rows, details
