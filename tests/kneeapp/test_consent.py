"""Consent to processing health data (issue #14): asked at sign-up, kept by version, asked
again when the text changes, and withdrawn from the account page with what that entails."""

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from diary.models import DiaryEntry
from kneeapp import consent
from kneeapp.models import Consent, User
from reminders import dispatch
from reminders.models import Delivery, Kind, Status, StretchPlan
from tests.conftest import PASSWORD, make_person, signed_in
from tests.diary.conftest import body as entry_body
from tests.diary.conftest import put
from tests.reminders.conftest import at, make_plan, set_next_runs
from triage.models import Assessment

pytestmark = pytest.mark.django_db

CONSENT_URL = "/account/consent/"


def sign_up(client, **changes):
    data = {
        "email": "new@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "time_zone": "Europe/Berlin",
        "consent": "on",
        "consent_version": consent.CURRENT_VERSION,
    }
    data.update(changes)
    return client.post(reverse("signup"), {k: v for k, v in data.items() if v is not None})


def agree(client, **extra):
    data = {"action": "agree", "consent_version": consent.CURRENT_VERSION, **extra}
    return client.post(CONSENT_URL, data)


def withdraw(client):
    return client.post(CONSENT_URL, {"action": "withdraw"})


@pytest.fixture
def new_text(monkeypatch):
    """A second version of the consent text, in force from now on."""
    monkeypatch.setitem(consent.TEXTS, "2099-01-01", "A new text about your data.")
    monkeypatch.setattr(consent, "CURRENT_VERSION", "2099-01-01")
    return "2099-01-01"


@pytest.fixture
def unasked(physiotherapist):
    """An account from before consent was asked for: no consent row at all."""
    return make_person("unasked@test.example", physiotherapist=physiotherapist, consented=False)


@pytest.fixture
def unasked_client(unasked) -> Client:
    return signed_in(unasked)


# --- sign-up -------------------------------------------------------------------------------
def test_sign_up_shows_the_text_and_an_unticked_box(anonymous_client):
    page = anonymous_client.get(reverse("signup")).content.decode()
    assert consent.paragraphs()[0] in page
    assert 'name="consent"' in page and "checked" not in page.split('name="consent"')[1][:80]
    assert "999" in page and "112" in page  # not for emergencies


def test_sign_up_without_the_box_is_refused_naming_the_field(anonymous_client):
    response = sign_up(anonymous_client, consent=None)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["consent"]
    assert not User.objects.filter(email="new@example.com").exists()
    assert not Consent.objects.exists()


def test_sign_up_records_the_version_and_the_time(anonymous_client):
    before = timezone.now()
    assert sign_up(anonymous_client).status_code == 302
    user = User.objects.get(email="new@example.com")
    row = user.consents.get()
    assert row.version == consent.CURRENT_VERSION
    assert before <= row.given_at <= timezone.now()
    assert row.withdrawn_at is None
    assert anonymous_client.get(reverse("diary:today")).status_code == 200  # not asked again


def test_a_sign_up_page_from_before_a_new_text_is_refused(anonymous_client, new_text):
    response = sign_up(anonymous_client, consent_version="2026-12-03")
    assert response.status_code == 200
    assert "consent_version" in response.context["form"].errors
    assert not User.objects.exists()


def test_no_account_is_left_without_its_consent_row(anonymous_client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the consent row could not be written")

    monkeypatch.setattr(type(Consent.objects), "give", broken)
    with pytest.raises(RuntimeError):
        sign_up(anonymous_client)
    assert not User.objects.filter(email="new@example.com").exists()


# --- asked at the next request --------------------------------------------------------------
def test_an_existing_account_is_sent_to_the_consent_page_and_back(unasked_client):
    response = unasked_client.get("/diary/history/?page=2")
    assert response.status_code == 302
    assert response["Location"] == f"{CONSENT_URL}?next=%2Fdiary%2Fhistory%2F%3Fpage%3D2"
    page = unasked_client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["next"] == "/diary/history/?page=2"
    assert 'data-consent-state="none"' in page.content.decode()


def test_the_api_answers_403_consent_required_and_saves_nothing(unasked_client, unasked):
    response = unasked_client.get(reverse("api-plan"))
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert response.json()["detail"]
    entry_id = uuid.uuid4()
    assert put(unasked_client, entry_id, entry_body()).status_code == 403
    posted = unasked_client.post(
        reverse("triage-api:assessments"),
        json.dumps({"answers": {"heard_pop": True}, "id": str(uuid.uuid4())}),
        content_type="application/json",
    )
    assert posted.status_code == 403 and posted.json()["code"] == "consent_required"
    assert not DiaryEntry.objects.filter(patient=unasked).exists()
    assert not Assessment.objects.filter(user=unasked).exists()


def test_an_htmx_request_sends_the_whole_page_to_the_consent_page(unasked_client):
    response = unasked_client.get(reverse("diary:chart"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(CONSENT_URL)


@pytest.mark.parametrize(
    "url", ["/health/", "/manifest.webmanifest", "/sw.js", "/offline/", "/account/delete/"]
)
def test_what_a_patient_without_consent_may_still_open(unasked_client, url):
    assert unasked_client.get(url).status_code == 200


def test_a_patient_without_consent_may_download_their_data_and_sign_out(unasked_client):
    assert unasked_client.get(reverse("api-export")).status_code == 200
    assert unasked_client.post(reverse("logout")).status_code == 302
    assert unasked_client.get(reverse("profile")).status_code == 302  # signed out now


def test_agreeing_lets_them_through_and_back_where_they_were(unasked_client, unasked):
    response = agree(unasked_client, next="/diary/chart/")
    assert response.status_code == 302 and response["Location"] == "/diary/chart/"
    assert unasked.consents.get().version == consent.CURRENT_VERSION
    assert unasked_client.get(reverse("diary:chart")).status_code == 200
    assert put(unasked_client, uuid.uuid4(), entry_body()).status_code in (200, 201)
    assert DiaryEntry.objects.filter(patient=unasked).count() == 1


def test_agreeing_twice_keeps_one_row(unasked_client, unasked):
    agree(unasked_client)
    agree(unasked_client)
    assert unasked.consents.count() == 1


def test_agreeing_never_sends_them_to_another_site(unasked_client):
    response = agree(unasked_client, next="https://evil.example/")
    assert response["Location"] == "/"


def test_a_new_version_of_the_text_asks_again(patient_client, patient, new_text):
    assert patient_client.get(reverse("diary:today"))["Location"].startswith(CONSENT_URL)
    assert patient_client.get(reverse("api-plan")).json()["code"] == "consent_required"
    page = patient_client.get(CONSENT_URL).content.decode()
    assert "A new text about your data." in page
    assert 'data-consent-state="changed"' in page
    agree(patient_client)
    assert sorted(patient.consents.values_list("version", flat=True)) == ["2026-12-03", new_text]
    assert patient_client.get(reverse("diary:today")).status_code == 200


def test_a_consent_page_left_open_over_a_new_text_cannot_agree_to_it(unasked_client, new_text):
    response = unasked_client.post(CONSENT_URL, {"action": "agree", "consent_version": "old"})
    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_the_account_page_says_the_version_and_date(patient_client, patient):
    given = patient.consents.get().given_at.astimezone(patient.zone)
    page = patient_client.get(reverse("profile")).content.decode()
    # Both in the locale's date style (#16.7), the time on the 24-hour clock.
    assert date_format(consent.version_date(consent.CURRENT_VERSION), "DATE_FORMAT") in page
    assert date_format(given, "DATETIME_FORMAT") in page and given.strftime("%H:%M") in page
    assert f'href="{CONSENT_URL}"' in page


def test_the_middleware_asks_the_database_once_per_request(patient_client):
    with CaptureQueriesContext(connection) as queries:
        assert patient_client.get(reverse("diary:today")).status_code == 200
    consent_queries = [q["sql"] for q in queries if "kneeapp_consent" in q["sql"]]
    assert len(consent_queries) == 1


# --- withdrawal -----------------------------------------------------------------------------
def test_withdrawing_is_recorded_and_offers_export_and_deletion(patient_client, patient):
    response = withdraw(patient_client)
    assert response.status_code == 302 and response["Location"] == CONSENT_URL
    row = patient.consents.get()
    assert row.withdrawn_at is not None and row.withdrawn_at >= row.given_at
    page = patient_client.get(CONSENT_URL).content.decode()
    assert 'data-consent-state="withdrawn"' in page
    assert reverse("export_data") in page and reverse("delete_account") in page
    # Nothing else until they agree again.
    assert patient_client.get(reverse("diary:today"))["Location"].startswith(CONSENT_URL)
    assert patient_client.get(reverse("api-export")).status_code == 200


def test_withdrawing_stops_the_reminders(patient_client, patient, other_patient):
    plan = make_plan(patient, patient.physiotherapist)
    other_plan = make_plan(other_patient, other_patient.physiotherapist)
    patient.remind_by_push = True
    patient.save()
    waiting = Delivery.objects.create(
        patient=patient,
        kind=Kind.STRETCH,
        schedule=plan.schedules.first(),
        slot=at("2026-06-01 06:00"),
        channel="email",
    )
    withdraw(patient_client)
    patient.refresh_from_db()
    assert not patient.remind_by_email and not patient.remind_by_push
    waiting.refresh_from_db()
    assert waiting.status == Status.SKIPPED and waiting.error == "consent withdrawn"
    set_next_runs(plan, at("2026-06-01 06:00"))
    set_next_runs(other_plan, at("2026-06-01 06:00"))
    dispatch.dispatch_due(at("2026-06-01 07:00"))  # 08:00 in London
    dispatch.dispatch_due(at("2026-06-01 12:00"))  # 08:00 in New York
    assert list(Delivery.objects.filter(patient=patient)) == [waiting]
    theirs = Delivery.objects.filter(patient=other_patient).values_list("status", flat=True)
    assert list(theirs) == [Status.QUEUED]  # the other patient's still go


def test_withdrawing_hides_the_patient_from_their_physiotherapist(
    patient_client, patient, physiotherapist_client, administrator_client
):
    plan = make_plan(patient, patient.physiotherapist)
    own = [
        reverse("admin:kneeapp_user_change", args=[patient.pk]),
        reverse("admin:reminders_stretchplan_change", args=[plan.pk]),
    ]
    for url in own:
        assert physiotherapist_client.get(url).status_code == 200
    withdraw(patient_client)
    for url in own:
        response = physiotherapist_client.get(url)
        # The admin's "not found": back to its index, nothing of the patient shown.
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")
        assert administrator_client.get(url).status_code == 200
    users = physiotherapist_client.get(reverse("admin:kneeapp_user_changelist"))
    assert users.context["cl"].result_count == 0
    plans = physiotherapist_client.get(reverse("admin:reminders_stretchplan_changelist"))
    assert plans.context["cl"].result_count == 0
    assert not StretchPlan.objects.managed_by(patient.physiotherapist).exists()
    add = physiotherapist_client.get(reverse("admin:reminders_stretchplan_add"))
    assert patient.email not in add.content.decode()
    # Agreeing again shares again.
    agree(patient_client)
    assert physiotherapist_client.get(own[0]).status_code == 200


def test_an_account_never_asked_stays_with_its_physiotherapist(unasked, physiotherapist):
    assert list(User.objects.patients_of(physiotherapist)) == [unasked]


# --- whose consent --------------------------------------------------------------------------
def test_a_patient_sees_and_changes_only_their_own_consent(
    patient_client, patient, other_patient_client, other_patient
):
    withdraw(other_patient_client)
    assert patient.consents.get().withdrawn_at is None
    assert other_patient.consents.get().withdrawn_at is not None
    page = patient_client.get(CONSENT_URL)
    assert page.context["latest"].patient == patient
    assert 'data-consent-state="current"' in page.content.decode()
    assert other_patient.email not in page.content.decode()


def test_an_anonymous_visitor_can_neither_see_nor_change_a_consent(anonymous_client, patient):
    assert anonymous_client.get(CONSENT_URL)["Location"].startswith(reverse("login"))
    response = anonymous_client.post(CONSENT_URL, {"action": "withdraw"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert patient.consents.get().withdrawn_at is None


@pytest.mark.parametrize("persona", ["physiotherapist", "administrator"])
def test_staff_are_never_asked(request, persona):
    client = request.getfixturevalue(f"{persona}_client")
    assert not request.getfixturevalue(persona).consents.exists()
    assert client.get(reverse("diary:today")).status_code == 200
    assert client.get(reverse("api-plan")).status_code == 200
    assert client.get(CONSENT_URL).status_code == 200
    assert client.post(CONSENT_URL, {"action": "agree"}).status_code == 403
    assert client.post(CONSENT_URL, {"action": "withdraw"}).status_code == 403


# --- the data -------------------------------------------------------------------------------
def test_the_export_holds_every_consent_row(patient_client, patient):
    withdraw(patient_client)
    agree(patient_client)
    rows = patient_client.get(reverse("api-export")).json()["data"]["kneeapp.Consent"]
    assert [row["version"] for row in rows] == [consent.CURRENT_VERSION] * 2
    assert rows[0]["withdrawn_at"] and rows[1]["withdrawn_at"] is None
    assert dt.datetime.fromisoformat(rows[0]["given_at"]) <= dt.datetime.fromisoformat(
        rows[1]["given_at"]
    )


def test_deleting_the_account_deletes_its_consent_rows(patient_client, patient):
    response = patient_client.post(
        reverse("delete_account"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    assert not Consent.objects.filter(patient_id=patient.pk).exists()


def test_the_api_schema_documents_the_consent_refusal_on_every_operation(anonymous_client):
    schema = anonymous_client.get(reverse("api-schema"), {"format": "json"}).json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations
    for operation in operations:
        assert "consent_required" in operation["responses"]["403"]["description"]
    refusal = schema["components"]["schemas"]["Refusal"]["properties"]
    assert "consent_required" in refusal["code"]["description"]
