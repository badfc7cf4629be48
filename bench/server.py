"""Start kneeapp as production runs it, for the HTTP and soak benchmarks.

Production settings come from the environment only (``DEBUG=false``, a ``SECRET_KEY``,
PostgreSQL, Redis, SMTP). The benchmarks talk plain HTTP on loopback and send
``X-Forwarded-Proto: https``, as the TLS proxy in front of gunicorn does in production
(``SECURE_PROXY_SSL_HEADER``): so the SSL redirect, HSTS, ``__Host-`` cookies and the
CSRF origin check all stay on, and nothing is weakened for the benchmark.

Every process here is started by us, stopped by its own id, and bounded in time.
"""

import gzip
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"
# Where the benchmarks keep collected static files and generated keys between runs.
VAR_DIR = ROOT / "var" / "bench"
PASSWORD = "bench-password-for-loopback-only-42"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# What every browser sends: gzip-capable (the app compresses pages and API answers).
BROWSER_HEADERS = PROXY_HEADERS | {"Accept-Encoding": "gzip, deflate, br"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(name: str) -> str:
    """Drop and create the PostgreSQL database ``name``; its DATABASE_URL."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def query(database_url: str, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute(sql, params).fetchall()


def production_env(database_url: str, **extra: str) -> dict:
    """The environment of a production deployment on loopback (plus ``extra``)."""
    from reminders.vapid import generate

    keys = generate()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CELERY_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="https://kneeapp.bench",
        DATABASE_URL=database_url,
        KNEEAPP_VAR_DIR=str(VAR_DIR),
        VAPID_PRIVATE_KEY=keys.private_key,
        VAPID_PUBLIC_KEY=keys.public_key,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare(env: dict) -> None:
    """Migrate and collect static files, as a deployment does before it starts."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")


def run_python(env: dict, code: str, timeout: float = 300) -> str:
    """Run ``code`` in a Django shell with ``env`` (seeding, counting); its stdout."""
    return manage(env, "shell", "--no-imports", "-c", code, timeout=timeout)


def children(pid: int) -> list[int]:
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


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU time each process has used so far (those still running)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings, counting processes started in between in full
    (one that ended in between is lost: PostgreSQL backends end when Django reconnects)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def postgres_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving ``database`` (their title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
                found.append(int(entry.name))
    return found


def status_kb(pid: int, field: str) -> int:
    """A ``kB`` line of /proc/<pid>/status: VmRSS (now) or VmHWM (peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process we started (it stops its own children), SIGKILL if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Two worker processes (one per core of this machine) of four threads each: a request
# waiting for PostgreSQL (a commit waits for the disk's fdatasync, about 4 ms here) leaves
# the core to another thread, and connections are kept alive. Measured side by side on
# this machine, 2 × 4 gthread served the floor and the triage API 1.7 times as fast as 3 or
# 5 sync workers, at the same triage/floor ratio. BENCH_WORKERS and BENCH_THREADS override.
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
THREADS = int(os.environ.get("BENCH_THREADS", 4))


class Gunicorn:
    """``gunicorn kneeapp.wsgi`` on a loopback port."""

    def __init__(
        self,
        env: dict,
        workers: int = WORKERS,
        threads: int = THREADS,
        log_path: Path | None = None,
    ):
        self.env, self.workers, self.threads = env, workers, threads
        self.port = free_port()
        self.log_path = log_path or VAR_DIR / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def description(self) -> str:
        kind = f"gthread × {self.threads} threads" if self.threads > 1 else "sync"
        return f"gunicorn, {self.workers} {kind} workers"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "kneeapp.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ]
        if self.threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(self.threads)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{self.log_path.read_text()[-3000:]}")
            try:
                answered = request(self.port, "GET", "/health/")[0] == 200
                if answered and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


@contextmanager
def gunicorn(env: dict, workers: int = WORKERS, threads: int = THREADS):
    server = Gunicorn(env, workers, threads)
    with server:
        yield server


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict, bytes]:
    """One request on a fresh connection: (status, headers in lower case, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=PROXY_HEADERS | (headers or {}))
        response = connection.getresponse()
        head = {}
        for name, value in response.getheaders():
            name = name.lower()
            head[name] = f"{head[name]}\n{value}" if name in head else value
        body = response.read()
        if head.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return response.status, head, body
    finally:
        connection.close()


def cookies_from(headers: dict) -> dict:
    jar = {}
    for line in headers.get("set-cookie", "").split("\n"):
        if "=" in line:
            name, value = line.split(";", 1)[0].split("=", 1)
            jar[name.strip()] = value.strip()
    return jar


class Session:
    """A signed-in browser: the session and CSRF cookies, and the headers a page sends."""

    def __init__(self, port: int, email: str, password: str = PASSWORD):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        status, head, body = request(port, "GET", "/account/login/")
        if status != 200:
            raise RuntimeError(f"GET /account/login/ answered {status}")
        self.cookies = cookies_from(head)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        form = urllib.parse.urlencode(
            {"username": email, "password": password, "csrfmiddlewaretoken": token.decode()}
        ).encode()
        status, head, _ = request(
            port,
            "POST",
            "/account/login/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self.cookie_header,
                "Origin": self.origin,
            },
        )
        self.cookies |= cookies_from(head)
        if status != 302 or "__Host-sessionid" not in self.cookies:
            raise RuntimeError(f"signing in as {email} answered {status}")

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    @property
    def csrf_token(self) -> str:
        return self.cookies["__Host-csrftoken"]

    def headers(self, write: bool = False) -> dict:
        """What the app's own pages send: cookies always; for writes, CSRF token and origin."""
        head = BROWSER_HEADERS | {"Cookie": self.cookie_header}
        if write:
            head |= {
                "X-CSRFToken": self.csrf_token,
                "Origin": self.origin,
                "Content-Type": "application/json",
            }
        return head

    def call(self, method: str, path: str, data=None) -> tuple[int, dict, bytes]:
        body = json.dumps(data).encode() if data is not None else None
        return request(self.port, method, path, body, self.headers(write=method != "GET"))
