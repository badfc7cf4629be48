"""The fault tests' app: its own database (migrated once per session, copied per test), its
processes (tests/processes.py), a patient with a reminder due, and SMTP sinks that refuse,
stall or accept.

The workers and the web server are separate processes, so they get a database of their own:
a SQLite file, or on PostgreSQL (when the suite runs on it) a database made from a migrated
template.
"""

import asyncio
import email
import email.policy
import shutil
import sqlite3
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.db import connection

from tests.processes import ALONE, Processes, children, environment, manage, wait_until
from tests.reminders.peers import LoopbackSMTP, SMTPHandler

PASSWORD = "a-long-test-password-42"
# 07:00 UTC on 2026-06-01 is 08:00 in London: the 08:00 reminder is due (and only that one).
DUE = "2026-06-01T07:00:00+00:00"


def terminate_backend(pid: int) -> None:
    """End the PostgreSQL server process ``pid`` from a second connection, as an administrator
    or a failover would, and wait until it has gone (its goodbye is then on its socket)."""
    server = connection.settings_dict
    with psycopg.connect(
        dbname=server["NAME"],
        user=server["USER"],
        host=server["HOST"],
        port=server["PORT"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            still = other.execute("SELECT FROM pg_stat_activity WHERE pid = %s", [pid])
            if still.fetchone() is None:
                return
            time.sleep(0.01)


def stays_false(condition, seconds: float, interval: float = 0.1) -> bool:
    """True if ``condition`` stayed falsy for ``seconds`` (to see that nothing more happens)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return False
        time.sleep(interval)
    return True


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
    manage(app_environment(directory, database.url), "migrate", "--noinput")
    return database


def app_environment(directory: Path, database_url: str) -> dict:
    return environment(
        KNEEAPP_VAR_DIR=str(directory / "var"),
        DATABASE_URL=database_url,
        SITE_URL="https://kneeapp.test",
        DEBUG="true",
        LOG_LEVEL="INFO",
    )


class App(Processes):
    """Environment and database shared by a test's worker, web server and manage.py calls;
    its processes are killed at the end (SIGKILL: the test has seen what it wanted)."""

    def __init__(self, directory: Path, template, **env):
        directory.mkdir(parents=True, exist_ok=True)
        self.database = template.copy(directory)
        super().__init__(app_environment(directory, self.database.url) | env, directory, kill=True)

    def manage(self, *args, timeout=120) -> str:
        return manage(self.env, *args, timeout=timeout)

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", textwrap.dedent(code))

    def rows(self, sql: str) -> list[tuple]:
        return self.database.rows(sql)

    def deliveries(self) -> list[tuple]:
        return self.rows(
            "select id, channel, status, attempts, error from reminders_delivery order by id"
        )

    def set_up(self, email: bool = True, push: bool = False, more: str = "") -> str:
        """A physiotherapist and a ``patient`` with an 08:00 and a 00:05 reminder (see DUE);
        then ``more`` code, in the same shell."""
        return self.shell(SETUP.format(password=PASSWORD, email=email, push=push) + more)

    def dispatch(self, now: str = DUE, through_broker: bool = True) -> str:
        """One dispatch pass: published to the broker for a worker to run, as beat does, or
        run in a process of its own (as a worker that already had the message would)."""
        call = "d.delay" if through_broker else "d"
        return self.shell(
            f"from reminders.tasks import dispatch_due_reminders as d; print({call}(now={now!r}))"
        )

    def worker(self, pool: str = "prefork", **env):
        return super().worker(f"--pool={pool}", "--concurrency=1", *ALONE, "--loglevel=INFO", **env)

    def stop_all(self) -> None:
        super().stop_all()
        self.database.drop()


def worker_child(worker) -> int:
    """The pid of the prefork worker's pool process (its one child that runs tasks)."""
    return wait_until(lambda: children(worker.pid)[:1], 30, message="the pool process")[0]


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
