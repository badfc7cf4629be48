"""Health data is never kept in the browser's HTTP cache (a shared phone's Back button)."""

import uuid

import pytest
from django.utils import timezone

from diary.models import DiaryEntry

pytestmark = pytest.mark.django_db

PRIVATE = [
    "/diary/", "/diary/history/", "/diary/report/", "/diary/report.csv", "/diary/chart/",
    "/diary/consult/", "/api/v1/me/fhir/",
    "/plan/", "/account/", "/api/v1/me/export/", "/api/v1/plan/", "/api/v1/preferences/",
]  # fmt: skip


@pytest.mark.parametrize("url", PRIVATE)
def test_every_page_with_health_data_says_no_store(patient_client, url):
    response = patient_client.get(url)
    assert response.status_code == 200, url
    assert "no-store" in response["Cache-Control"]


def test_a_diary_entry_and_a_saved_result_say_no_store(patient, patient_client):
    from triage.engine import assess
    from triage.knowledge import load_knowledge
    from triage.models import Assessment

    saved = Assessment.objects.record(assess(load_knowledge(), {}), {}, user=patient)[0]
    entry = DiaryEntry.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        date="2026-12-01",
        pain=3,
        client_updated_at=timezone.now(),
    )
    for url in (f"/triage/assessments/{saved.pk}/", f"/diary/{entry.pk}/"):
        assert "no-store" in patient_client.get(url)["Cache-Control"], url


def test_public_files_keep_their_own_caching(anonymous_client, patient_client):
    assert "no-store" not in anonymous_client.get("/").get("Cache-Control", "")
    assert "public" in patient_client.get("/api/v1/triage/knowledge/")["Cache-Control"]
    assert "no-store" not in patient_client.get("/sw.js")["Cache-Control"]
