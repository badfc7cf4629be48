"""Every page answers only the methods it serves: anything else is 405, signed in or not."""

import pytest

pytestmark = pytest.mark.django_db

GET_ONLY = ["/plan/", "/triage/knowledge/", "/diary/history/", "/diary/report/"]


@pytest.mark.parametrize("url", GET_ONLY)
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_a_page_refuses_methods_it_does_not_serve(patient_client, url, method):
    assert getattr(patient_client, method)(url).status_code == 405


def test_a_saved_result_refuses_a_post(patient, patient_client):
    from triage.engine import assess
    from triage.knowledge import load_knowledge
    from triage.models import Assessment

    saved = Assessment.objects.record(assess(load_knowledge(), {}), {}, user=patient)[0]
    assert patient_client.post(f"/triage/assessments/{saved.pk}/").status_code == 405
