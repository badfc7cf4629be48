"""Sessions read from the cache, the user fetched with their session's row (kneeapp/sessions.py).

The cache here is the test settings' own (this process's memory, or Redis when REDIS_URL is
set); the real Redis stopped and paused is in tests/reliability/test_session_cache_down.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kneeapp.models import UserSession

pytestmark = pytest.mark.django_db


def queries_of_a_page(client) -> list[str]:
    client.get(reverse("diary:today"))  # the session's copy is now in the cache
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("diary:today")).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_signed_in_request_reads_the_session_from_the_cache_and_asks_for_the_user_once(
    client, patient
):
    client.force_login(patient)
    queries = queries_of_a_page(client)
    about_sessions = [sql for sql in queries if "kneeapp_usersession" in sql]
    # One query for the user, their consent and their session's row, joined; the session
    # itself is not read from the database.
    assert len(about_sessions) == 1, about_sessions
    assert "kneeapp_user" in about_sessions[0] and "kneeapp_consent" in about_sessions[0]
    assert not [sql for sql in queries if "kneeapp_consent" in sql and sql not in about_sessions]


def test_a_copy_in_the_cache_signs_no_one_in_once_its_row_is_gone(client, patient):
    client.force_login(patient)
    assert client.get(reverse("profile")).status_code == 200
    UserSession.objects.filter(user=patient).delete()  # as "sign out everywhere" does

    response = client.get(reverse("profile"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_copy_in_the_cache_signs_no_one_in_once_the_row_has_expired(client, patient):
    from django.utils import timezone

    client.force_login(patient)
    assert client.get(reverse("profile")).status_code == 200
    UserSession.objects.filter(user=patient).update(expire_date=timezone.now())

    assert client.get(reverse("profile")).status_code == 302


def test_a_second_patients_session_key_is_not_the_first_patients(client, patient, other_patient):
    client.force_login(patient)
    client.get(reverse("profile"))
    theirs = UserSession.objects.get(user=patient).session_key
    # A row of the other patient's under the same key cannot exist; the join is by owner too.
    UserSession.objects.filter(session_key=theirs).update(user=other_patient)

    assert client.get(reverse("profile")).status_code == 302


def test_the_signed_in_users_query_is_compiled_once_and_answers_as_the_orm_does(
    client, patient, other_patient
):
    from django.utils import timezone

    from kneeapp.signin import session_user_query, signed_in_user

    client.force_login(patient)
    key = UserSession.objects.get(user=patient).session_key
    prepared = session_user_query()
    assert prepared.compiled("default", connection) is not None  # not the ORM's fallback
    now = timezone.now()
    for pk, session_key in [(patient.pk, key), (other_patient.pk, key), (patient.pk, "x" * 32)]:
        expected = signed_in_user(pk, session_key, now).first()
        found = prepared.first(pk=pk, session_key=session_key, now=now)
        assert found == expected
        if found is not None:
            assert found.has_current_consent == expected.has_current_consent
            assert found.get_session_auth_hash() == expected.get_session_auth_hash()
            assert found.is_active and found.email == patient.email
    later = UserSession.objects.get(pk=key).expire_date
    assert prepared.first(pk=patient.pk, session_key=key, now=later) is None
