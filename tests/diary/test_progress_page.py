"""The progress page without JavaScript: the PSFS as a plain form, and the charts, whose
numbers are the summary's."""

import datetime as dt
import re
import uuid

import pytest

from diary import progress_chart
from diary.models import DiaryEntry, PsfsActivity, PsfsAssessment
from diary.progress import Change, weekly_pain
from diary.progress_chart import weekly_pain_chart

pytestmark = pytest.mark.django_db
URL = "/diary/progress/"
MOMENT = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def answers(**fields) -> dict:
    data = {"id": str(uuid.uuid4())}
    return data | fields


def test_first_time_the_patient_names_and_rates_activities(patient, patient_client):
    page = patient_client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="name_0"' in text and 'name="name_2"' in text
    assert 'name="score_0"' in text
    assert "No activities rated yet." in text
    response = patient_client.post(
        URL,
        answers(
            date=patient.today().isoformat(),
            name_0="Stairs",
            score_0="3",
            name_1="Kneeling",
            score_1="6",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == URL
    assessment = PsfsAssessment.objects.get(patient=patient)
    assert assessment.average == 4.5
    assert "Rated once: 4.5 out of 10." in patient_client.get(URL).content.decode()


def test_later_the_same_activities_are_offered_again_and_may_be_renamed(patient, patient_client):
    PsfsAssessment.objects.record(
        patient, uuid.uuid4(), dt.date(2026, 11, 1), [{"name": "Stairs", "score": 3}], MOMENT
    )
    stairs = PsfsActivity.objects.get(patient=patient)
    text = patient_client.get(URL).content.decode()
    assert 'value="Stairs"' in text
    assert f'value="{stairs.pk}"' in text
    response = patient_client.post(
        URL,
        answers(
            date=patient.today().isoformat(),
            activity_0=str(stairs.pk),
            name_0="Stairs going down",
            score_0="7",
            name_1="Squatting",
            score_1="2",
        ),
    )
    assert response.status_code == 302
    stairs.refresh_from_db()
    assert stairs.name == "Stairs going down"
    assert PsfsActivity.objects.filter(patient=patient).count() == 2
    text = patient_client.get(URL).content.decode()
    assert "Stairs going down: 3 → 7 out of 10" in text


@pytest.mark.parametrize(
    ("fields", "error_field", "message"),
    [
        ({}, "name_0", "Name at least one activity and rate it."),
        ({"name_0": "Stairs"}, "score_0", "Choose a number from 0 to 10."),
        ({"score_1": "4"}, "name_1", "Say which activity this is."),
        ({"name_0": "Stairs", "score_0": "11"}, "score_0", "Select a valid choice."),
        ({"name_0": "x" * 81, "score_0": "3"}, "name_0", "at most 80 characters"),
    ],
)
def test_a_bad_form_comes_back_with_the_error_at_its_field(
    patient, patient_client, fields, error_field, message
):
    response = patient_client.post(URL, answers(date=patient.today().isoformat(), **fields))
    assert response.status_code == 400
    text = response.content.decode()
    assert f'id="{error_field}-errors"' in text
    assert message in text
    assert not PsfsAssessment.objects.exists()


def test_the_same_form_posted_twice_is_kept_once(patient, patient_client):
    data = answers(date=patient.today().isoformat(), name_0="Stairs", score_0="3")
    patient_client.post(URL, data)
    patient_client.post(URL, data)
    assert PsfsAssessment.objects.count() == 1


def test_another_patients_assessment_id_is_not_overwritten(
    patient, other_patient, other_patient_client
):
    assessment_id = uuid.uuid4()
    PsfsAssessment.objects.record(
        patient, assessment_id, dt.date(2026, 11, 1), [{"name": "Stairs", "score": 3}], MOMENT
    )
    response = other_patient_client.post(
        URL,
        {
            "id": str(assessment_id),
            "date": other_patient.today().isoformat(),
            "name_0": "Running",
            "score_0": "9",
        },
    )
    assert response.status_code == 400
    assert PsfsAssessment.objects.get().patient == patient
    assert "Stairs" not in other_patient_client.get(URL).content.decode()


def test_anonymous_is_sent_to_sign_in(anonymous_client):
    response = anonymous_client.get(URL)
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_chart_numbers_are_the_summary_numbers(patient):
    today = patient.today()
    for offset, pain in enumerate([7, 6, 8, 5, 5, 4, 3, 3, 2, 4, 2, 1]):
        DiaryEntry.objects.create(
            patient=patient,
            date=today - dt.timedelta(days=3 * offset),
            pain=pain,
            client_updated_at=MOMENT,
        )
    summaries = [week for week in weekly_pain(patient) if week.days]
    chart = weekly_pain_chart(patient)
    by_name = {series.name: series for series in chart.series}
    assert [(p.date, p.value) for p in by_name["average"].points] == [
        (w.start, w.average) for w in summaries
    ]
    assert [(p.date, p.value) for p in by_name["worst"].points] == [
        (w.start, w.worst) for w in summaries
    ]
    # The band is the minimal clinically important difference around the first week.
    assert chart.band.baseline == summaries[0].average
    assert chart.band.high - chart.band.low == pytest.approx(
        min(10, summaries[0].average + 2) - max(0, summaries[0].average - 2)
    )
    # And the rendered SVG carries the same numbers.
    svg = progress_chart.render(chart, "weekly")
    shown = re.findall(r'data-series="average" data-date="([\d-]+)" data-value="([\d.]+)"', svg)
    assert shown == [(w.start.isoformat(), f"{w.average:g}") for w in summaries]
    assert 'class="chart-band"' in svg


def test_the_psfs_chart_draws_each_assessments_average_with_the_band(patient):
    for day, score in ((dt.date(2026, 10, 1), 2), (dt.date(2026, 10, 15), 5)):
        PsfsAssessment.objects.record(
            patient, uuid.uuid4(), day, [{"name": "Stairs", "score": score}], MOMENT
        )
    chart = progress_chart.psfs_chart(patient)
    [series] = chart.series
    assert [(p.date, p.value) for p in series.points] == [
        (dt.date(2026, 10, 1), 2.0),
        (dt.date(2026, 10, 15), 5.0),
    ]
    assert (chart.band.low, chart.band.high) == (0.0, 4.0)
    assert "a real improvement" in chart.summary


@pytest.mark.parametrize(
    ("first", "latest", "higher_is_better", "words"),
    [
        (3.3, 1.3, False, "a real improvement"),  # 1.3 - 3.3 is -1.9999999999999998 in floats
        (1.3, 3.3, False, "a real worsening"),
        (4.2, 5.9, True, "a change smaller than 2 points"),
        (2.0, 4.0, True, "a real improvement"),
    ],
)
def test_a_change_that_matters_is_the_same_for_the_chart_and_the_consult_pack(
    first, latest, higher_is_better, words
):
    change = Change(first, latest, 2)
    assert change.words(better_is_higher=higher_is_better) == words
    assert change.important == (words != "a change smaller than 2 points")


def test_the_physio_sees_both_charts_on_the_patients_page(patient, physiotherapist_client):
    PsfsAssessment.objects.record(
        patient, uuid.uuid4(), dt.date(2026, 11, 1), [{"name": "Stairs", "score": 3}], MOMENT
    )
    page = physiotherapist_client.get(f"/admin/kneeapp/user/{patient.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-chart="weekly-pain"' in text
    assert 'data-chart="psfs"' in text
    assert "Stairs" in text
