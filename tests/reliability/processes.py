"""Real processes for the fault tests: a private Redis to kill, Celery workers, a web server, an
app database of their own, and SMTP sinks that refuse, stall or accept.

The workers and the web server are separate processes, so they get a database of their own,
migrated once per session and copied per test: a SQLite file, or on PostgreSQL (when the suite
runs on it) a database made from a migrated template.
"""

import asyncio
import email
import email.policy
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import redis
from django.conf import settings
from django.db import connection

from tests.reminders.peers import LoopbackSMTP, SMTPHandler, free_port

PASSWORD = "a-long-test-password-42"


def wait_until(condition, timeout: float, interval: float = 0.1, message: str = ""):
    """Poll ``condition`` until it is truthy (returned) or ``timeout`` seconds pass (fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {message or condition}")
        time.sleep(interval)


def stays_false(condition, seconds: float, interval: float = 0.1) -> bool:
    """True if ``condition`` stayed falsy for ``seconds`` (to see that nothing more happens)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return False
        time.sleep(interval)
    return True


class PrivateRedis:
    """A redis-server of our own on a free port, to stop and start again (no persistence)."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, 10, message="redis-server to answer")
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_until(lambda: not self.ping(), 5, message="redis-server to stop")


class SQLiteDatabase:
    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"

    def copy(self, directory: Path) -> "SQLiteDatabase":
        path = directory / "app.sqlite3"
        shutil.copy(self.path, path)
        return SQLiteDatabase(path)

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.path, timeout=20) as db:
            return db.execute(sql).fetchall()

    def drop(self) -> None:
        pass


class PostgresDatabase:
    """A database of its own on the suite's PostgreSQL server (named after the test database)."""

    def __init__(self, name: str):
        server = connection.settings_dict
        self.server = {
            key: server[key.upper()] or None for key in ("host", "port", "user", "password")
        }
        self.name = name
        credentials = self.server["user"] or ""
        if self.server["password"]:
            credentials += f":{quote(self.server['password'])}"
        self.url = (
            f"postgres://{credentials}@{self.server['host']}:{self.server['port'] or 5432}/{name}"
        )

    def admin(self, sql: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **self.server) as db:
            db.execute(sql)

    def create(self, template: str | None = None) -> "PostgresDatabase":
        self.drop()
        using = f' TEMPLATE "{template}"' if template else ""
        self.admin(f'CREATE DATABASE "{self.name}"{using}')
        return self

    def copy(self, directory: Path) -> "PostgresDatabase":
        return PostgresDatabase(f"{self.name}_{directory.name}").create(template=self.name)

    def rows(self, sql: str) -> list[tuple]:
        with psycopg.connect(dbname=self.name, autocommit=True, **self.server) as db:
            return db.execute(sql).fetchall()

    def drop(self) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def migrated_template(directory: Path):
    """The app's database, migrated once: SQLite, or PostgreSQL when the suite runs on it."""
    if connection.vendor == "postgresql":
        database = PostgresDatabase(f"{connection.settings_dict['NAME']}_app").create()
    else:
        database = SQLiteDatabase(directory / "template.sqlite3")
    run_manage(app_environment(directory, database.url), "migrate", "--noinput")
    return database


class App:
    """Environment and database shared by a test's worker, web server and manage.py calls."""

    def __init__(self, directory: Path, template, **env):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.database = template.copy(directory)
        self.env = app_environment(directory, self.database.url) | env
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args, timeout=120) -> str:
        return run_manage(self.env, *args, timeout=timeout)

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", textwrap.dedent(code))

    def rows(self, sql: str) -> list[tuple]:
        return self.database.rows(sql)

    def deliveries(self) -> list[tuple]:
        return self.rows(
            "select id, channel, status, attempts, error from reminders_delivery order by id"
        )

    def start(self, command: list[str], name: str, **env) -> subprocess.Popen:
        log = open(self.directory / f"{name}-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=self.env | env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as a whole at the end
        )
        process.log_path = log.name
        self.processes.append(process)
        return process

    def worker(self, pool: str = "prefork", **env) -> subprocess.Popen:
        return self.start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kneeapp",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            "worker",
            **env,
        )

    def web(self) -> str:
        port = free_port()
        self.start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kneeapp.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "30",
            ],
            "web",
        )
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers(url), 30, interval=0.2, message="the web server to start")
        return url

    def logs(self) -> str:
        return "\n".join(
            f"--- {Path(p.log_path).name}\n{Path(p.log_path).read_text()[-3000:]}"
            for p in self.processes
        )

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.database.drop()


def answers(url: str) -> bool:
    import requests

    try:
        return requests.get(f"{url}/health/", timeout=1).status_code < 500
    except requests.RequestException:
        return False


def app_environment(directory: Path, database_url: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CELERY_", "REMINDERS_"))
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "kneeapp.settings",
        "KNEEAPP_VAR_DIR": str(directory / "var"),
        "DATABASE_URL": database_url,
        "SITE_URL": "https://kneeapp.test",
        "DEBUG": "true",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


def run_manage(env, *args, timeout=120) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def worker_child(worker: subprocess.Popen) -> int:
    """The pid of the prefork worker's pool process (its one child that runs tasks)."""

    def child():
        path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        pids = path.read_text().split() if path.exists() else []
        return int(pids[0]) if pids else None

    return wait_until(child, 30, message="the worker's pool process")


SETUP = """
import datetime as dt
from kneeapp.models import Consent, User
from reminders.library import ensure_library
from reminders.models import PlanItem, ReminderSchedule, StretchPlan
physio = User.objects.create_user("physio@worker.example", "{password}", is_staff=True)
patient = User.objects.create_user(
    "patient@worker.example", "{password}", physiotherapist=physio,
    time_zone="Europe/London", remind_by_email={email}, remind_by_push={push},
)
Consent.objects.give(patient)
plan = StretchPlan.objects.create(
    patient=patient, physiotherapist=physio, starts_on=dt.date(2026, 1, 1)
)
PlanItem.objects.create(plan=plan, exercise=ensure_library()["calf-wall-stretch"])
ReminderSchedule.objects.create(plan=plan, time_of_day=dt.time(8))
ReminderSchedule.objects.create(plan=plan, time_of_day=dt.time(0, 5))
plan.schedules.reschedule(dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC))
"""

# 07:00 UTC on 2026-06-01 is 08:00 in London: the 08:00 reminder is due (and only that one).
DUE = "2026-06-01T07:00:00+00:00"


def setup_code(email: bool = True, push: bool = False) -> str:
    return SETUP.format(password=PASSWORD, email=email, push=push)


def dispatch_here(app: App, now: str = DUE) -> str:
    """One dispatch pass run in a process of its own (as a worker would run it)."""
    return app.shell(
        f"from reminders.tasks import dispatch_due_reminders as d; print(d(now={now!r}))"
    )


def dispatch_through_broker(app: App, now: str = DUE) -> str:
    """One dispatch pass published to the broker, as beat does, for a worker to run."""
    return app.shell(
        f"from reminders.tasks import dispatch_due_reminders as d; d.delay(now={now!r})"
    )


def parse(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


class ScriptedSMTPHandler(SMTPHandler):
    """Answers DATA from a script (e.g. ``["451 ...", "421 ..."]``), then accepts.

    ``stall_first``: the first DATA is never answered: the sink waits until the client goes
    away (its worker was killed), as a real server would, and then delivers nothing.
    ``accept_then_stall``: the first DATA is taken into the mailbox and then left
    unanswered (the crash after the hand-off, before the worker heard 250).
    """

    def __init__(self, script=(), always=None, stall_first=False, accept_then_stall=False):
        super().__init__()
        self.script = list(script)
        self.always = always
        self.stall_first = stall_first
        self.accept_then_stall = accept_then_stall
        self.attempts: list = []  # every DATA, whatever the answer
        self.stalled = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.attempts.append(envelope)
        if self.stall_first or self.accept_then_stall:
            first_stall = self.accept_then_stall
            self.stall_first = self.accept_then_stall = False
            if first_stall:
                self.messages.append(envelope)
            self.stalled.set()
            await asyncio.sleep(120)  # cancelled when the client's connection drops
            return "451 stalled"
        if self.script:
            return self.script.pop(0)
        if self.always:
            return self.always
        return await super().handle_DATA(server, session, envelope)

    def mailbox(self) -> dict:
        """What a mail store keeps: one message per Message-ID."""
        return {parse(envelope)["Message-ID"]: envelope for envelope in self.messages}


class SMTPSink(LoopbackSMTP):
    def __init__(self, **script):
        super().__init__()
        self.handler = ScriptedSMTPHandler(**script)
        self.controller.handler = self.handler

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
