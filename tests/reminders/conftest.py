"""Plans for the personas: ``patient`` (London) and ``other_patient`` (New York); a loopback
push endpoint and the browser subscribed to it, with a push reminder due (``push_delivery``;
the test module allows loopback push, ``REMINDERS_ALLOW_LOOPBACK_PUSH``)."""

import datetime as dt
import os
import textwrap
from pathlib import Path

import pytest
import redis

from reminders import dispatch, tasks
from reminders.library import ensure_library
from reminders.models import (
    Channel,
    Delivery,
    Kind,
    PlanItem,
    PushSubscription,
    ReminderSchedule,
    StretchPlan,
)
from tests.processes import environment, flush_redis, manage
from tests.reminders.peers import BrowserSubscription, PushEndpoint, b64url

UTC = dt.UTC

# The Redis database of the end-to-end worker tests (a number no other test uses; they run one
# after another). The CI's PostgreSQL run, which goes on beside the SQLite run, names another
# one so that the two runs never flush each other's queue.
WORKER_REDIS_URL = os.environ.get("KNEEAPP_TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/11")


WORKER_PLAN = textwrap.dedent(
    """
    import datetime as dt
    from kneeapp.models import User
    from reminders.library import ensure_library
    from reminders.models import PlanItem, ReminderSchedule, StretchPlan
    physio = User.objects.create_user("physio@worker.example", "x", is_staff=True)
    patient = User.objects.create_user(
        "patient@worker.example", "x", physiotherapist=physio, time_zone={time_zone!r}
    )
    plan = StretchPlan.objects.create(
        patient=patient, physiotherapist=physio, starts_on=dt.date(2026, 1, 1)
    )
    PlanItem.objects.create(plan=plan, exercise=ensure_library()["calf-wall-stretch"])
    """
)


def worker_app(tmp_path: Path, redis_url: str, smtp_port: int, time_zone: str, then: str = ""):
    """The environment of a worker process: a file SQLite database under ``tmp_path``,
    migrated, with one patient in ``time_zone`` and a one-stretch plan (then ``then``, run in
    the same shell, with ``plan`` at hand). Returns the environment and the database's path."""
    database = tmp_path / "worker.sqlite3"
    env = environment(
        KNEEAPP_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL=redis_url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        SITE_URL="https://kneeapp.test",
        DEBUG="true",
        LOG_LEVEL="WARNING",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", WORKER_PLAN.format(time_zone=time_zone) + textwrap.dedent(then))
    return env, database


@pytest.fixture
def worker_redis() -> str:
    """An empty Redis database for a real worker's broker, emptied again afterwards."""
    try:
        up = redis.Redis.from_url(WORKER_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        up = False
    if not up:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {WORKER_REDIS_URL}")
        pytest.skip(f"no Redis at {WORKER_REDIS_URL} (CI runs this test)")
    flush_redis(WORKER_REDIS_URL)
    yield WORKER_REDIS_URL
    flush_redis(WORKER_REDIS_URL)


def at(text: str) -> dt.datetime:
    """An aware UTC datetime from ``"2026-03-02 08:00"``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_plan(patient, physiotherapist, times=("08:00", "19:00"), starts_on=dt.date(2026, 1, 1)):
    library = ensure_library()
    plan = StretchPlan.objects.create(
        patient=patient, physiotherapist=physiotherapist, starts_on=starts_on, notes="Gently."
    )
    for position, slug in enumerate(
        ["calf-wall-stretch", "seated-hamstring-stretch", "standing-quad-stretch"]
    ):
        PlanItem.objects.create(plan=plan, exercise=library[slug], position=position)
    for text in times:
        ReminderSchedule.objects.create(plan=plan, time_of_day=dt.time.fromisoformat(text))
    return plan


def stretch_delivery(schedule, slot: dt.datetime, **fields) -> Delivery:
    """A stretch reminder of ``schedule``'s patient for ``slot``, by email unless told."""
    fields = {"channel": "email", **fields}
    return Delivery.objects.create(
        patient=schedule.plan.patient, kind=Kind.STRETCH, schedule=schedule, slot=slot, **fields
    )


def set_next_runs(plan, after: dt.datetime) -> None:
    """Put the plan's schedules where they would be if created at ``after``."""
    plan.schedules.reschedule(after)


@pytest.fixture
def eager_sends():
    """Celery runs the tasks in this process as they are queued: with
    ``django_capture_on_commit_callbacks(execute=True)``, a send queued on commit is done
    before the block ends."""
    tasks.send_delivery.app.conf.task_always_eager = True
    yield
    tasks.send_delivery.app.conf.task_always_eager = False


@pytest.fixture
def plan(patient, physiotherapist):
    return make_plan(patient, physiotherapist)


@pytest.fixture
def other_plan(other_patient, other_physiotherapist):
    return make_plan(other_patient, other_physiotherapist, times=("07:30",))


@pytest.fixture
def endpoint():
    with PushEndpoint() as server:
        yield server


@pytest.fixture
def browser():
    return BrowserSubscription()


@pytest.fixture
def push_delivery(plan, patient, endpoint, browser):
    patient.remind_by_email, patient.remind_by_push = False, True
    patient.save()
    PushSubscription.objects.create(
        patient=patient,
        endpoint=f"{endpoint.url}/push/phone-1",
        p256dh=browser.p256dh,
        auth=b64url(browser.auth),
    )
    set_next_runs(plan, at("2026-06-01 06:00"))
    [delivery_id] = dispatch.dispatch_due(at("2026-06-01 07:00"))
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.channel == Channel.PUSH
    return delivery
