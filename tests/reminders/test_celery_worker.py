"""End to end: dispatch → a real Celery worker on the real Redis → a real SMTP conversation.

Everything outside pytest's own database: the worker is a separate process, so it gets a
file SQLite database under a temporary directory (migrated by a subprocess) and a Redis
database number of its own (``worker_redis``), whatever the rest of the suite runs on.
"""

import email
import email.policy
import sqlite3
import textwrap
import time

import pytest

from tests.processes import ALONE, Processes, environment, manage
from tests.reminders.peers import LoopbackSMTP

SETUP = textwrap.dedent(
    """
    import datetime as dt
    from kneeapp.models import User
    from reminders.library import ensure_library
    from reminders.models import PlanItem, ReminderSchedule, StretchPlan
    physio = User.objects.create_user("physio@worker.example", "x", is_staff=True)
    patient = User.objects.create_user(
        "patient@worker.example", "x", physiotherapist=physio, time_zone="Europe/London"
    )
    plan = StretchPlan.objects.create(
        patient=patient, physiotherapist=physio, starts_on=dt.date(2026, 1, 1)
    )
    PlanItem.objects.create(plan=plan, exercise=ensure_library()["calf-wall-stretch"])
    ReminderSchedule.objects.create(plan=plan, time_of_day=dt.time(8))
    plan.schedules.reschedule(dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC))
    """
)

TRIGGER = (
    "from reminders.tasks import dispatch_due_reminders; "
    "dispatch_due_reminders.delay(now='2026-06-01T07:00:00+00:00')"
)


@pytest.mark.production
def test_a_real_worker_sends_a_due_reminder_through_a_real_smtp_server(worker_redis, tmp_path):
    database = tmp_path / "worker.sqlite3"
    with LoopbackSMTP() as smtp:
        env = environment(
            KNEEAPP_VAR_DIR=str(tmp_path / "var"),
            DATABASE_URL=f"sqlite:///{database}",
            REDIS_URL=worker_redis,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
            SITE_URL="https://kneeapp.test",
            DEBUG="true",
            LOG_LEVEL="WARNING",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "-c", SETUP)
        with Processes(env, tmp_path) as processes:
            processes.worker("--pool=solo", *ALONE, "--loglevel=WARNING")
            manage(env, "shell", "-c", TRIGGER)
            if not smtp.handler.received.wait(timeout=60):
                pytest.fail(f"no email arrived; worker said:\n{processes.logs()}")
            # The same dispatch again (a second beat host) sends nothing more.
            manage(env, "shell", "-c", TRIGGER)
            time.sleep(3)
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["patient@worker.example"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Time to stretch"
    assert message["List-Unsubscribe"].startswith("<https://kneeapp.test/plan/unsubscribe/")
    with sqlite3.connect(database) as db:
        rows = db.execute("select channel, status, attempts from reminders_delivery").fetchall()
    assert rows == [("email", "sent", 1)]
