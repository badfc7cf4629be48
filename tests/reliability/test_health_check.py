"""The database health check (kneeapp/postgresql/base.py): a kept connection that the server
closed is opened again before the request's first query, and a healthy one costs no round
trip. PostgreSQL only: the backend is PostgreSQL's."""

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base

from tests.reliability.harness import terminate_backend

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's backend (the CI's second run)"
    ),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request_starts():
    """What Django does between requests: the check runs again before the next first query."""
    connection.health_check_enabled = True
    connection.close_if_unusable_or_obsolete()
    connection.close_if_health_check_failed()


def asked_select_1(monkeypatch) -> list:
    asked = []
    original = base.DatabaseWrapper.is_usable

    def spy(self):
        asked.append(True)
        return original(self)

    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", spy)
    return asked


def test_the_backend_is_ours():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert type(connections["default"]).__module__ == "kneeapp.postgresql.base"


def test_a_healthy_connection_is_kept_without_a_round_trip(monkeypatch):
    pid = backend_pid()
    asked = asked_select_1(monkeypatch)
    next_request_starts()
    assert connection.connection is not None
    assert asked == []  # the socket was quiet: no SELECT 1
    assert backend_pid() == pid  # the same server process: the connection was kept


def test_a_connection_the_server_ended_is_opened_again_before_the_first_query(monkeypatch):
    pid = backend_pid()
    terminate_backend(pid)
    asked = asked_select_1(monkeypatch)
    next_request_starts()
    assert asked == [True]  # the server's goodbye waited on the socket: SELECT 1 decided
    new_pid = backend_pid()  # the request's first query works, on a new connection
    assert new_pid != pid


def test_inside_a_transaction_the_check_asks_the_server(monkeypatch):
    from django.db import transaction

    asked = asked_select_1(monkeypatch)
    with transaction.atomic():
        backend_pid()
        assert connection.is_usable()
    assert asked == [True]
