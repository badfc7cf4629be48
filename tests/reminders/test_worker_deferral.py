"""End to end, on the real clock: a reminder due in the patient's quiet hours goes through a
real Celery worker on the real Redis, is held (not sent) until the quiet hours end a few
seconds later, and then reaches a real SMTP server once.

Like test_celery_worker.py, the worker is a separate process with a file SQLite database and
a Redis database of its own (``worker_redis``). The quiet hours are set
around the moment the test runs, so it waits about 30 seconds for them to end; nothing here
asserts how long anything took.
"""

import datetime as dt
import sqlite3
import textwrap
import time

import pytest

from tests.processes import ALONE, Processes, manage
from tests.reminders.conftest import worker_app
from tests.reminders.peers import LoopbackSMTP

QUIET_FOR = 30  # seconds of quiet hours left when the reminder is due

# Run once the worker is up, in one process: the reminder due a moment ago, quiet hours that
# end QUIET_FOR seconds from now, and a dispatch pass.
DUE_IN_QUIET_HOURS = textwrap.dedent(
    f"""
    import datetime as dt
    from django.utils import timezone
    from kneeapp.models import User
    from reminders.models import ReminderSchedule, StretchPlan
    from reminders.tasks import dispatch_due_reminders
    now = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    User.objects.filter(email="patient@worker.example").update(
        quiet_hours_start=(now - dt.timedelta(hours=1)).time(),
        quiet_hours_end=(now + dt.timedelta(seconds={QUIET_FOR})).time(),
    )
    plan = StretchPlan.objects.get()
    ReminderSchedule.objects.create(plan=plan, time_of_day=(now - dt.timedelta(seconds=2)).time())
    plan.schedules.reschedule(now - dt.timedelta(minutes=1))
    dispatch_due_reminders.delay()
    """
)
PASS = "from reminders.tasks import dispatch_due_reminders; dispatch_due_reminders.delay()"


def rows(database) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute(
            "select status, not_before is not null, attempts from reminders_delivery"
        ).fetchall()


@pytest.mark.production
def test_a_reminder_in_quiet_hours_is_held_by_the_worker_and_sent_when_they_end(
    worker_redis, tmp_path
):
    now = dt.datetime.now(dt.UTC)
    if (now + dt.timedelta(seconds=QUIET_FOR + 5)).date() != now.date():
        pytest.skip("too close to midnight UTC: the quiet hours would end on the next day")
    with LoopbackSMTP() as smtp:
        env, database = worker_app(tmp_path, worker_redis, smtp.port, "UTC")
        with Processes(env, tmp_path) as processes:
            processes.worker("--pool=solo", *ALONE, "--loglevel=WARNING")
            manage(env, "shell", "-c", DUE_IN_QUIET_HOURS)
            deadline = time.monotonic() + 60
            while rows(database) != [("queued", 1, 0)]:  # held: queued with not_before
                if time.monotonic() > deadline:
                    pytest.fail(f"not held: {rows(database)}; worker said:\n{processes.logs()}")
                time.sleep(0.2)
            assert smtp.messages == []  # nothing sent in the quiet hours
            # Beat's passes, once a second here: the sweep hands it over once they end.
            while not smtp.handler.received.is_set():
                if time.monotonic() > deadline + QUIET_FOR:
                    pytest.fail(f"never sent: {rows(database)}; worker said:\n{processes.logs()}")
                manage(env, "shell", "-c", PASS)
                smtp.handler.received.wait(timeout=1)
            manage(env, "shell", "-c", PASS)  # one pass more sends nothing more
            time.sleep(2)
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["patient@worker.example"]
    assert rows(database) == [("sent", 1, 1)]  # one attempt: the hold did not count
