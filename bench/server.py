"""kneeapp as production runs it, for the HTTP, soak and weight benchmarks: its environment,
its database, and a browser signed in to it (the processes: tests/processes.py).

Production settings come from the environment only (``DEBUG=false``, a ``SECRET_KEY``,
PostgreSQL, Redis, SMTP). The benchmarks talk plain HTTP on loopback and send
``X-Forwarded-Proto: https``, as the TLS proxy in front of gunicorn does in production
(``SECURE_PROXY_SSL_HEADER``): so the SSL redirect, HSTS, ``__Host-`` cookies and the
CSRF origin check all stay on, and nothing is weakened for the benchmark.
"""

import gzip
import http.client
import json
import os
import re
import secrets
import subprocess
import urllib.parse
from pathlib import Path

from tests.processes import ROOT, environment, manage

POSTGRES = "postgres://postgres@127.0.0.1:5432"
# The database the HTTP and soak benchmarks drop and make again (BENCH_DATABASE on a shared
# server, where another run may use the default).
DATABASE = os.environ.get("BENCH_DATABASE", "kneeapp_bench_http")
# Where the benchmarks keep collected static files and generated keys between runs.
VAR_DIR = ROOT / "var" / "bench"
PASSWORD = "bench-password-for-loopback-only-42"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# What every browser sends: gzip-capable (the app compresses pages and API answers).
BROWSER_HEADERS = PROXY_HEADERS | {"Accept-Encoding": "gzip, deflate, br"}


def recreate_database(name: str) -> str:
    """Drop and create the PostgreSQL database ``name``; its DATABASE_URL."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database of ``database_url`` if it is not there (kept between runs)."""
    import psycopg

    server, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')


def query(database_url: str, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute(sql, params).fetchall()


def production_env(database_url: str, **extra: str) -> dict:
    """The environment of a production deployment on loopback (plus ``extra``)."""
    from reminders.vapid import generate

    keys = generate()
    return (
        environment(
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
        )
        | extra
    )


def prepare(env: dict, root: Path = ROOT) -> None:
    """Migrate and collect static files, as a deployment does before it starts."""
    manage(env, "migrate", "--noinput", root=root)
    manage(env, "collectstatic", "--noinput", root=root)


def run_python(env: dict, code: str, timeout: float = 300, root: Path = ROOT) -> str:
    """Run ``code`` in a Django shell with ``env`` (seeding, counting); what it printed."""
    return manage(env, "shell", "--no-imports", "-c", code, timeout=timeout, root=root)


def baseline_checkout(revision: str) -> Path:
    """A git worktree of ``revision`` under var/bench/baseline: the code before a change, to
    measure in the same run as the change (it runs with this checkout's virtualenv)."""
    path = VAR_DIR / "baseline"
    if not (path / ".git").exists():
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(
            ["git", "worktree", "add", "--force", "--detach", str(path), revision],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
    subprocess.run(["git", "checkout", "--quiet", "--detach", revision], cwd=path, check=True)
    return path


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


# Two worker processes (one per core of this machine) of four threads each: a request
# waiting for PostgreSQL (a commit waits for the disk's fdatasync, about 4 ms here) leaves
# the core to another thread, and connections are kept alive. Measured side by side on
# this machine, 2 × 4 gthread served the floor and the triage API 1.7 times as fast as 3 or
# 5 sync workers, at the same triage/floor ratio. BENCH_WORKERS and BENCH_THREADS override.
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
THREADS = int(os.environ.get("BENCH_THREADS", 4))


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
