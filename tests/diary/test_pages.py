"""The diary pages as plain HTML forms (no JavaScript): today, entry, edit, delete, history."""

import uuid

import pytest
from django.db import IntegrityError, connections, transaction

from diary import summaries
from diary.models import DiaryEntry
from tests.diary.conftest import make_entries

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    data = {
        "id": str(uuid.uuid4()),
        "date": "2026-01-10",
        "pain": "6",
        "swelling": "moderate",
        "stiffness": "on",
        "walked_normally": "on",
        "notes": "Long walk.",
    }
    data.update(changes)
    return data


def test_a_stranger_is_sent_to_sign_in(anonymous_client):
    response = anonymous_client.get("/diary/")
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_the_entry_form_offers_every_quick_choice(patient_client):
    html = patient_client.get("/diary/").content.decode()
    for name in ("pain", "swelling", "stiffness", "walked_normally", "rice", "pain_relief"):
        assert f'name="{name}"' in html
    for flag in ("calf_swelling", "foot_cold_or_numb", "breathless", "cannot_bear_weight"):
        assert f'value="{flag}"' in html
    assert 'value="fever"' not in html  # not a warning sign on its own any more
    assert "<legend>" in html
    assert 'name="stretches_done"' not in html  # no plan: no stretches to tick


def test_posting_the_form_saves_an_entry_and_shows_it(patient_client, patient):
    data = form_data()
    response = patient_client.post("/diary/", data, follow=True)
    entry = DiaryEntry.objects.get(pk=data["id"])
    assert (entry.patient, entry.pain, entry.swelling, entry.stiffness) == (
        patient,
        6,
        "moderate",
        True,
    )
    assert (entry.rice, entry.walked_normally) == (False, True)
    assert response.redirect_chain[-1][0] == f"/diary/{entry.pk}/"
    assert "Long walk." in response.content.decode()


def test_posting_the_same_form_twice_saves_one_entry(patient_client):
    data = form_data()
    patient_client.post("/diary/", data)
    patient_client.post("/diary/", data)
    assert DiaryEntry.objects.count() == 1


def test_a_bad_form_comes_back_with_errors_linked_to_fields_and_saves_nothing(patient_client):
    response = patient_client.post("/diary/", form_data(pain="12", date="2999-01-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-describedby="pain-errors"' in html
    assert 'id="date-errors"' in html
    assert not DiaryEntry.objects.exists()


@pytest.mark.parametrize(
    ("flag", "advice"),
    [("chest_pain", "Call an emergency number now"), ("calf_swelling", "medical help today")],
)
def test_a_ticked_warning_sign_shows_its_advice_on_the_saved_page(patient_client, flag, advice):
    response = patient_client.post("/diary/", form_data(red_flags=[flag]), follow=True)
    html = response.content.decode()
    assert advice in html
    assert 'role="alert"' in html


def test_emergency_advice_uses_the_configured_number(patient_client, settings):
    settings.EMERGENCY_PHONE_NUMBER = "112"
    response = patient_client.post("/diary/", form_data(red_flags=["breathless"]), follow=True)
    assert 'href="tel:112"' in response.content.decode()


def test_editing_an_entry_changes_it(patient_client, entry):
    assert patient_client.get(f"/diary/{entry.pk}/edit/").status_code == 200
    patient_client.post(f"/diary/{entry.pk}/edit/", form_data(id=str(entry.pk), pain="1"))
    entry.refresh_from_db()
    assert entry.pain == 1


def test_deleting_an_entry_asks_first_then_removes_it(patient_client, entry):
    assert patient_client.get(f"/diary/{entry.pk}/delete/").status_code == 200
    assert DiaryEntry.objects.exists()
    response = patient_client.post(f"/diary/{entry.pk}/delete/")
    assert response.status_code == 302
    assert not DiaryEntry.objects.exists()


@pytest.mark.parametrize("path", ["/", "/edit/", "/delete/"])
def test_another_patients_entry_pages_answer_404(other_patient_client, entry, path):
    assert other_patient_client.get(f"/diary/{entry.pk}{path}").status_code == 404


def test_another_patient_cannot_post_over_my_entry(other_patient_client, entry):
    other_patient_client.post(f"/diary/{entry.pk}/delete/")
    other_patient_client.post("/diary/", form_data(id=str(entry.pk), pain="10"))
    entry.refresh_from_db()
    assert entry.pain == 4


def test_the_history_shows_only_my_entries(patient_client, patient, other_patient):
    mine = make_entries(patient, 2)
    theirs = make_entries(other_patient, 1)
    html = patient_client.get("/diary/history/").content.decode()
    assert all(str(entry.pk) in html for entry in mine)
    assert str(theirs[0].pk) not in html


def test_the_historys_compiled_queries_answer_what_the_orm_answers(patient, other_patient):
    make_entries(patient, 45)
    make_entries(other_patient, 3)
    DiaryEntry.objects.filter(patient=patient).update(red_flags=["breathless"], notes="<b>")
    for person, expected in ((patient, 45), (other_patient, 3)):
        history = summaries.History(person)
        assert history.count() == expected
        for window in (slice(0, 30), slice(30, 60), slice(2, 3)):
            orm = DiaryEntry.objects.of(person)[window]
            assert [tuple(row) for row in history[window]] == [
                tuple(getattr(entry, field) for field in summaries.Shown._fields) for entry in orm
            ]
    stranger = summaries.History(type("Nobody", (), {"pk": -5})())
    assert stranger.count() == 0 and stranger[0:30] == []
    db = DiaryEntry.objects.db
    for prepared in (summaries._shown(), summaries._counted()):
        assert prepared.compiled(db, connections[db]) is not None  # not the ORM's fallback


@pytest.mark.parametrize("count", [10, 400])
def test_the_history_uses_a_fixed_number_of_queries(
    patient_client, patient, count, django_assert_max_num_queries
):
    entries = make_entries(patient, count)
    DiaryEntry.objects.filter(pk=entries[-1].pk).update(stretches_done=[1])
    # The user, the count, the page's entries, and the plan's stretch names (asked only
    # when a card on the page shows stretches done).
    with django_assert_max_num_queries(4):
        response = patient_client.get("/diary/history/")
    assert response.status_code == 200


def test_the_database_refuses_out_of_range_values(patient, entry):
    for change in ({"pain": 11}, {"swelling": "huge"}, {"notes": "x" * 2001}):
        with pytest.raises(IntegrityError), transaction.atomic():
            DiaryEntry.objects.filter(pk=entry.pk).update(**change)
