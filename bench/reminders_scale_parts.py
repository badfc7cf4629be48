"""The parts of bench/reminders_scale.py that run in a subprocess on the bench's database.

``python -m bench.reminders_scale_parts <part> <json arguments>`` seeds or measures with
DATABASE_URL and REDIS_URL set by the caller, and prints its figures as JSON on its last line.
"""

import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import subprocess_environment
from tests.processes import ALONE, Processes, flush_redis

DATABASE_URL = os.environ.get(
    "BENCH_SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kneeapp_bench_scale"
)
REDIS_URL = os.environ.get("BENCH_SCALE_REDIS_URL", "redis://127.0.0.1:6379/12")

# The minute everything is measured at: 08:00 in London, 03:00 in New York, 16:00 in Tokyo.
NOW = dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC)
ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "Europe/Lisbon",
    "Europe/Athens",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
]
PHYSIOTHERAPISTS = 50
QUIET, PUSH = "quiet", "push"  # the patient's name marks the ones seeded with either


def seeded(patients: int, pool: int) -> bool:
    from kneeapp.models import User
    from reminders.models import ReminderSchedule

    return (
        User.objects.filter(email__endswith="@bench.example", is_staff=False).count() == patients
        and ReminderSchedule.objects.filter(plan__patient__email__startswith="due").count() == pool
    )


def seed(patients: int, pool: int) -> dict:
    """``patients`` with a plan each; the first ``pool`` have one schedule at the local time of
    NOW (due when the bench says so), the others two (morning and evening) that are not due."""
    from django.db import connection, transaction

    from kneeapp.models import User
    from reminders.library import ensure_library
    from reminders.models import PlanItem, PushSubscription, ReminderSchedule, StretchPlan
    from reminders.slots import next_slot

    if seeded(patients, pool):
        return {"seeded": False}
    started = time.perf_counter()
    rng = random.Random(6)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {User._meta.db_table} RESTART IDENTITY CASCADE")
        library = list(ensure_library().values())
        physios = User.objects.bulk_create(
            User(email=f"physio{i}@bench.example", password="!", is_staff=True)
            for i in range(PHYSIOTHERAPISTS)
        )
        users = User.objects.bulk_create(
            (
                User(
                    email=f"{'due' if i < pool else 'patient'}{i}@bench.example",
                    password="!",
                    name=QUIET if i % 20 == 7 else PUSH if i % 10 == 3 else "",
                    physiotherapist=physios[i % PHYSIOTHERAPISTS],
                    time_zone=ZONES[i % len(ZONES)],
                    remind_by_push=i % 10 == 3,
                    quiet_hours_start=dt.time(22) if i % 20 == 7 else None,
                    quiet_hours_end=dt.time(7, 30) if i % 20 == 7 else None,
                )
                for i in range(patients)
            ),
            batch_size=20_000,
        )
        plans = StretchPlan.objects.bulk_create(
            (
                StretchPlan(
                    patient=user,
                    physiotherapist=user.physiotherapist,
                    starts_on=dt.date(2026, 1, 1),
                )
                for user in users
            ),
            batch_size=20_000,
        )
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, exercise=exercise, position=position)
            for plan in plans[:pool]
            for position, exercise in enumerate(library[:3])
        )
        PushSubscription.objects.bulk_create(
            PushSubscription(
                patient=user,
                endpoint=f"https://push.invalid/{user.pk}",  # never contacted
                p256dh="B" * 87,
                auth="a" * 22,
            )
            for user in users
            if user.remind_by_push
        )
        schedules = []
        for i, plan in enumerate(plans):
            zone = plan.patient.zone
            times = (
                [NOW.astimezone(zone).time()]
                if i < pool
                else [
                    dt.time(rng.randrange(6, 11), rng.choice((0, 15, 30, 45))),
                    dt.time(rng.randrange(18, 22), rng.choice((0, 15, 30, 45))),
                ]
            )
            schedules += [
                ReminderSchedule(
                    plan=plan,
                    time_of_day=time_of_day,
                    time_zone="",
                    next_run_at=next_slot(NOW, time_of_day, zone, 0b1111111, plan.starts_on),
                )
                for time_of_day in times
            ]
        ReminderSchedule.objects.bulk_create(schedules, batch_size=20_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seeded": True, "schedules": len(schedules), "s": time.perf_counter() - started}


def make_due(count: int) -> None:
    """No deliveries; the first ``count`` schedules of the pool due at NOW, the rest tomorrow."""
    from django.db import connection

    from reminders.models import Delivery, ReminderSchedule

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Delivery._meta.db_table}")
    pool = ReminderSchedule.objects.filter(plan__patient__email__startswith="due")
    pool.update(next_run_at=NOW + dt.timedelta(days=1))
    pks = list(pool.order_by("pk").values_list("pk", flat=True)[:count])
    ReminderSchedule.objects.filter(pk__in=pks).update(next_run_at=NOW)


class QueryCounter:
    """A connection execute_wrapper: counts statements (cheaper than capturing their SQL)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure_dispatch(due: int, rounds: int) -> dict:
    """Median time of one ``dispatch_due_reminders`` pass (the task, run in this process: the
    dispatch itself, marking the rows enqueued, the sweep of stranded rows, and publishing a
    send task per queued delivery to Redis), and of the ``dispatch_due`` inside it."""
    from django.db import connection

    from kneeapp.models import User
    from reminders import tasks

    User.objects.filter(name=QUIET).update(
        quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7, 30)
    )
    User.objects.filter(name=PUSH).update(remind_by_push=True)
    dispatch_due, counter, inner = tasks.dispatch_due, QueryCounter(), []

    def timed_dispatch(now):
        started, queries = time.perf_counter(), counter.count
        ids = dispatch_due(now)
        inner.append((time.perf_counter() - started, counter.count - queries))
        return ids

    tasks.dispatch_due = timed_dispatch
    samples, queries, queued = [], set(), set()
    for _ in range(rounds):
        make_due(due)
        flush_redis(REDIS_URL)
        counter.count = 0
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            queued.add(tasks.dispatch_due_reminders(now=NOW.isoformat()))
            samples.append(time.perf_counter() - started)
        queries.add(counter.count)
    flush_redis(REDIS_URL)
    return {
        "due": due,
        "median_s": statistics.median(samples),
        "dispatch_s": statistics.median(seconds for seconds, _ in inner),
        "queries": sorted(queries),
        "dispatch_queries": sorted({count for _, count in inner}),
        "queued": sorted(queued),
    }


class Sink:
    """An aiosmtpd handler that notes when each message arrived."""

    def __init__(self):
        self.times, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.times.append(time.perf_counter())
        return "250 Message accepted for delivery"


def measure_sends(count: int, concurrency: int, wait: float) -> dict:
    """A real worker dispatches ``count`` due email reminders and sends them to a loopback
    SMTP server; the rate from the first email received to the last."""
    from aiosmtpd.controller import Controller
    from django.db.models import Count

    from kneeapp.models import User
    from reminders.models import Delivery, Status
    from reminders.tasks import dispatch_due_reminders
    from tests.reminders.peers import free_port

    User.objects.filter(email__startswith="due").update(
        remind_by_push=False, quiet_hours_start=None, quiet_hours_end=None
    )
    make_due(count)
    flush_redis(REDIS_URL)
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with (
            tempfile.TemporaryDirectory() as logs,
            Processes(subprocess_env(EMAIL_URL=f"smtp://127.0.0.1:{port}"), Path(logs)) as started,
        ):
            started.worker(f"--concurrency={concurrency}", *ALONE, "--loglevel=WARNING")
            triggered = time.perf_counter()
            dispatch_due_reminders.delay(now=NOW.isoformat())
            while len(sink.times) < count and time.perf_counter() < triggered + wait:
                time.sleep(0.2)
            said = started.logs()[-2000:]
    finally:
        controller.stop()
        flush_redis(REDIS_URL)
    times = sorted(sink.times)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")))
    return {
        "count": count,
        "received": len(times),
        "concurrency": concurrency,
        "first_to_last_s": span,
        "per_s": (len(times) - 1) / span if span else 0.0,
        "trigger_to_last_s": times[-1] - triggered if times else None,
        "statuses": statuses,
        "sent": statuses.get(Status.SENT, 0),
        "worker_errors": said if len(times) < count else "",
    }


def subprocess_env(**extra: str) -> dict:
    """The environment of the parts and of the worker: the bench's database and Redis."""
    return subprocess_environment(DATABASE_URL, REDIS_URL, **extra)


PARTS = {"seed": seed, "dispatch": measure_dispatch, "send": measure_sends}

if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(PARTS[sys.argv[1]](**json.loads(sys.argv[2])), default=str))
