"""Serve the whole app on this machine: web server, Celery worker and beat, no external server.

Used by ``make run`` (``make run PORT=8001`` or ``ADDR=0.0.0.0:8001`` give ``--addr``). With
``--demo`` it loads the demo data first and, once the server answers and the worker is ready,
prints the demo accounts last, in a box (with their passwords when it has just made them).
Ctrl-C (or SIGTERM) stops every process it started.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from reminders.vapid import vapid_keys

DEFAULT_ADDR = "127.0.0.1:8000"
READY_TIMEOUT = 60  # seconds to wait for the server and the worker before printing anyway
# Celery warns that a worker run as root is "absolutely not recommended". Its real danger is
# a root worker that unpickles what the broker hands it, which Celery refuses outright; this
# one accepts JSON only, and on one machine it is no more root than the web server beside it
# (a container, say). So the warning is silenced for this mode only, and only then. (By its
# text alone: a -W category outside the standard library cannot be imported that early.)
ROOT_WARNING = "ignore:You're running the worker with superuser privileges"
UNSAFE_CONTENT = {"pickle", "application/x-python-serialize", "application/group-python-serialize"}


def split_addr(addr: str) -> tuple[str, int]:
    """runserver's ``[host:]port`` as (host, port); the host defaults to 127.0.0.1."""
    host, _, port = addr.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--addr must be [host:]port, like {DEFAULT_ADDR}, not {addr!r}")
    return host, int(port)


def local_url(addr: str) -> str:
    """Where a browser on this machine finds the server listening on ``addr``."""
    host, port = split_addr(addr)
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def answers(addr: str) -> bool:
    host, port = split_addr(addr)
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


class Command(BaseCommand):
    help = "Run the web server with a Celery worker and beat beside it (embedded default)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr",
            default=DEFAULT_ADDR,
            help=f"[host:]port for the web server, as runserver takes it (default {DEFAULT_ADDR})",
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help="load the demo data first (seed_demo) and list the demo accounts once running",
        )

    def handle(self, *args, addr, demo, **options):
        url = local_url(addr)
        if answers(addr):
            raise CommandError(
                f"Something already answers on {addr}: stop it, or choose another port "
                "(make run PORT=8001)."
            )
        passwords = None
        if demo:
            from kneeapp.management.commands.seed_demo import seed

            passwords = seed(self.stdout.write)
        vapid_keys()  # generated once into var/ on the first run
        if not settings.DEBUG:
            # Served as in production: hashed names, read from collectstatic's manifest.
            call_command("collectstatic", interactive=False, verbosity=0)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        processes, worker_ready = self.start(addr)
        started = time.monotonic()
        announced = False
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} stopped with exit code {process.returncode}")
                        stopping = True
                if not (stopping or announced) and (
                    (worker_ready.is_set() and answers(addr))
                    or time.monotonic() - started > READY_TIMEOUT
                ):
                    announced = True
                    self.announce(url, passwords)
                time.sleep(0.2)
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

    def start(self, addr):
        python = sys.executable
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        warnings = []
        if os.geteuid() == 0 and not UNSAFE_CONTENT & set(settings.CELERY_ACCEPT_CONTENT):
            warnings = ["-W", ROOT_WARNING]
        worker = [
            *(python, *warnings, "-m", "celery", "-A", "kneeapp", "worker", "--beat"),
            *("--hostname", "kneeapp@%h", "--loglevel", "INFO", "--concurrency", "2"),
            *("--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME),
        ]
        web = [python, "manage.py", "runserver", addr, "--noreload"]
        common = {"cwd": settings.BASE_DIR, "env": env, "start_new_session": True}
        # This mode is the laptop one by design (production runs gunicorn, see the README),
        # so runserver's "do not use it in production" warning tells nothing new.
        web_env = {"DJANGO_RUNSERVER_HIDE_WARNING": "true"} | env
        processes = {
            # The worker's output is passed on line by line, to learn when it is ready.
            "worker+beat": subprocess.Popen(
                worker, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **common
            ),
            "web": subprocess.Popen(web, **(common | {"env": web_env})),
        }
        ready = threading.Event()
        threading.Thread(
            target=self.relay, args=(processes["worker+beat"].stdout, ready), daemon=True
        ).start()
        return processes, ready

    def relay(self, lines, ready):
        for line in lines:
            sys.stdout.write(line)
            sys.stdout.flush()
            if not ready.is_set() and line.rstrip().endswith(" ready."):
                ready.set()

    def announce(self, url, passwords):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"kneeapp is running on {url} (Ctrl-C stops it)"))
        if passwords is not None:
            from kneeapp.management.commands.seed_demo import demo_accounts_box

            if box := demo_accounts_box(passwords, url):
                self.stdout.write(box)
