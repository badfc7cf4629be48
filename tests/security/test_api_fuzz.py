"""Schemathesis against the OpenAPI schema at /api/schema/, in-process on the WSGI app.

Every operation is called with inputs that fit the schema and with inputs that break it
(wrong types, missing fields, odd strings), anonymously and as a signed-in patient with a
real session cookie and CSRF token. Each response must be no server error, carry a status
code the schema documents, with the documented content type and body shape.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from kneeapp.wsgi import application
from tests.security.fuzz_data import keeping_the_test_connection, make_patient, session_of

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": 20},
        # A client that takes no gzip: the in-process transport does not unpack it.
        "headers": {"Accept-Encoding": "identity"},
        "checks": {
            # A schema cannot say "not in the future", "a stretch of your own plan" or "a
            # known time zone", so schema-valid input is rightly refused with 400 at times.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
# The database is one transaction per test, shared by its examples, and the data made by
# the fixtures is meant to be shared by them: reading it is what the examples are for.
EXAMPLES = settings(suppress_health_check=list(HealthCheck), deadline=None)


@pytest.fixture(autouse=True)
def _in_process(db):
    with keeping_the_test_connection():
        yield


class PatientSession:
    """Schemathesis auth: the signed-in patient's session cookie and CSRF token."""

    current: dict = {}

    def get(self, case, context):
        return self.current or None

    def set(self, case, data, context):
        case.cookies = {**(case.cookies or {}), **data["cookies"]}
        case.headers = {**(case.headers or {}), **data["headers"]}


@pytest.fixture
def signed_in_patient(db):
    patient = make_patient()
    PatientSession.current = session_of(patient)
    yield patient
    PatientSession.current = {}


@schema.parametrize()
@EXAMPLES
def test_anonymous_requests_get_documented_answers(case):
    case.call_and_validate()


@schema.auth(PatientSession, refresh_interval=None)
@schema.parametrize()
@EXAMPLES
def test_a_patients_requests_get_documented_answers(case, signed_in_patient):
    case.call_and_validate()


@pytest.fixture
def patient_without_consent(db):
    """A patient asked to agree to a new consent text: the API refuses before any view."""
    patient = make_patient()
    patient.consents.all().delete()
    PatientSession.current = session_of(patient)
    yield patient
    PatientSession.current = {}


@schema.auth(PatientSession, refresh_interval=None)
@schema.parametrize()
@EXAMPLES
def test_a_patient_without_consent_gets_documented_answers(case, patient_without_consent):
    case.call_and_validate()
