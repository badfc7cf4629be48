"""Real Chromium (Debian's package) driven by Playwright, against pytest-django's live server.

Playwright's own browser download does not work here, so the system binary is used.

The live server serves the production build of the static files, as production does:
hashed names from collectstatic's manifest (``collected_static``, once per run), served by
whitenoise from that build with their cache headers, never found in the source folders.
"""

import os
import shutil
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import Client
from django.test.testcases import LiveServerThread
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.static_build import hashed

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# fixtures are still plain synchronous calls, so Django's async guard can stand down.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# On SQLite the test database lives in memory, and pytest-django hands that one connection to
# the live server's threads. Two threads using one sqlite3 connection at once fail with
# "bad parameter or other API misuse" (the page and its service worker fetch in parallel), so
# with a shared connection the server handles one request at a time, and a query from the
# test's own thread waits its turn. On PostgreSQL each thread has its own connection and
# nothing is serialised.
SHARED_CONNECTION = threading.RLock()


class OneRequestAtATimeServer(ThreadedWSGIServer):
    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)

        def one_at_a_time(environ, start_response):
            with SHARED_CONNECTION:
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    if hasattr(response, "close"):
                        response.close()

        return super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATimeServer


def _wait_for_the_shared_connection(execute, sql, params, many, context):
    with SHARED_CONNECTION:
        return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def one_query_at_a_time():
    """The test thread's queries wait for the live server's request (see SHARED_CONNECTION)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with connection.execute_wrapper(_wait_for_the_shared_connection):
            yield
    else:
        yield


PHONE = {
    "viewport": {"width": 360, "height": 800},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def chromium_path() -> str:
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package")
    return path


@pytest.fixture(scope="session")
def live_server(request, collected_static):
    """pytest-django's live server, without Django's static files handler (which would look
    for each file in the source folders, where no hashed name is): whitenoise serves the
    build, read when the server starts."""
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = lambda application: application
    with hashed(collected_static):
        server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def hashed_build(collected_static):
    """Every browser test's pages name the hashed files."""
    with hashed(collected_static):
        yield collected_static


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server):
    """A fresh phone-sized browser context (its own storage, service workers and caches)."""
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(phone):
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.js_errors = errors
    page.runs_javascript = True
    yield page
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


@pytest.fixture
def page_without_javascript(browser, live_server):
    """A phone-sized page with JavaScript off: the plain forms must do the job alone."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.runs_javascript = False  # wait for page loads, never poll (see test_checker)
    yield page
    context.close()


def wait_for_service_worker(page) -> None:
    """Wait until the service worker is active and controls the page.

    Never longer than 15 s: ``evaluate`` has no timeout of its own, and a worker that never
    gets ready (its install failed) would otherwise hang the whole run.
    """
    ready = page.evaluate(
        """Promise.race([
            navigator.serviceWorker.ready.then(() => true),
            new Promise((resolve) => setTimeout(() => resolve(false), 15000)),
        ])"""
    )
    assert ready, "the service worker did not get ready in 15 s"
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


def sign_in(context, user, live_server) -> None:
    """Give the browser context a session for ``user`` (the login form is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def open_plan(page, patient, live_server, *, offline_ready: bool = False) -> None:
    """Sign ``patient`` in and open their stretch plan; with ``offline_ready``, open it again
    once the service worker controls the page, so that it also comes back offline."""
    sign_in(page.context, patient, live_server)
    page.goto("/plan/")
    if offline_ready:
        wait_for_service_worker(page)
        page.goto("/plan/")


def wait_until(page, condition, timeout=15_000) -> None:
    """Poll a Python condition (the database) while the page keeps running."""
    waited = 0
    while True:
        with SHARED_CONNECTION:
            if condition():
                return
        assert waited < timeout, "timed out"
        page.wait_for_timeout(200)
        waited += 200
