"""Issue #12: the patient's page in the admin shows what they recorded, read-only: a pain chart
with axes, the diary with notes and warning signs, and the symptom checker's results; to their
own physiotherapist and administrators only.
"""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from diary import red_flags
from diary.models import DiaryEntry
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(patient):
    today = patient.today()
    for days_ago, pain, notes, flags in (
        (2, 6, "Calf <b>tight</b> after the bus", []),
        (1, 7, "Calf swollen and warm", ["calf_swelling"]),
    ):
        DiaryEntry.objects.create(
            id=uuid.uuid4(),
            patient=patient,
            date=today - dt.timedelta(days=days_ago),
            pain=pain,
            notes=notes,
            red_flags=flags,
            client_updated_at=timezone.now(),
        )
    answers = {"calf_swelling": True}
    Assessment.objects.record(assess(load_knowledge(), answers), answers, user=patient)
    return patient


def page_of(client, patient) -> str:
    response = client.get(reverse("admin:kneeapp_user_change", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["physiotherapist_client", "administrator_client"])
def test_the_patients_page_shows_diary_notes_warning_signs_and_results(request, recorded, who):
    page = page_of(request.getfixturevalue(who), recorded)
    assert "What the patient recorded" in page
    assert "Calf swollen and warm" in page
    assert "Calf &lt;b&gt;tight&lt;/b&gt;" in page  # notes are shown as text, never as HTML
    assert "7/10" in page and "<polyline" in page
    # The chart has its axes: pain 0, 5 and 10, and the first and last day.
    assert page.count('class="chart-label"') >= 5
    [sign] = red_flags.labels(["calf_swelling"])  # the diary's words for the ticked sign
    assert f"<strong>{escape(sign)}</strong>" in page


def test_another_physiotherapist_sees_none_of_it(other_physiotherapist_client, recorded):
    url = reverse("admin:kneeapp_user_change", args=[recorded.pk])
    response = other_physiotherapist_client.get(url)
    assert response.status_code == 302  # the admin's "not found"
    assert "Calf swollen" not in response.content.decode()


def test_a_staff_accounts_page_has_no_patient_record(administrator_client, physiotherapist):
    page = page_of(administrator_client, physiotherapist)
    assert "What the patient recorded" not in page


def test_an_empty_record_says_so(physiotherapist_client, patient):
    page = page_of(physiotherapist_client, patient)
    assert "No diary entries yet." in page and "No saved results." in page
