"""Page weight, requests, offline repeat visits and Lighthouse scores, against a production server.

The app runs as in production: ``DEBUG=false``, ``collectstatic`` into a temporary
``STATIC_ROOT`` (whitenoise's compressed files), gunicorn on loopback, SQLite in a temporary
folder. Only ``SECURE_SSL_REDIRECT=false`` differs, because there is no TLS on loopback.

Weight (Playwright + Debian's Chromium, a phone-sized context): every request of a first visit
is counted with its bytes on the wire (headers and the gzip body). Requests the service worker
makes while installing (its precache) are counted apart, and so are those it answers itself.
Then the phone goes offline and the page is visited again: every request that is not answered
by the service worker counts as reaching the network, and the target is zero.

Lighthouse (npm ``lighthouse``, installed by ``npm ci --prefix bench`` from the committed
lock file) scores the home page, the checker and a saved result page in its mobile form
factor; the failing audits are listed below the table.
"""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench import row, server
from bench.lighthouse import CHROMIUM, CHROMIUM_ARGS, TARGETS, scores
from tests.processes import Processes, manage

PHONE = {
    "viewport": {"width": 360, "height": 800},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
WEIGHT_PAGES = [("home", "/"), ("checker", "/triage/"), ("diary", "/diary/")]
TARGET_TRIAGE_KB = 50
# A saved result with possible causes (from the conformance vectors: a Baker's cyst).
RESULT_ANSWERS = {
    "lump_behind_knee": True,
    "tingling_or_pressure": True,
    "swelling_knee": True,
    "onset": "gradual",
    "injury": "none",
}


# --- the production server ---------------------------------------------------------------

# Run in the server's environment once it is migrated and seeded: a saved result and a
# signed-in session for the demo patient.
SEED = f"""
import json
from django.conf import settings
from django.test import Client
from kneeapp.management.commands.seed_demo import PATIENT_EMAIL
from kneeapp.models import User
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

answers = {RESULT_ANSWERS!r}
patient = User.objects.get(email=PATIENT_EMAIL)
saved, _ = Assessment.objects.record(assess(load_knowledge(), answers), answers, user=patient)
client = Client()
client.force_login(patient)
name = settings.SESSION_COOKIE_NAME
session = client.cookies[name].value
print(json.dumps({{"cookie": name, "session": session, "result": str(saved.pk)}}))
"""


class Server:
    """kneeapp with production settings: seeded, then served by gunicorn on a loopback port."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kneeapp-bench-weight-"))
        self.env = server.production_env(
            f"sqlite:///{self.dir / 'kneeapp.sqlite3'}",
            DJANGO_SETTINGS_MODULE="kneeapp.settings",
            # Plain HTTP on loopback: no TLS to redirect to. Every other production default stays.
            SECURE_SSL_REDIRECT="false",
            KNEEAPP_VAR_DIR=str(self.dir),
        )
        self.processes = Processes(self.env, self.dir)

    def __enter__(self) -> "Server":
        try:
            server.prepare(self.env)
            manage(self.env, "seed_demo")
            printed = server.run_python(self.env, SEED).splitlines()
            self.seeded = json.loads(next(line for line in printed if line.startswith("{")))
            self.url = self.processes.web(workers=2, threads=server.THREADS).url
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.processes.stop_all()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def cookie(self) -> dict:
        return {
            "name": self.seeded["cookie"],
            "value": self.seeded["session"],
            "domain": "127.0.0.1",
            "path": "/",
            "secure": True,
            "httpOnly": True,
            "sameSite": "Lax",
        }


# --- weight and requests -----------------------------------------------------------------


class Recorder:
    """Every request of a browser context, with who made it and who answered it."""

    def __init__(self, context) -> None:
        self.rows: list[dict] = []
        context.on("requestfinished", lambda request: self.add(request, failed=False))
        context.on("requestfailed", lambda request: self.add(request, failed=True))

    def add(self, request, failed: bool) -> None:
        response = None if failed else request.response()
        sizes = {} if failed else request.sizes()
        self.rows.append(
            {
                "url": request.url,
                "by_worker": request.service_worker is not None,
                "from_worker": bool(response and response.from_service_worker),
                "failed": failed,
                "bytes": sizes.get("responseHeadersSize", 0) + sizes.get("responseBodySize", 0),
                "encoding": (response.headers.get("content-encoding", "") if response else ""),
                "text": bool(response)
                and response.headers.get("content-type", "").startswith(
                    ("text/", "application/json", "application/javascript", "application/manifest")
                ),
            }
        )

    def take(self) -> list[dict]:
        rows, self.rows = self.rows, []
        return rows


def network(rows: list[dict]) -> list[dict]:
    """Requests that reached (or tried to reach) the network, not answered by the worker."""
    return [row for row in rows if not row["from_worker"]]


def weigh(browser, server: Server, name: str, path: str) -> dict:
    context = browser.new_context(base_url=server.url, **PHONE)
    context.set_default_timeout(30_000)
    if name == "diary":
        context.add_cookies([server.cookie])
    recorder = Recorder(context)
    page = context.new_page()
    try:
        page.goto(path, wait_until="load")
        page.wait_for_load_state("networkidle")
        first = recorder.take()
        # The worker installs (precaching the shell) and takes control.
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_function("!!navigator.serviceWorker.controller")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        install = recorder.take()
        context.set_offline(True)
        page.goto(path, wait_until="load")
        page.wait_for_timeout(500)
        repeat = recorder.take()
        heading = page.locator("h1, h2").first.inner_text().strip()
    finally:
        context.close()
    page_rows = [row for row in first + install if not row["by_worker"]]
    worker_rows = [row for row in first + install if row["by_worker"]]
    return {
        "name": name,
        "path": path,
        "requests": len(page_rows),
        "bytes": sum(row["bytes"] for row in page_rows),
        "uncompressed": [
            row["url"].removeprefix(server.url)
            for row in page_rows
            if not row["encoding"] and row["bytes"] > 1400 and row["text"]
        ],
        "precache_requests": len(worker_rows),
        "precache_files": [row["url"].removeprefix(server.url) for row in worker_rows],
        "precache_bytes": sum(row["bytes"] for row in worker_rows),
        "offline_network": [row["url"].removeprefix(server.url) for row in network(repeat)],
        "offline_from_worker": sum(1 for row in repeat if row["from_worker"]),
        "offline_heading": heading,
        "files": [(row["url"].removeprefix(server.url), row["bytes"]) for row in page_rows],
    }


def weights(server: Server) -> list[dict]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return [weigh(browser, server, name, path) for name, path in WEIGHT_PAGES]
        finally:
            browser.close()


# --- the report --------------------------------------------------------------------------


def kb(n: int) -> str:
    return f"{n / 1000:.1f} kB"


def label(path: str) -> str:
    """A saved result's path without its uuid, so rows line up from run to run."""
    return path.split("assessments/")[0] + "assessments/<uuid>/" if "assessments/" in path else path


def run(quick: bool = False) -> tuple[list[dict], str]:
    with Server() as server:
        weighed = weights(server)
        cookie = {"Cookie": f"{server.seeded['cookie']}={server.seeded['session']}"}
        pages = [
            ("/", None),
            ("/triage/", None),
            (f"/triage/assessments/{server.seeded['result']}/", cookie),
        ]
        try:
            scored, lighthouse_error = scores(server.url, pages, rounds=1 if quick else 3), None
        except (OSError, subprocess.CalledProcessError) as error:
            # No npm or node on this machine: the weight figures still stand.
            scored, lighthouse_error = [], getattr(error, "stderr", None) or str(error)
    rows = []
    for page in weighed:
        target = f"≤ {TARGET_TRIAGE_KB} kB" if page["name"] == "checker" else ""
        rows.append(
            row(
                f"first visit {page['path']}: the page and its files (gzip, on the wire), requests",
                f"{kb(page['bytes'])}, {page['requests']} requests "
                f"(+ worker precache {kb(page['precache_bytes'])}, "
                f"{page['precache_requests']} requests)",
                target,
                page["bytes"] <= TARGET_TRIAGE_KB * 1000 if target else None,
            )
        )
    for page in weighed:
        rows.append(
            row(
                f"repeat visit {page['path']} offline: requests to the network",
                str(len(page["offline_network"])),
                "0",
                not page["offline_network"],
            )
        )
    for page in scored:
        got = page["scores"]
        rows.append(
            row(
                f"Lighthouse {label(page['path'])}: performance / accessibility / best practices",
                " / ".join(str(got[category]) for category in TARGETS),
                " / ".join(f"≥ {value}" for value in TARGETS.values()),
                all(got[category] >= TARGETS[category] for category in TARGETS),
            )
        )
    if lighthouse_error:
        reason = str(lighthouse_error).strip().splitlines()[-1][:120]
        rows.append(row("Lighthouse", f"not run: {reason}"))
    return rows, details(weighed, scored, quick)


def details(weighed: list[dict], scored: list[dict], quick: bool) -> str:
    lines = [
        "### Weight: gunicorn, whitenoise, DEBUG=false; Debian Chromium, a 360 px phone",
        "",
        "Bytes are as sent: headers and the gzip body. The service worker's install "
        "(its precache, revalidating what the page has just loaded) is counted apart.",
        "",
        "| page | first visit | requests | worker precache | "
        "offline repeat: network / from worker | offline, the page shows |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for page in weighed:
        lines.append(
            f"| `{page['path']}` | {kb(page['bytes'])} | {page['requests']} | "
            f"{page['precache_requests']} requests, {kb(page['precache_bytes'])} | "
            f"{len(page['offline_network'])} / {page['offline_from_worker']} | "
            f"{page['offline_heading'][:40]} |"
        )
    for page in weighed:
        files = ", ".join(f"`{url}` {kb(size)}" for url, size in page["files"])
        lines.append(f"\n`{page['path']}` first visit: {files}.")
        if page["uncompressed"]:
            lines.append(f"Text sent uncompressed: {', '.join(page['uncompressed'])}.")
        if page["offline_network"]:
            lines.append(f"Offline, reached the network: {', '.join(page['offline_network'])}.")
    precached = sorted({url for page in weighed for url in page["precache_files"]})
    lines.append(f"\nThe worker fetches at install: {', '.join(f'`{url}`' for url in precached)}.")
    rounds = "1 run" if quick else "the median of 3 runs by performance"
    lines += [
        "",
        f"### Lighthouse 12, mobile, simulated throttling ({rounds})",
        "",
        "| page | performance (runs) | accessibility | best practices | FCP | LCP | TBT | CLS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for page in scored:
        got, metric = page["scores"], page["metrics"]
        runs = ", ".join(map(str, page["all_performance"]))
        lines.append(
            f"| `{label(page['path'])}` | {got['performance']} ({runs}) | "
            f"{got['accessibility']} | {got['best-practices']} | "
            f"{metric['first-contentful-paint']} | {metric['largest-contentful-paint']} | "
            f"{metric['total-blocking-time']} | {metric['cumulative-layout-shift']} |"
        )
    for page in scored:
        for title, audits in (
            ("failing audits", page["failing"]),
            ("unscored", page["diagnostics"]),
        ):
            found = [
                f"{category}: {', '.join(names)}" for category, names in audits.items() if names
            ]
            if found:
                lines.append(f"\n`{label(page['path'])}` {title}: {'; '.join(found)}.")
    warnings = sorted({warning for page in scored for warning in page["warnings"]})
    for warning in warnings:
        lines.append(f"\nLighthouse warned: {warning.split(' Learn more')[0]}")
    if any(page["no_hsts"] for page in scored):
        lines.append(
            "\n`has-hsts` (unscored) finds no HSTS header: Django sends it only over HTTPS, "
            "and this bench serves plain HTTP on loopback (`SECURE_SSL_REDIRECT=false`). "
            "Lighthouse counts 127.0.0.1 as secure, so `is-on-https` passes."
        )
    if any("uses-long-cache-ttl" in str(page["diagnostics"]) for page in scored):
        lines.append(
            "\n`uses-long-cache-ttl` (unscored): every file under `/static/` has a hashed name "
            "and is kept a year (`immutable`); what Lighthouse lists has no hashed name (the "
            "pages, the manifest, the service worker), and must be revalidated so that a "
            "deploy reaches the phone."
        )
    return "\n".join(lines)
