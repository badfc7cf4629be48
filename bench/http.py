"""Throughput and latency of kneeapp under gunicorn on PostgreSQL, driven by wrk on loopback.

Endpoints, each as a signed-in patient's phone calls it: ``POST /api/v1/triage/assessments/``
(session cookie, CSRF header, a fresh UUID per request), the diary history page of a patient
with five years of daily entries, and the plan page of a patient with an assigned plan; plus
a bare JSON view through the same middleware (bench/urls.py), the framework's floor. Each
round runs every endpoint once at each concurrency, one after the other, so that the
machine's noise falls on all of them alike; the figures are medians over the rounds, and
the triage/floor ratio is taken within each round.

Workers: see ``bench.server.WORKERS`` (2 gthread workers × 4 threads on this 2-core machine).
Afterwards, the peak resident memory (VmHWM) of each worker. Beside throughput and latency,
the CPU time per request of the workers and of PostgreSQL: on a shared machine that is the
figure other processes disturb least.
"""

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import uuid
from pathlib import Path

from bench import row, server
from tests.processes import ROOT, Processes, Web

LUA = Path(__file__).with_name("http.lua")
CONCURRENCY = (16, 64)
CORES = os.cpu_count() or 1
PATIENT = "patient@bench.example"
YEARS = 5

FLOOR = "floor: bare JSON view, signed in"
FLOOR_ANONYMOUS = "floor: bare JSON view, no cookies"
TRIAGE = "triage API POST"

TARGET_RATIO = 0.6
TARGET_P99_MS = 50.0
# The speed issue's targets (#17): app CPU per request, as a multiple of the no-cookie floor's.
CPU_TARGETS = {FLOOR: 2, TRIAGE: 4, f"diary history ({YEARS} years)": 9, "plan page": 9}
# A git revision measured in the same run as this code, from its own worktree: for example
# `make bench BENCH_ARGS="--only http" BENCH_BASELINE=main` before merging a speed change.
BASELINE = os.environ.get("BENCH_BASELINE", "")

SEED = f"""
import datetime as dt
from django.utils import timezone
from diary.models import DiaryEntry
from kneeapp.consent import Consent
from kneeapp.models import User
from reminders.library import ensure_library
from reminders.models import PlanItem, ReminderSchedule, StretchPlan
from bench.server import PASSWORD

physio = User.objects.create_user("physio@bench.example", PASSWORD, is_staff=True)
patient = User.objects.create_user(
    "{PATIENT}", PASSWORD, physiotherapist=physio, time_zone="Europe/London"
)
Consent.objects.give(patient)
today, now = timezone.localdate(), timezone.now()
DiaryEntry.objects.bulk_create(
    [
        DiaryEntry(
            patient=patient,
            date=today - dt.timedelta(days=age),
            pain=(age * 7) % 11,
            swelling=("none", "mild", "moderate")[age % 3],
            stiffness=age % 2 == 0,
            notes="Stairs were hard." if age % 7 == 3 else "",
            client_updated_at=now,
        )
        for age in range({YEARS} * 365 + 1)
    ],
    batch_size=1000,
)
library = ensure_library()
plan = StretchPlan.objects.create(
    patient=patient, physiotherapist=physio, starts_on=today - dt.timedelta(days=30)
)
for position, slug in enumerate(
    ["calf-wall-stretch", "seated-hamstring-stretch", "standing-quad-stretch"]
):
    PlanItem.objects.create(plan=plan, exercise=library[slug], position=position)
for hour in (8, 13, 19):
    ReminderSchedule.objects.create(plan=plan, time_of_day=dt.time(hour))
print(DiaryEntry.objects.filter(patient=patient).count())
"""


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed: run `make bench`, or apt-get install wrk")
    return path


def wrk(url: str, mode: str, connections: int, seconds: float, headers: dict) -> dict:
    """One wrk run (one thread: the server needs the cores more than the client)."""
    command = [ensure_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(LUA), url, "--", mode]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    line = lines[0]
    result = json.loads(line.removeprefix("WRK_RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = result["non2xx"] + result["socket_errors"]
    return result


def endpoints(session: server.Session) -> list[dict]:
    """What is measured, with a check that each answers as the signed-in patient."""
    return [
        {"name": FLOOR, "path": "/bench/hello/", "mode": "get",
         "headers": session.headers(), "expect": (200, b'"hello"')},
        {"name": FLOOR_ANONYMOUS, "path": "/bench/hello/", "mode": "get",
         "headers": server.BROWSER_HEADERS, "expect": (200, b'"hello"')},
        {"name": TRIAGE, "path": "/api/v1/triage/assessments/", "mode": "triage",
         "headers": session.headers(write=True), "expect": (201, b'"urgency"')},
        {"name": f"diary history ({YEARS} years)", "path": "/diary/history/", "mode": "get",
         "headers": session.headers(), "expect": (200, b"Page 1 of ")},
        {"name": "plan page", "path": "/plan/", "mode": "get",
         "headers": session.headers(), "expect": (200, b"Mark the 08:00 stretches done")},
    ]  # fmt: skip


def preflight(session: server.Session, endpoint: dict) -> None:
    """Fail loudly before measuring the wrong thing (a signed-out page also answers 200)."""
    data = None
    if endpoint["mode"] == "triage":
        data = {"id": str(uuid.uuid4()), "answers": {"heard_pop": True, "age": 45}}
    status, _, body = session.call("POST" if data else "GET", endpoint["path"], data)
    want_status, marker = endpoint["expect"]
    if status != want_status or marker not in body:
        raise RuntimeError(f"{endpoint['path']} answered {status} without {marker!r}")


class Deployment:
    """One copy of the app under test: this checkout, or the baseline's worktree."""

    def __init__(self, name: str, root: Path, database: str):
        self.name, self.root, self.database = name, root, database
        self.env = server.production_env(
            server.recreate_database(database), KNEEAPP_VAR_DIR=str(server.VAR_DIR / database)
        )
        server.prepare(self.env, root)
        server.run_python(self.env, SEED, root=root)

    def start(self, processes: Processes) -> None:
        self.app = processes.web(server.WORKERS, server.THREADS)
        self.session = server.Session(self.app.port, PATIENT)
        self.points = endpoints(self.session)
        for endpoint in self.points:
            preflight(self.session, endpoint)
            wrk(self.app.url + endpoint["path"], endpoint["mode"], 16, 1, endpoint["headers"])


def measure(deployments: list[Deployment], rounds: int, seconds: float) -> dict:
    """``{deployment name: {(endpoint, concurrency): [result of each round]}}``: every
    endpoint of every deployment once per round, one after the other."""
    results: dict = {deployment.name: {} for deployment in deployments}
    for concurrency in CONCURRENCY:
        for _ in range(rounds):
            for n, endpoint in enumerate(deployments[0].points):
                for deployment in deployments:
                    point = deployment.points[n]
                    url = deployment.app.url + point["path"]
                    result = measured_cpu(deployment, lambda u=url, e=point, c=concurrency: wrk(
                        u, e["mode"], c, seconds, e["headers"]
                    ))  # fmt: skip
                    key = (endpoint["name"], concurrency)
                    results[deployment.name].setdefault(key, []).append(result)
    return results


def measured_cpu(deployment: Deployment, load) -> dict:
    """Run ``load`` and add the CPU time per request of the workers and of PostgreSQL.

    CPU time is what a request costs whatever else runs on the machine; throughput and
    latency also count the waits for a core that other processes hold.
    """
    app, database = deployment.app, deployment.database
    app_before = server.cpu_seconds(app.worker_pids())
    db_before = server.cpu_seconds(server.postgres_backends(database))
    result = load()
    app_used = server.cpu_used(app_before, server.cpu_seconds(app.worker_pids()))
    db_used = server.cpu_used(db_before, server.cpu_seconds(server.postgres_backends(database)))
    result["app_cpu_ms"] = 1000 * app_used / max(1, result["requests"])
    result["db_cpu_ms"] = 1000 * db_used / max(1, result["requests"])
    return result


def median(results: list[dict], key: str) -> float:
    return statistics.median(result[key] for result in results)


def ratio(results: dict, floor: str, concurrency: int) -> float:
    """Median over the rounds of triage/floor throughput, each round's pair side by side."""
    pairs = zip(results[(TRIAGE, concurrency)], results[(floor, concurrency)], strict=True)
    return statistics.median(triage["rps"] / max(base["rps"], 1e-9) for triage, base in pairs)


def summarise(results: dict, workers_hwm: list[int], app: Web, load: str):
    rows = []
    for concurrency in CONCURRENCY:
        triage = median(results[(TRIAGE, concurrency)], "rps")
        signed_in = ratio(results, FLOOR, concurrency)
        anonymous = ratio(results, FLOOR_ANONYMOUS, concurrency)
        rows.append(
            row(
                f"HTTP triage API / floor throughput, c={concurrency}",
                f"{signed_in:.2f} ({triage:.0f} / "
                f"{median(results[(FLOOR, concurrency)], 'rps'):.0f} req/s); "
                f"{anonymous:.2f} of the no-cookie floor",
                f"≥ {TARGET_RATIO}",
                signed_in >= TARGET_RATIO,
            )
        )
    at_16 = results[(TRIAGE, 16)]
    p99 = median(at_16, "p99_us") / 1000
    rows.append(
        row(
            "HTTP triage API p99, c=16",
            f"{p99:.1f} ms (p50 {median(at_16, 'p50_us') / 1000:.1f} ms)",
            f"≤ {TARGET_P99_MS:.0f} ms",
            p99 <= TARGET_P99_MS,
        )
    )
    errors = sum(run["errors"] for runs in results.values() for run in runs)
    requests = sum(run["requests"] for runs in results.values() for run in runs)
    rows.append(
        row("HTTP errors (non-2xx incl. redirects, socket)", f"{errors} of {requests}", "0",
            errors == 0)
    )  # fmt: skip
    for (name, concurrency), runs in results.items():
        if name not in (FLOOR, FLOOR_ANONYMOUS, TRIAGE):
            rows.append(
                row(
                    f"HTTP {name}, c={concurrency}",
                    f"{median(runs, 'rps'):.0f} req/s, p99 {median(runs, 'p99_us') / 1000:.0f} ms",
                )
            )
    rows.append(row("gunicorn worker peak RSS (VmHWM)", f"{max(workers_hwm) / 1024:.0f} MiB"))

    lines = [
        f"### HTTP: {app.description}, PostgreSQL, wrk -t1 on loopback",
        "",
        "| endpoint | c | req/s | p50 ms | p99 ms | CPU ms/req: app + PostgreSQL "
        f"| CPU ceiling on {CORES} cores, req/s | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (name, concurrency), runs in results.items():
        errors = sum(run["errors"] for run in runs)
        examples = ", ".join(sorted({run["example"] for run in runs if run["example"]}))
        app_cpu, db_cpu = median(runs, "app_cpu_ms"), median(runs, "db_cpu_ms")
        lines.append(
            f"| {name} | {concurrency} | {median(runs, 'rps'):.0f} | "
            f"{median(runs, 'p50_us') / 1000:.1f} | {median(runs, 'p99_us') / 1000:.1f} | "
            f"{app_cpu:.2f} + {db_cpu:.2f} | {CORES * 1000 / max(app_cpu + db_cpu, 0.01):.0f} | "
            f"{errors}{f' ({examples})' if examples else ''} |"
        )
    hwm = ", ".join(f"{kb / 1024:.0f}" for kb in workers_hwm)
    lines += [
        "",
        "Medians over the rounds; the ratio is taken within each round. The signed-in floor "
        "carries the same session cookie as the triage calls (so it includes loading the "
        "session and the user); the no-cookie floor is Django and the middleware alone. "
        "The CPU ceiling is what the cores could serve if the server and PostgreSQL had them "
        "to themselves (no wrk, no kernel networking, no other process); by Little's law a "
        "closed loop of c connections at R req/s waits c/R on average.",
        f"Worker peak RSS (VmHWM), MiB: {hwm}. Load average (1 min) before/after: {load}.",
    ]
    return rows, "\n".join(lines)


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def side_by_side(results: dict) -> tuple[list[dict], str]:
    """The speed issue's targets: app CPU per request as a multiple of the same code's
    no-cookie floor (robust on a shared machine), for this code and the baseline."""
    names = list(results)
    rows, lines = (
        [],
        [
            "### HTTP, side by side: app CPU per request × the no-cookie floor's, c=16",
            "",
            "| endpoint | " + " | ".join(names) + " | target |",
            "|" + " --- |" * (len(names) + 2),
        ],
    )

    def multiple(name: str, endpoint: str) -> float:
        floor = median(results[name][(FLOOR_ANONYMOUS, 16)], "app_cpu_ms")
        return median(results[name][(endpoint, 16)], "app_cpu_ms") / max(floor, 1e-9)

    for endpoint, target in CPU_TARGETS.items():
        figures = [multiple(name, endpoint) for name in names]
        lines.append(
            f"| {endpoint} | " + " | ".join(f"{x:.1f}×" for x in figures) + f" | ≤ {target}× |"
        )
        rows.append(row(f"HTTP {endpoint}: app CPU × the no-cookie floor, c=16",
                        f"{figures[0]:.1f}×", f"≤ {target}×", figures[0] <= target))  # fmt: skip
    p99 = [median(results[name][(TRIAGE, 16)], "p99_us") / 1000 for name in names]
    lines.append(
        "| triage API p99, c=16 | "
        + " | ".join(f"{x:.0f} ms" for x in p99)
        + " | ≤ ½ the baseline's |"
    )
    if len(names) > 1:
        share = p99[0] / max(p99[1], 1e-9)
        rows.append(row("HTTP triage API p99, c=16, / the baseline's in the same run",
                        f"{share:.2f}", "≤ 0.5", share <= 0.5))  # fmt: skip
    return rows, "\n".join(lines)


def run(quick: bool = False):
    rounds, seconds = (2, 3) if quick else (5, 10)
    ensure_wrk()
    deployments = [Deployment("this code", ROOT, server.DATABASE)]
    if BASELINE:
        root = server.baseline_checkout(BASELINE)
        deployments.append(Deployment(f"baseline {BASELINE}", root, server.DATABASE + "_baseline"))
    with contextlib.ExitStack() as stack:
        for deployment in deployments:
            processes = stack.enter_context(
                Processes(deployment.env, server.VAR_DIR, root=deployment.root)
            )
            deployment.start(processes)
        this = deployments[0]
        before = load_average()
        results = measure(deployments, rounds, seconds)
        hwm = [server.status_kb(pid, "VmHWM") for pid in this.app.worker_pids()]
        load = f"{before}/{load_average()}"
    rows, details = summarise(results[this.name], hwm, this.app, load)
    more_rows, more_details = side_by_side(results)
    return rows + more_rows, f"{details}\n\n{more_details}"
