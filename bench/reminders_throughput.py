"""Reminders at 08:00 (issue #15): 10,000 due at one minute, half by email and half by push,
dispatched and sent by real Celery workers on Redis to a loopback SMTP server and a loopback
push endpoint; and, in the same run, the raw floor: one smtplib connection sending the same
emails, one requests session posting the same number of pre-encrypted pushes.

Runs against BENCH_THROUGHPUT_DATABASE_URL (default the local ``kneeapp_bench_throughput``,
created if missing) and BENCH_THROUGHPUT_REDIS_URL (default Redis DB 13, flushed), in a
subprocess (``python -m bench.reminders_throughput measure <json>``) so the caller's own
settings are left alone.
"""

import datetime as dt
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import load_average, row, server, subprocess_environment
from tests.processes import (
    ROOT,
    Processes,
    children,
    flush_redis,
    manage,
    wait_until,
)

DATABASE_URL = os.environ.get(
    "BENCH_THROUGHPUT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kneeapp_bench_throughput"
)
REDIS_URL = os.environ.get("BENCH_THROUGHPUT_REDIS_URL", "redis://127.0.0.1:6379/13")
NOW = dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC)  # 08:00 in London
SIZES = {True: 2_000, False: 10_000}
# Sending waits on PostgreSQL, SMTP and HTTP round trips: more pool processes than cores.
CONCURRENCY = int(os.environ.get("BENCH_THROUGHPUT_CONCURRENCY", "4"))
TARGET_RATIO, ASPIRATION_PER_S, ASPIRATION_S = 0.5, 500, 60.0


def env(**extra: str) -> dict:
    # The push endpoint is on loopback, which the app refuses unless told it is a test.
    return subprocess_environment(
        DATABASE_URL, REDIS_URL, REMINDERS_ALLOW_LOOPBACK_PUSH="true", **extra
    )


class Arrivals:
    """When each message arrived, under a lock (the SMTP and HTTP servers run in threads)."""

    def __init__(self):
        self.times, self.lock = [], threading.Lock()

    def note(self) -> None:
        with self.lock:
            self.times.append(time.perf_counter())


class SMTPSink:
    """An aiosmtpd handler: the arrival times, and what arrived (for the floor to resend)."""

    def __init__(self, arrivals: Arrivals):
        self.arrivals, self.envelopes = arrivals, []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.arrivals.note()
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def seed(count: int, push_url: str) -> None:
    """``count`` patients in London with an 08:00 reminder due at NOW: even ones by email,
    odd ones by push to ``push_url`` (one browser key pair for all, each its own endpoint)."""
    from django.db import connection, transaction

    from kneeapp.models import User
    from reminders.library import ensure_library
    from reminders.models import PlanItem, PushSubscription, ReminderSchedule, StretchPlan
    from tests.reminders.peers import BrowserSubscription, b64url

    browser = BrowserSubscription()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {User._meta.db_table} RESTART IDENTITY CASCADE")
        library = list(ensure_library().values())[:3]
        physio = User.objects.create(email="physio@bench.example", password="!", is_staff=True)
        users = User.objects.bulk_create(
            User(
                email=f"patient{i}@bench.example",
                password="!",
                physiotherapist=physio,
                time_zone="Europe/London",
                remind_by_email=i % 2 == 0,
                remind_by_push=i % 2 == 1,
            )
            for i in range(count)
        )
        PushSubscription.objects.bulk_create(
            PushSubscription(
                patient=user,
                endpoint=f"{push_url}/push/{user.pk}",
                p256dh=browser.p256dh,
                auth=b64url(browser.auth),
            )
            for user in users
            if user.remind_by_push
        )
        plans = StretchPlan.objects.bulk_create(
            StretchPlan(patient=user, physiotherapist=physio, starts_on=dt.date(2026, 1, 1))
            for user in users
        )
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, exercise=exercise, position=position)
            for plan in plans
            for position, exercise in enumerate(library)
        )
        ReminderSchedule.objects.bulk_create(
            ReminderSchedule(plan=plan, time_of_day=dt.time(8), time_zone="", next_run_at=NOW)
            for plan in plans
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def span(times: list[float], start: float | None = None) -> float:
    return (max(times) - (min(times) if start is None else start)) if times else 0.0


def through_workers(count: int, smtp_port: int, arrivals: Arrivals, wait: float) -> dict:
    """Workers dispatch and send everything; the clock starts when the pass is published
    (the slot), and stops at the last message received by either server."""
    from django.db.models import Count

    from reminders.models import Delivery
    from reminders.tasks import dispatch_due_reminders

    flush_redis(REDIS_URL)
    with (
        tempfile.TemporaryDirectory() as logs,
        Processes(env(EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}"), Path(logs)) as started,
    ):
        worker = started.worker(f"--concurrency={CONCURRENCY}", "--loglevel=INFO")
        wait_until(lambda: " ready." in worker.log_path.read_text(), 60, message="the worker")
        pool = [worker.pid, *children(worker.pid)]
        worker_cpu, servers_cpu = sum(server.cpu_seconds(pool).values()), time.process_time()
        slot = time.perf_counter()
        dispatch_due_reminders.delay(now=NOW.isoformat())
        while len(arrivals.times) < count and time.perf_counter() < slot + wait:
            time.sleep(0.1)
        worker_cpu, servers_cpu = (
            sum(server.cpu_seconds(pool).values()) - worker_cpu,
            time.process_time() - servers_cpu,
        )
        said = started.logs()[-1500:] if len(arrivals.times) < count else ""
    flush_redis(REDIS_URL)
    statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")))
    return {
        "received": len(arrivals.times),
        "slot_to_last_s": span(arrivals.times, slot),
        "first_to_last_s": span(arrivals.times),
        "statuses": statuses,
        "worker_cpu_ms": worker_cpu * 1000 / max(1, len(arrivals.times)),
        "servers_cpu_ms": servers_cpu * 1000 / max(1, len(arrivals.times)),
        "worker_said": said,
    }


def floor(envelopes, push_url: str, pushes: int, smtp_port: int, arrivals: Arrivals) -> dict:
    """The same emails over one smtplib connection; as many pushes, encrypted beforehand
    (as the workers must, per push), posted by one requests session with one signature."""
    import requests
    from pywebpush import WebPusher

    from reminders.transports import PUSH_TTL
    from reminders.vapid import vapid_authorization
    from tests.reminders.peers import BrowserSubscription, b64url

    browser = BrowserSubscription()
    payload = json.dumps({"title": "Time to stretch", "body": "Your 08:00 stretches."}).encode()
    subscription = {"keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)}}
    bodies = [
        WebPusher({**subscription, "endpoint": f"{push_url}/push/floor"}).encode(payload)["body"]
        for _ in range(pushes)
    ]
    headers = {
        "Authorization": vapid_authorization(push_url),
        "TTL": str(PUSH_TTL),
        "Content-Encoding": "aes128gcm",
    }
    started, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for envelope in envelopes:
            smtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
    emailed = time.perf_counter()
    with requests.Session() as session:
        for n, body in enumerate(bodies):
            session.post(f"{push_url}/push/{n}", data=body, headers=headers, timeout=10)
    pushed = time.perf_counter()
    sent = len(envelopes) + pushes
    return {
        "cpu_ms": (time.process_time() - cpu) * 1000 / sent,  # client and both servers
        "emails_per_s": len(envelopes) / (emailed - started),
        "pushes_per_s": pushes / (pushed - emailed),
        "per_s": sent / (pushed - started),
        "received": len(arrivals.times),
    }


def measure(count: int, wait: float) -> dict:
    """Seed, send through the workers, then the floor, against the same two servers."""
    from aiosmtpd.controller import Controller

    from tests.reminders.peers import PushEndpoint, free_port

    arrivals = Arrivals()
    sink, smtp_port = SMTPSink(arrivals), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    class TimedRequests(list):
        def append(self, item):
            arrivals.note()
            super().append(item)

    try:
        with PushEndpoint() as endpoint:
            endpoint.requests = TimedRequests()
            seed(count, endpoint.url)
            workers = through_workers(count, smtp_port, arrivals, wait)
            emails = list(sink.envelopes)
            arrivals.times.clear()
            floored = floor(emails, endpoint.url, count - len(emails), smtp_port, arrivals)
    finally:
        controller.stop()
    return {"count": count, "emails": len(emails), "workers": workers, "floor": floored}


def run(quick: bool = False):
    count = SIZES[quick]
    server.ensure_database(DATABASE_URL)
    manage(env(), "migrate", "--noinput")
    wait = 60 + count / 20  # gives up below 20 sends a second
    result = subprocess.run(
        [sys.executable, "-m", "bench.reminders_throughput", "measure"]
        + [json.dumps({"count": count, "wait": wait})],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=wait + 600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"reminders_throughput failed:\n{result.stderr[-3000:]}")
    return report(json.loads(result.stdout.strip().splitlines()[-1]))


def report(measured: dict):
    workers, floored, count = measured["workers"], measured["floor"], measured["count"]
    received, took = workers["received"], workers["slot_to_last_s"]
    per_s = received / took if took else 0.0
    ratio = per_s / floored["per_s"] if floored["per_s"] else 0.0
    what = f"{count:,} due at one minute, half email, half push"
    rows = [
        row(
            f"reminders at 08:00: sends/s through {CONCURRENCY} workers / the raw floor, {what}",
            f"{ratio:.2f} ({per_s:.0f} / {floored['per_s']:.0f} sends/s)",
            f"≥ {TARGET_RATIO}",
            ratio >= TARGET_RATIO and received == count,
        ),
        row(
            f"reminders at 08:00: slot to the last delivery, {what}",
            f"{took:.1f} s ({received:,} of {count:,} received, {per_s:.0f}/s)",
            f"aspiration ≥ {ASPIRATION_PER_S}/s, all within {ASPIRATION_S:.0f} s",
            received == count and per_s >= ASPIRATION_PER_S and took <= ASPIRATION_S,
        ),
    ]
    load = load_average()
    details = [
        "### Reminders at 08:00 (issue #15)",
        "",
        f"{count:,} patients in London, each with an 08:00 reminder due at "
        f"{NOW:%Y-%m-%d %H:%M} UTC: {measured['emails']:,} by email, the rest by push. "
        f"`celery -A kneeapp worker --concurrency={CONCURRENCY}` (prefork) on Redis and "
        "PostgreSQL runs the dispatch pass and every send batch; an aiosmtpd server and a "
        "ThreadingHTTPServer push endpoint on loopback, in the bench's process. The clock "
        "starts when the pass is published (the slot).",
        "",
        f"Workers: {received:,} of {count:,} received, {took:.1f} s from the slot to the last "
        f"({per_s:.0f}/s), {workers['first_to_last_s']:.1f} s from the first to the last. "
        f"Statuses afterwards: {workers['statuses']}. CPU per send: "
        f"{workers['worker_cpu_ms']:.1f} ms in the worker's processes, "
        f"{workers['servers_cpu_ms']:.1f} ms in the two loopback servers (PostgreSQL and Redis "
        "not counted).",
        "",
        f"Floor, in the same run and to the same servers: one smtplib connection resending the "
        f"same {measured['emails']:,} emails at {floored['emails_per_s']:.0f}/s, one requests "
        f"session posting {count - measured['emails']:,} pre-encrypted pushes at "
        f"{floored['pushes_per_s']:.0f}/s; {floored['per_s']:.0f} sends/s one after the other, "
        f"{floored['cpu_ms']:.1f} ms CPU per send (client and servers). "
        f"Load average at the end: {load} (on {os.cpu_count()} cores, shared).",
    ]
    if workers["worker_said"]:
        details += ["", f"Worker said: {workers['worker_said']}"]
    return rows, "\n".join(details)


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(measure(**json.loads(sys.argv[2])), default=str))
