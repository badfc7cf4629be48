"""The hot statements as prepared statements (kneeapp/postgresql/base.py, kneeapp/prepared.py):
PostgreSQL holds each once per connection and runs it with each request's values; the answers
are the ORM's; a refusal is still Django's error; a connection opened again prepares them
again; ``DATABASE_PREPARED_STATEMENTS=false`` turns them off. PostgreSQL only."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kneeapp.models import UserSession
from kneeapp.signin import session_user_query, signed_in_user
from tests.reliability.harness import terminate_backend
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import ASSESSMENT_INSERT, Assessment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's backend (the CI's second run)"
    ),
]


def prepared() -> list[str]:
    """The statements this connection's server process holds prepared."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def standing_session(user) -> UserSession:
    return UserSession.objects.create(
        session_key=uuid.uuid4().hex,
        session_data="",
        expire_date=timezone.now() + dt.timedelta(days=1),
        user=user,
    )


def test_the_signed_in_users_query_is_prepared_once_and_answers_as_the_orm(patient, other_patient):
    mine, theirs = standing_session(patient), standing_session(other_patient)
    now = timezone.now()
    for user, session in [(patient, mine), (other_patient, theirs), (patient, theirs)]:
        found = session_user_query().first(pk=user.pk, session_key=session.pk, now=now)
        expected = signed_in_user(user.pk, session.pk, now).first()
        assert found == expected
        if found is not None:
            assert found.has_current_consent == expected.has_current_consent
    assert session_user_query().first(pk=patient.pk, session_key=theirs.pk, now=now) is None
    held = [sql for sql in prepared() if '"kneeapp_usersession"' in sql]
    assert len(held) == 1 and "$1" in held[0]  # one statement, its values bound server-side


def test_a_prepared_insert_refuses_a_taken_id_with_djangos_error(patient):
    answers = {"heard_pop": True}
    result = assess(load_knowledge(), answers)
    taken = uuid.uuid4()
    Assessment.objects.record(result, answers, user=patient, id=taken)
    with CaptureQueriesContext(connection) as queries, pytest.raises(IntegrityError):
        ASSESSMENT_INSERT.insert(
            Assessment(id=taken, answers=answers, result={}, urgency="self_care"), "default"
        )
    assert len(queries) == 1  # counted like any query
    assert any('"triage_assessment"' in sql and "INSERT" in sql for sql in prepared())
    assert Assessment.objects.filter(pk=taken).count() == 1


def test_a_connection_opened_again_prepares_its_statements_again(patient):
    session = standing_session(patient)
    now = timezone.now()
    assert session_user_query().first(pk=patient.pk, session_key=session.pk, now=now) == patient
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        terminate_backend(cursor.fetchone()[0])
    connection.close()  # what the health check does with a connection the server ended
    assert session_user_query().first(pk=patient.pk, session_key=session.pk, now=now) == patient
    assert len([sql for sql in prepared() if '"kneeapp_usersession"' in sql]) == 1


def test_prepared_statements_can_be_turned_off(patient, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "PREPARED_STATEMENTS", False)
    connection.close()
    session = standing_session(patient)
    now = timezone.now()
    assert session_user_query().first(pk=patient.pk, session_key=session.pk, now=now) == patient
    assert prepared() == []
