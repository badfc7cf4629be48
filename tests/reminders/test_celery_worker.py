"""End to end: dispatch → a real Celery worker on the real Redis → a real SMTP conversation.

Everything outside pytest's own database: the worker is a separate process, so it gets a
file SQLite database under a temporary directory (migrated by a subprocess) and a Redis
database number of its own (``worker_redis``), whatever the rest of the suite runs on.
"""

import email
import email.policy
import sqlite3
import time

import pytest

from tests.processes import ALONE, Processes, manage
from tests.reminders.conftest import worker_app
from tests.reminders.peers import LoopbackSMTP

# Today's 08:00 London reminder, due at the trigger's moment.
SCHEDULE = """
ReminderSchedule.objects.create(plan=plan, time_of_day=dt.time(8))
plan.schedules.reschedule(dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC))
"""

TRIGGER = (
    "from reminders.tasks import dispatch_due_reminders; "
    "dispatch_due_reminders.delay(now='2026-06-01T07:00:00+00:00')"
)


@pytest.mark.production
def test_a_real_worker_sends_a_due_reminder_through_a_real_smtp_server(worker_redis, tmp_path):
    with LoopbackSMTP() as smtp:
        env, database = worker_app(tmp_path, worker_redis, smtp.port, "Europe/London", SCHEDULE)
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
