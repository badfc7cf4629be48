"""Serve the whole app on this machine: web server, Celery worker and beat, no external server.

Used by ``make run``. Ctrl-C (or SIGTERM) stops every process it started.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from reminders.vapid import vapid_keys


class Command(BaseCommand):
    help = "Run the web server with a Celery worker and beat beside it (embedded default)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        vapid_keys()  # generated once into var/ on the first run
        python = sys.executable
        commands = {
            "worker+beat": [
                python,
                "-m",
                "celery",
                "-A",
                "kneeapp",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
        }
        processes = {
            name: subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True)
            for name, command in commands.items()
        }
        self.stdout.write(
            self.style.SUCCESS(f"kneeapp is running on http://{addr}/ (Ctrl-C stops it)")
        )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} stopped with exit code {process.returncode}")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()  # the main process stops its own children cleanly
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            self.stdout.write("kneeapp stopped.")
