"""Fixtures for the fault tests: see harness.py and tests/processes.py."""

import os
import shutil

import pytest

from tests.processes import PrivateRedis
from tests.reliability.harness import App, migrated_template

# Short clocks for the tests: a claim's lease, the sweep's patience, retries, Redis's
# redelivery of unacknowledged messages.
FAST = {
    "REMINDERS_SEND_LEASE": "2",
    "REMINDERS_REQUEUE_AFTER": "1",
    "REMINDERS_RETRY_BACKOFF_MS": "250",
    "EMAIL_TIMEOUT": "5",
    "REMINDERS_ALLOW_LOOPBACK_PUSH": "true",
}


@pytest.fixture(scope="session")
def app_template(tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():  # only to read the server's address
        database = migrated_template(tmp_path_factory.mktemp("app-template"))
    yield database
    database.drop()


@pytest.fixture
def make_app(app_template, tmp_path):
    apps = []

    def make(**env):
        app = App(tmp_path / f"app{len(apps)}", app_template, **(FAST | env))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop_all()
        print(app.logs())  # shown by pytest when the test failed


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own: to kill, and with no other process on it (a shared
    Redis database can carry another run's tasks, and its workers take ours)."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed (CI runs this test)")
    server = PrivateRedis(tmp_path)
    yield server
    server.kill()


@pytest.fixture
def broker(private_redis) -> str:
    """The URL of a private Redis, running."""
    return private_redis.start().url
