"""The usual alternative to our dispatcher, at the same size: django-celery-beat with one
PeriodicTask (and a CrontabSchedule per local time and zone) per reminder schedule.

Run by bench/reminders_scale.py in a subprocess with ``bench.reminders_scale_settings``. Beat
reads the real clock, so the seeded schedules are shifted from the bench's NOW to the current
minute: the same schedules are due, and the rest sit at the same distance from now.
"""

import datetime as dt
import json
import sys
import time
import zoneinfo

from bench.reminders_scale_parts import NOW, REDIS_URL, QueryCounter, make_due
from tests.processes import flush_redis

TASK = "reminders.tasks.remind_schedule"  # one task per schedule; beat sends it by name


def seed_beat(due: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone
    from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

    from reminders.models import ReminderSchedule

    make_due(due)
    minute = timezone.now().replace(second=0, microsecond=0)
    shift = minute - NOW
    rows = ReminderSchedule.objects.order_by("pk").values_list(
        "pk", "next_run_at", "time_zone", "plan__patient__time_zone"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"TRUNCATE {PeriodicTask._meta.db_table}, {CrontabSchedule._meta.db_table} "
                "RESTART IDENTITY CASCADE"
            )
        crontabs, tasks = {}, []
        for pk, next_run_at, own_zone, patient_zone in rows:
            zone = own_zone or patient_zone
            local = (next_run_at + shift).astimezone(zoneinfo.ZoneInfo(zone))
            key = (local.minute, local.hour, zone)
            if key not in crontabs:
                crontabs[key] = CrontabSchedule(
                    minute=str(local.minute), hour=str(local.hour), timezone=zone
                )
            is_due = next_run_at <= NOW
            tasks.append(
                PeriodicTask(
                    name=f"stretch-{pk}",
                    task=TASK,
                    crontab=crontabs[key],
                    args=json.dumps([pk]),
                    last_run_at=minute - dt.timedelta(days=1) if is_due else minute,
                )
            )
        CrontabSchedule.objects.bulk_create(crontabs.values())
        for task in tasks:
            task.crontab_id = task.crontab.pk
        PeriodicTask.objects.bulk_create(tasks, batch_size=20_000)
        PeriodicTasks.update_changed()
    return {"tasks": len(tasks), "crontabs": len(crontabs)}


def fire_due(budget: float) -> dict:
    """Construct the scheduler (it loads the schedule), then tick as beat's loop does until
    nothing is due (or the budget is spent), then sync the run times to the database."""
    from django.db import connection
    from django_celery_beat.schedulers import DatabaseScheduler

    from kneeapp.celery import app

    counter, fired = QueryCounter(), []
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        scheduler = DatabaseScheduler(app=app)
        loaded = time.perf_counter()
        apply_entry = scheduler.apply_entry

        def counted(entry, producer=None):
            if entry.task == TASK:
                fired.append(entry.name)
            return apply_entry(entry, producer=producer)

        scheduler.apply_entry = counted
        scheduler.tick()
        first_tick = time.perf_counter()
        while time.perf_counter() - started < budget and scheduler.tick() == 0:
            pass
        scheduler.sync()
        finished = time.perf_counter()
    return {
        "load_s": loaded - started,
        "first_tick_s": first_tick - loaded,
        "fire_all_s": finished - started,
        "fired": len(set(fired)),
        "loaded": len(scheduler._schedule),
        "queries": counter.count,
    }


def measure_beat(due: int, budget: float) -> dict:
    """One round (it is slow, and its figure is a lower bound when the budget runs out)."""
    import django
    import django_celery_beat

    seeded = seed_beat(due)
    flush_redis(REDIS_URL)
    measured = fire_due(budget)
    flush_redis(REDIS_URL)
    # After the first tick (which fills the heap), each tick fires one task.
    ticking = measured["fire_all_s"] - measured["load_s"] - measured["first_tick_s"]
    extrapolated = (
        measured["load_s"]
        + measured["first_tick_s"]
        + ticking / (measured["fired"] - 1) * (due - 1)
        if measured["fired"] >= 10
        else None
    )
    return {
        **seeded,
        **measured,
        "due": due,
        "budget": budget,
        "extrapolated_s": extrapolated,
        "version": django_celery_beat.__version__,
        "django": django.get_version(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(measure_beat(**json.loads(sys.argv[2])), default=str))
