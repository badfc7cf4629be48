"""kneeapp's settings plus django-celery-beat, for the beat-per-schedule side of reminders_scale.

django-celery-beat 2.9 declares Django<6.1, so it stays out of our lock: the bench installs it
with --no-deps under var/bench-deps and runs it here, on Django 6.1, outside its declared range.
"""

import sys

from kneeapp.settings import *  # noqa: F403
from kneeapp.settings import BASE_DIR, INSTALLED_APPS

BENCH_DEPS = BASE_DIR / "var" / "bench-deps"
sys.path.insert(0, str(BENCH_DEPS))

INSTALLED_APPS = [*INSTALLED_APPS, "django_celery_beat"]
