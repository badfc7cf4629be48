"""Start and stop kneeapp's own processes: gunicorn, a Celery worker and beat, a redis-server.

Shared by the fault tests (tests/reliability/), the end-to-end worker test
(tests/reminders/test_celery_worker.py) and the benchmarks (bench/). It lives in tests/
because that is where the loopback peers it builds on already are (tests/reminders/peers.py),
and bench/ imports those too: the product's packages carry no test machinery, and no test
imports bench/. It needs no Django set-up, so a benchmark may import it before ``django.setup()``.

Every process is started here in a session of its own, stopped by its own id (SIGTERM, or
SIGKILL for a test that has seen what it wanted), and its process group killed afterwards so
that no pool process or gunicorn worker outlives it.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from tests.reminders.peers import free_port

ROOT = Path(__file__).resolve().parent.parent
# The app's own settings, which a started process must get from its caller only (never the
# developer's DATABASE_URL or a leftover REMINDERS_SEND_LEASE).
APP_SETTINGS = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CELERY_", "REMINDERS_", "DJANGO_")
# A worker that looks for no other workers: it starts at once and says less.
ALONE = ("--without-gossip", "--without-mingle", "--without-heartbeat")
CELERY = (sys.executable, "-m", "celery", "-A", "kneeapp")


def environment(**settings: str) -> dict:
    """This process's environment without the app's settings, plus ``settings``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(APP_SETTINGS)}
    return env | {"DJANGO_SETTINGS_MODULE": "kneeapp.settings", "PYTHONUNBUFFERED": "1"} | settings


def manage(env: dict, *args: str, timeout: float = 300, root: Path = ROOT) -> str:
    """``manage.py args`` with ``env`` in the checkout ``root``; what it printed (stdout, then
    stderr). Fails loudly."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args[:1])} failed:\n{result.stderr[-3000:]}")
    return result.stdout + result.stderr


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


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers, a Celery pool), oldest first."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and brackets: the ppid follows the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def flush_redis(url: str) -> None:
    """Empty the Redis database at ``url`` (queued tasks of a former round or run)."""
    redis.Redis.from_url(url).flushdb()


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
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, 10, message="redis-server to answer")
        return self

    def pause(self) -> None:
        """SIGSTOP: the port still takes connections and nothing answers, and what it holds
        is kept (a network partition, not a restart)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        wait_until(self.ping, 10, message="redis-server to answer again")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_until(lambda: not self.ping(), 5, message="redis-server to stop")


class Web:
    """A started gunicorn: its address, and its worker processes."""

    def __init__(self, process: subprocess.Popen, port: int, workers: int, threads: int):
        self.process, self.port, self.workers, self.threads = process, port, workers, threads
        self.url = f"http://127.0.0.1:{port}"

    @property
    def description(self) -> str:
        kind = f"gthread × {self.threads} threads" if self.threads > 1 else "sync"
        return f"gunicorn, {self.workers} {kind} workers"

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def ready(self) -> bool:
        """/health/ answers 200 (through the TLS proxy's header) and every worker is up."""
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped ({self.process.returncode})")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/health/", headers={"X-Forwarded-Proto": "https"})
            answered = connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()
        return answered and len(self.worker_pids()) >= self.workers


class Processes:
    """The processes of one test or benchmark: one environment, logs in one folder, and all
    stopped together at the end (``with Processes(env, logs) as processes: ...``). ``root`` is
    the checkout they run from (a benchmark's baseline runs from a worktree of older code)."""

    def __init__(self, env: dict, logs: Path, kill: bool = False, root: Path = ROOT):
        self.env, self.logs_dir, self.kill, self.root = env, logs, kill, root
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.logs_dir / f"{name}-{len(self.started)}.log"
        with log_path.open("w") as log:  # not a pipe: a full pipe would stall the process
            process = subprocess.Popen(
                command,
                cwd=self.root,
                env=self.env | env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole
            )
        process.log_path = log_path
        self.started.append(process)
        return process

    def worker(self, *options: str, **env: str) -> subprocess.Popen:
        """``celery -A kneeapp worker`` with ``options`` (e.g. ``--pool=solo``, ``*ALONE``)."""
        return self.start("worker", [*CELERY, "worker", *options], **env)

    def beat(self, *options: str) -> subprocess.Popen:
        return self.start("beat", [*CELERY, "beat", *options])

    def web(self, workers: int = 1, threads: int = 1, port: int | None = None) -> Web:
        """``gunicorn kneeapp.wsgi`` on a loopback port (``port``, or a free one), once it
        answers; gthread if threads."""
        port = port or free_port()
        command = [sys.executable, "-m", "gunicorn", "kneeapp.wsgi", "--bind"]
        command += [f"127.0.0.1:{port}", "--workers", str(workers), "--backlog", "256"]
        command += ["--log-level", "warning"]
        if threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        web = Web(self.start("web", command), port, workers, threads)
        try:
            wait_until(web.ready, 60, interval=0.2, message="gunicorn to answer")
        except (AssertionError, RuntimeError) as error:
            raise RuntimeError(f"{error}:\n{self.logs()}") from None
        return web

    def logs(self) -> str:
        return "\n".join(
            f"--- {process.log_path.name}\n{process.log_path.read_text()[-3000:]}"
            for process in self.started
        )

    def stop(self, process: subprocess.Popen, timeout: float = 30) -> None:
        """SIGTERM (it stops its own children), SIGKILL on a hang; SIGKILL at once if kill."""
        if process.poll() is None and not self.kill:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of its group
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()
