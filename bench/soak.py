"""Soak: mixed traffic for ten minutes (one with --quick) while Celery sends reminders.

The production setup on loopback: gunicorn on PostgreSQL (as in bench/http.py), a real
Celery worker and beat on a redis-server of the run's own, and a loopback SMTP server that
counts every email. A load generator in a separate process (bench/soak_load.py) signs in a
few patients and, with a short pause between calls, writes diary entries, posts triage
assessments, and opens pages. Meanwhile every seeded patient has one stretch reminder due
during the run, which beat dispatches and the worker sends.

Reported: errors (any answer that is not 2xx, a signed-out page, or a failed connection),
diary entries acknowledged vs stored, reminders due vs emails received and duplicates, the
resident memory of the gunicorn workers and the Celery worker sampled at intervals (first
full interval vs last), and throughput.
"""

import contextlib
import datetime as dt
import json
import logging
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench import row, server
from tests.processes import ROOT, PrivateRedis, Processes, children

TRAFFIC_USERS = 8
TARGET_GROWTH = 0.05

SEED = """
import datetime as dt
from django.contrib.auth.hashers import make_password
from kneeapp.models import User
from reminders.library import ensure_library
from reminders.models import PlanItem, ReminderSchedule, StretchPlan
from bench.server import PASSWORD

config = {config}
zones = ["Europe/London", "America/New_York", "Asia/Tokyo", "UTC"]
library = ensure_library()
password = make_password(PASSWORD)  # hashed once: a hash per patient takes minutes
physio = User.objects.create(email="physio@soak.example", password=password, is_staff=True)
for number, slot in enumerate(config["slots"]):
    patient = User.objects.create(
        email=f"patient{{number}}@soak.example",
        password=password,
        physiotherapist=physio,
        time_zone=zones[number % len(zones)],
    )
    local = dt.datetime.fromtimestamp(slot, dt.UTC).astimezone(patient.zone)
    plan = StretchPlan.objects.create(
        patient=patient, physiotherapist=physio, starts_on=local.date() - dt.timedelta(days=1)
    )
    PlanItem.objects.create(plan=plan, exercise=library["calf-wall-stretch"])
    ReminderSchedule.objects.create(plan=plan, time_of_day=local.time())
"""


class Sampler(threading.Thread):
    """Resident memory (VmRSS, kB) of each process group, every ``interval`` seconds."""

    def __init__(self, groups: dict, interval: float):
        super().__init__(daemon=True)
        self.groups, self.interval = groups, interval
        self.samples: list[tuple[float, dict]] = []
        self.stopping = threading.Event()
        self.started = time.monotonic()

    def sample(self) -> None:
        sizes = {}
        for name, pids in self.groups.items():
            total = 0
            for pid in pids():
                with contextlib.suppress(OSError, LookupError):  # a process just gone
                    total += server.status_kb(pid, "VmRSS")
            sizes[name] = total
        self.samples.append((time.monotonic() - self.started, sizes))

    def run(self) -> None:
        self.sample()
        while not self.stopping.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.sample()


def wait_for_reminders(database_url: str, last_slot: dt.datetime, timeout: float) -> bool:
    """Until every slot up to ``last_slot`` is dispatched and no delivery is left to send."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [(undispatched, unsent)] = server.query(
            database_url,
            "select (select count(*) from reminders_reminderschedule where next_run_at <= %s),"
            " (select count(*) from reminders_delivery where status in ('queued', 'sending'))",
            (last_slot,),
        )
        if undispatched == 0 and unsent == 0:
            return True
        time.sleep(2)
    return False


def reminder_slots(start: float, seconds: float, count: int) -> list[float]:
    """Slots spread over the run, each at least a beat interval (60 s) before its end."""
    first, last = start + 5, start + max(30, seconds - 65)
    return [first + (last - first) * i / max(1, count - 1) for i in range(count)]


def soak(processes: Processes, seconds: float, interval: float, patients: int):
    """Celery and gunicorn up, ``patients`` seeded with a reminder each, the load generator
    run for ``seconds``, and the reminders left to drain: (web, traffic, sampler, drained)."""
    env = processes.env
    worker = processes.worker("--concurrency", "2", "--loglevel", "WARNING")
    beat = processes.beat("--loglevel", "WARNING")
    app = processes.web(server.WORKERS, server.THREADS)
    start = time.time() + 10  # after seeding and signing in
    slots = reminder_slots(start, seconds, patients)
    server.run_python(env, SEED.format(config=json.dumps({"slots": slots})))
    config = {
        "port": app.port,
        "seconds": seconds,
        "emails": [f"patient{n}@soak.example" for n in range(TRAFFIC_USERS)],
    }
    sampler = Sampler(
        {
            "gunicorn workers": app.worker_pids,
            "Celery worker": lambda: [worker.pid, *children(worker.pid)],
            "Celery beat": lambda: [beat.pid],
        },
        interval,
    )
    time.sleep(max(0.0, start - time.time()))
    sampler.start()
    generator = subprocess.run(
        [sys.executable, "-m", "bench.soak_load"],
        input=json.dumps(config),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    sampler.stop()
    if generator.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{generator.stderr[-3000:]}")
    last_slot = dt.datetime.fromtimestamp(slots[-1], dt.UTC)
    drained = wait_for_reminders(env["DATABASE_URL"], last_slot, timeout=120)
    time.sleep(2)  # an email in flight after its row was marked sent
    return app, json.loads(generator.stdout), sampler, drained


def run(quick: bool = False):
    from tests.reminders.peers import LoopbackSMTP

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command

    seconds, interval, patients = (60, 15, 24) if quick else (600, 60, 120)
    database_url = server.recreate_database(server.DATABASE)
    logs = Path(tempfile.mkdtemp(prefix="soak-"))
    (server.VAR_DIR / "celerybeat-schedule").unlink(missing_ok=True)
    broker = PrivateRedis(logs).start()
    try:
        with LoopbackSMTP() as smtp:
            env = server.production_env(
                database_url, REDIS_URL=broker.url, EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}"
            )
            server.prepare(env)
            with Processes(env, logs) as processes:
                app, traffic, sampler, drained = soak(processes, seconds, interval, patients)
            emails = Counter(rcpt for envelope in smtp.messages for rcpt in envelope.rcpt_tos)
    finally:
        broker.kill()
    ids = traffic["diary_acknowledged"]
    [(stored,)] = server.query(
        database_url, "select count(*) from diary_diaryentry where id = any(%s::uuid[])", (ids,)
    )
    deliveries = dict(
        server.query(
            database_url,
            "select status, count(*) from reminders_delivery where kind = 'stretch'"
            " group by status",
        )
    )
    [(duplicate_rows,)] = server.query(
        database_url,
        "select count(*) from (select 1 from reminders_delivery where schedule_id is not null"
        " group by schedule_id, slot, channel having count(*) > 1) as twice",
    )
    outcome = {
        "server": app.description,
        "samples": sampler.samples,
        "stored": stored,
        "due": patients,
        "emails": emails,
        "deliveries": deliveries,
        "duplicate_rows": duplicate_rows,
        "drained": drained,
        "logs": logs,
    }
    return summarise(traffic, outcome)


def growth(samples: list, name: str) -> tuple[int, int]:
    """(kB at the end of the first interval, kB at the end): the first covers the warm-up."""
    first = samples[1][1][name] if len(samples) > 2 else samples[0][1][name]
    return first, samples[-1][1][name]


def summarise(traffic: dict, outcome: dict):
    samples, stored, due, emails = (outcome[k] for k in ("samples", "stored", "due", "emails"))
    drained, logs = outcome["drained"], outcome["logs"]

    errors = traffic["errors"]
    sent = len(traffic["diary_acknowledged"])
    received = sum(emails.values())
    duplicates = sum(count - 1 for count in emails.values() if count > 1)
    duplicates += outcome["duplicate_rows"]
    rows = [
        row(
            "soak: errors (non-2xx, signed-out page, connection)",
            f"{len(errors)} of {traffic['requests']}",
            "0",
            not errors,
        ),
        row(
            "soak: diary entries acknowledged vs stored",
            f"{sent} / {stored}",
            "all stored",
            stored == sent,
        ),
        row(
            "soak: reminders due / emails received / duplicates",
            f"{due} / {received} / {duplicates}",
            "all sent, 0 duplicates",
            received == due and duplicates == 0 and drained,
        ),
        row(
            "soak: throughput (mixed, 8 patients with pauses)",
            f"{traffic['requests'] / traffic['seconds']:.0f} req/s, "
            f"p50 {traffic['p50_ms']:.0f} ms, p99 {traffic['p99_ms']:.0f} ms",
        ),
    ]
    for name in ("gunicorn workers", "Celery worker"):
        first, last = growth(samples, name)
        change = (last - first) / first if first else 0.0
        rows.append(
            row(
                f"soak: RSS of {name}, first interval → end",
                f"{first / 1024:.0f} → {last / 1024:.0f} MiB ({change:+.1%})",
                f"≤ {TARGET_GROWTH:+.0%}",
                change <= TARGET_GROWTH,
            )
        )
    names = list(samples[0][1])
    lines = [
        f"### Soak: {traffic['seconds']:.0f} s, {outcome['server']}, Celery "
        "worker (prefork, 2) and beat on Redis, loopback SMTP",
        "",
        "| requests by kind | count |",
        "| --- | --- |",
        *(f"| {kind} | {count} |" for kind, count in sorted(traffic["counts"].items())),
        "",
        f"Deliveries by status: {outcome['deliveries']}. Every due slot dispatched and sent "
        f"before the end: {'yes' if drained else 'no'}. Emails per patient: "
        f"{dict(sorted(Counter(emails.values()).items()))} (count: patients).",
        "",
        "| seconds | " + " | ".join(f"{name} RSS MiB" for name in names) + " |",
        "| --- |" + " --- |" * len(names),
        *(
            f"| {at:.0f} | " + " | ".join(f"{sizes[name] / 1024:.0f}" for name in names) + " |"
            for at, sizes in samples
        ),
    ]
    if errors:
        lines += ["", "Errors (first 10): " + "; ".join(errors[:10])]
    lines += ["", f"Logs of the run: {logs}"]
    return rows, "\n".join(lines)
