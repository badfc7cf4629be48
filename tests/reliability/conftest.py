"""Fixtures for the fault tests: see processes.py."""

import os

import pytest
import redis

from tests.reliability.processes import App, PrivateRedis, migrated_template

SHARED_REDIS = "redis://127.0.0.1:6379/13"  # a database number no other test uses

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
def app_template(tmp_path_factory):
    return migrated_template(tmp_path_factory.mktemp("app-template"))


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
def shared_redis():
    client = redis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {SHARED_REDIS}")
        pytest.skip(f"no Redis at {SHARED_REDIS} (CI runs this test)")
    client.flushdb()
    yield SHARED_REDIS
    client.flushdb()


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    yield server
    server.kill()
