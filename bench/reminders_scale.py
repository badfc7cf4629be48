"""Reminders at scale (issue #6): one dispatch pass over many patients on PostgreSQL, sends per
second through a real Celery worker on Redis to a loopback SMTP server, and django-celery-beat's
one-periodic-task-per-schedule alternative at the same size (bench/reminders_scale_beat.py).

Runs against BENCH_SCALE_DATABASE_URL (default the local ``kneeapp_bench_scale``, created if
missing) and BENCH_SCALE_REDIS_URL (default Redis DB 12, flushed). Each part runs in a
subprocess (bench/reminders_scale_parts.py) with those as DATABASE_URL and REDIS_URL, so the
caller's own settings (SQLite by default) are left alone.
"""

import json
import os
import subprocess
import sys

from bench import load_average, row, server
from bench.reminders_scale_parts import DATABASE_URL, NOW, ZONES, subprocess_env
from tests.processes import ROOT, manage

BEAT_DEPS = [
    "django-celery-beat==2.9.0",
    "python-crontab==3.4.0",
    "cron-descriptor==1.4.5",
    "django-timezone-field==7.2.2",
]

SIZES = {
    True: {"patients": 10_000, "due": [100, 1_000], "sends": 1_000, "rounds": 3, "budget": 30},
    False: {
        "patients": 100_000,
        "due": [1_000, 10_000],
        # A rate: 3,000 sends measure it as well as 10,000 and take a third of the time.
        "sends": 3_000,
        "rounds": 3,
        "budget": 300,
    },
}
# Sending waits on PostgreSQL and SMTP round trips: more pool processes than cores.
SEND_CONCURRENCY = 4
TARGET_PASS_S = 10.0
TARGET_BEAT_RATIO = 10.0


def part(name: str, timeout: float = 1800, settings: str = "kneeapp.settings", **arguments):
    module = "bench.reminders_scale_beat" if name == "beat" else "bench.reminders_scale_parts"
    result = subprocess.run(
        [sys.executable, "-m", module, name, json.dumps(arguments)],
        cwd=ROOT,
        env=subprocess_env(DJANGO_SETTINGS_MODULE=settings),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def install_beat() -> str:
    """django-celery-beat under var/bench-deps (not in our lock); an error message or ""."""
    target = ROOT / "var" / "bench-deps"
    if (target / "django_celery_beat-2.9.0.dist-info").exists():
        return ""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--upgrade"]
        + ["--target", str(target), *BEAT_DEPS],
        capture_output=True,
        text=True,
    )
    return result.stderr[-500:] if result.returncode else ""


def run(quick: bool = False):
    size = SIZES[quick]
    pool = max(size["due"][-1], size["sends"])
    server.ensure_database(DATABASE_URL)
    beat_error = install_beat()
    beat_settings = "bench.reminders_scale_settings"
    settings = "kneeapp.settings" if beat_error else beat_settings
    manage(subprocess_env(DJANGO_SETTINGS_MODULE=settings), "migrate", "--noinput")
    seeding = part("seed", patients=size["patients"], pool=pool)
    passes = [part("dispatch", due=due, rounds=size["rounds"]) for due in size["due"]]
    beat = (
        None
        if beat_error
        else part(
            "beat",
            settings=beat_settings,
            due=size["due"][-1],
            budget=size["budget"],
        )
    )
    wait = 120 + size["sends"] / 5  # gives up below 5 emails a second
    sends = part(
        "send", timeout=wait + 300, count=size["sends"], concurrency=SEND_CONCURRENCY, wait=wait
    )
    return rows_and_details(size, seeding, passes, beat, beat_error, sends)


def rows_and_details(size, seeding, passes, beat, beat_error, sends):
    small, large = passes
    counts = [(measured["dispatch_queries"], measured["queries"]) for measured in passes]
    constant = counts[0] == counts[1] and all(len(a) == len(b) == 1 for a, b in counts)
    of = f"{large['due']:,} due of {size['patients']:,} patients (PostgreSQL)"
    within = f"≤ {TARGET_PASS_S:.0f} s"
    rows = [
        row(
            f"reminders: dispatch_due, the pass's database work, {of}",
            f"{large['dispatch_s']:.2f} s",
            within,
            large["dispatch_s"] <= TARGET_PASS_S,
        ),
        row(
            "reminders: the whole dispatch_due_reminders task, with publishing "
            f"{large['queued'][-1]:,} send tasks to Redis, {of}",
            f"{large['median_s']:.2f} s",
            within,
            large["median_s"] <= TARGET_PASS_S,
        ),
        row(
            f"reminders: queries per pass (dispatch_due / whole task), "
            f"{small['due']:,} and {large['due']:,} due",
            " and ".join(
                f"{measured['dispatch_queries'][-1]} / {measured['queries'][-1]}"
                for measured in passes
            ),
            "the same at both sizes",
            constant,
        ),
    ]
    if beat:
        rows.append(beat_row(beat, large["median_s"]))
    rows.append(
        row(
            f"reminders: sends through a real worker, {sends['count']:,} emails to loopback SMTP",
            f"{sends['per_s']:.0f} emails/s",
        )
    )
    return rows, details(size, seeding, passes, beat, beat_error, sends)


def beat_row(beat: dict, task_s: float) -> dict:
    """Measured when beat fired every due task within its budget; else the lower bound and the
    time to fire them all at the rate it ticked (each tick costs the same: one task each)."""
    name = (
        f"reminders: django-celery-beat, a PeriodicTask per schedule ({beat['tasks']:,}), "
        f"{beat['due']:,} due: load and fire them"
    )
    target = f"the task ≥ {TARGET_BEAT_RATIO:.0f}× faster"
    if beat["fired"] >= beat["due"]:
        ratio = beat["fire_all_s"] / task_s
        median = f"{beat['fire_all_s']:.1f} s: the task is {ratio:.0f}× faster"
    elif beat["extrapolated_s"]:
        ratio = beat["extrapolated_s"] / task_s
        median = (
            f"≥ {beat['fire_all_s']:.0f} s for {beat['fired']:,}; ~{beat['extrapolated_s']:.0f} s "
            f"for all: the task is ~{ratio:.0f}× faster"
        )
    else:
        ratio = beat["fire_all_s"] / task_s
        median = f"≥ {beat['fire_all_s']:.0f} s: the task is ≥ {ratio:.0f}× faster"
    return row(name, median, target, ratio >= TARGET_BEAT_RATIO)


def details(size, seeding, passes, beat, beat_error, sends) -> str:
    load = load_average()
    lines = [
        "### Reminders at scale (issue #6)",
        "",
        f"{size['patients']:,} patients in {len(ZONES)} time zones, each with a plan; the due "
        f"pool has one schedule each at the local time of {NOW:%Y-%m-%d %H:%M} UTC, the others "
        "two (morning, evening) that are not due; 1 in 10 with a push subscription, 1 in 20 "
        "with quiet hours 22:00–07:30. Seeded with bulk_create"
        + (f" in {seeding['s']:.0f} s." if seeding.get("seeded") else " (kept from a former run).")
        + f" Load average at the end: {load} (on {os.cpu_count()} cores, shared).",
        "",
        "| due | task pass | of which dispatch_due | queries: dispatch_due / task | queued |",
        "| --- | --- | --- | --- | --- |",
    ]
    for measured in passes:
        lines.append(
            f"| {measured['due']:,} | {measured['median_s']:.2f} s | "
            f"{measured['dispatch_s']:.2f} s | "
            f"{', '.join(map(str, measured['dispatch_queries']))} / "
            f"{', '.join(map(str, measured['queries']))} | "
            f"{', '.join(f'{n:,}' for n in measured['queued'])} |"
        )
    lines += [
        "",
        f"Medians of {size['rounds']} rounds; statements counted with a connection "
        "execute_wrapper. dispatch_due is one transaction of four statements whatever the "
        "number due: SELECT … FOR UPDATE SKIP LOCKED of the due schedules with patient and "
        "push flag, one UPDATE of next_run_at (a CASE branch per distinct next slot), one "
        "INSERT of the deliveries (UNNEST), one SELECT of the queued ids. The rest of the "
        "task (tasks.py) marks the rows enqueued, sweeps stranded rows and publishes one "
        "send task per queued delivery to Redis: most of the task's time.",
        "",
    ]
    if beat:
        lines += [
            f"django-celery-beat {beat['version']} ran on Django {beat['django']}, outside its "
            "declared range (Django<6.1), installed with --no-deps under var/bench-deps. One "
            f"PeriodicTask per schedule ({beat['tasks']:,}), {beat['crontabs']:,} "
            "CrontabSchedules (one per local time and zone), shifted from the bench's minute "
            "to the current one (beat reads the real clock). Its DatabaseScheduler loads only "
            f"crontabs within ±2 hours of the current hour ({beat['loaded']:,} entries). Load "
            f"(constructing the scheduler: all_as_schedule) {beat['load_s']:.1f} s; first "
            f"tick (every entry's is_due, into the heap) {beat['first_tick_s']:.1f} s; then "
            "tick() as beat's loop calls it, one due task per tick published to Redis, and "
            f"sync(): {beat['fired']:,} of {beat['due']:,} fired in "
            f"{beat['fire_all_s']:.1f} s, {beat['queries']:,} queries"
            + (
                f"; stopped at the {beat['budget']} s budget"
                + (
                    f" (at that rate all would take ~{beat['extrapolated_s']:.0f} s)."
                    if beat["extrapolated_s"]
                    else "."
                )
                if beat["fired"] < beat["due"]
                else "."
            ),
            "",
        ]
    else:
        lines += [f"django-celery-beat could not be installed: {beat_error}", ""]
    lines.append(
        f"Sends: `celery -A kneeapp worker --concurrency={sends['concurrency']}` (prefork) on "
        "Redis, PostgreSQL, EMAIL_URL to an aiosmtpd server on loopback; the worker runs the "
        f"dispatch task, then every send task. {sends['received']:,} of {sends['count']:,} "
        f"emails received, {sends['first_to_last_s']:.1f} s from the first to the last "
        f"({sends['per_s']:.1f}/s), {sends['trigger_to_last_s'] or 0:.1f} s from the trigger. "
        f"Delivery statuses afterwards: {sends['statuses']}."
    )
    if sends["worker_errors"]:
        lines += ["", f"Worker said: {sends['worker_errors']}"]
    return "\n".join(lines)
