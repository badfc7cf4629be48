"""A database connection that drops, or a session table that cannot be read, while the session
middleware loads the session: the 503 page (JSON on the API), never a 500.

The session is loaded by middleware, outside any view, where ``process_exception`` does not
reach (issue #14: seen under load with ``pg_terminate_backend``). On PostgreSQL the test's own
connection is terminated from a second one, as an administrator or a failover would; on SQLite
the session table is renamed away for the request.
"""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kneeapp.models import UserSession
from tests.reliability.harness import terminate_backend

MESSAGE = "We could not save this just now, so nothing was changed."


@contextmanager
def session_store_lost():
    """The next query of this connection fails as a dropped or broken database would."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        terminate_backend(pid)
        try:
            yield
        finally:
            # What the end of every request does in production (the test client leaves it
            # out): a connection that failed is closed, and the next query opens a new one.
            connection.close_if_unusable_or_obsolete()
    else:
        table = UserSession._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_away"')
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'ALTER TABLE "{table}_away" RENAME TO "{table}"')


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("url", "json"), [("diary:today", False), ("api-export", True)])
def test_a_session_that_cannot_be_loaded_is_the_503_page(patient, url, json):
    client = Client(raise_request_exception=False)
    client.force_login(patient)
    with session_store_lost():
        response = client.get(reverse(url))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    if json:
        assert response.json()["detail"].startswith(MESSAGE)
    else:
        assert MESSAGE in response.content.decode()
    # Once the database answers again, the same session works: nothing was lost.
    assert client.get(reverse(url)).status_code == 200


@pytest.mark.django_db
def test_any_other_error_in_a_middleware_is_still_a_plain_500(patient, monkeypatch):
    from kneeapp import middleware

    def broken(self, request):
        raise RuntimeError("a bug, not the database")

    monkeypatch.setattr(middleware.SessionTimeoutMiddleware, "__call__", broken)
    response = Client(raise_request_exception=False).get(reverse("home"))
    assert response.status_code == 500 and MESSAGE not in response.content.decode()
