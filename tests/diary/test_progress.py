"""Progress measures: the weekly pain summary and the PSFS models and their validation."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction

from diary.models import (
    DiaryEntry,
    Outcome,
    PsfsActivity,
    PsfsAssessment,
    PsfsError,
    PsfsRating,
)
from diary.progress import psfs_changes, psfs_history, weekly_pain

MOMENT = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def diary(patient, day: dt.date, pain: int) -> None:
    DiaryEntry.objects.create(patient=patient, date=day, pain=pain, client_updated_at=MOMENT)


def record(patient, ratings, *, day=dt.date(2026, 11, 20), assessment_id=None, at=MOMENT):
    return PsfsAssessment.objects.record(patient, assessment_id or uuid.uuid4(), day, ratings, at)


def test_weekly_pain_groups_the_patients_local_weeks(patient):
    today = dt.date(2026, 11, 25)  # a Wednesday
    diary(patient, dt.date(2026, 11, 23), 6)  # Monday of this week
    diary(patient, dt.date(2026, 11, 24), 3)
    diary(patient, dt.date(2026, 11, 22), 8)  # Sunday: the week before
    weeks = weekly_pain(patient, weeks=3, today=today)
    assert [week.start for week in weeks] == [
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 23),
    ]
    assert (weeks[0].average, weeks[0].worst, weeks[0].days) == (None, None, 0)
    assert (weeks[1].average, weeks[1].worst, weeks[1].days) == (8.0, 8, 1)
    assert (weeks[2].average, weeks[2].worst, weeks[2].days) == (4.5, 6, 2)
    assert weeks[2].end == dt.date(2026, 11, 29)


def test_weekly_pain_weeks_follow_the_patients_time_zone(patient):
    patient.time_zone = "Pacific/Auckland"
    patient.save()
    # Sunday 23:30 in London is already Monday in Auckland: a new week there.
    now = dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)
    assert patient.today(now) == dt.date(2026, 11, 23)
    diary(patient, dt.date(2026, 11, 23), 4)
    weeks = weekly_pain(patient, weeks=1, today=patient.today(now))
    assert weeks[0].start == dt.date(2026, 11, 23)
    assert weeks[0].days == 1


def test_weekly_pain_defaults_to_twelve_weeks_ending_this_week(patient):
    weeks = weekly_pain(patient)
    assert len(weeks) == 12
    assert weeks[-1].start <= patient.today() <= weeks[-1].end


def test_an_assessment_keeps_up_to_three_activities_and_its_average(patient):
    result = record(patient, [{"name": "Stairs", "score": 3}, {"name": "Squatting", "score": 6}])
    assert result.outcome == Outcome.CREATED
    assert result.entry.average == 4.5
    assert [str(rating) for rating in result.entry.ratings.all()] == [
        "Stairs: 3/10",
        "Squatting: 6/10",
    ]


def test_activities_are_kept_by_name_across_assessments(patient):
    record(patient, [{"name": "Stairs", "score": 3}], day=dt.date(2026, 11, 1))
    record(patient, [{"name": "  stairs ", "score": 6}], day=dt.date(2026, 11, 15))
    assert PsfsActivity.objects.of(patient).count() == 1
    [change] = psfs_changes(patient)
    assert (change.first, change.latest, change.change, change.important) == (3, 6, 3, True)
    assert psfs_history(patient) == [(dt.date(2026, 11, 1), 3.0), (dt.date(2026, 11, 15), 6.0)]


def test_a_renamed_activity_stays_the_same_activity(patient):
    first = record(patient, [{"name": "Stairs", "score": 3}], day=dt.date(2026, 11, 1))
    activity = first.entry.ratings.get().activity
    record(
        patient,
        [{"activity": activity.pk, "name": "Stairs down", "score": 5}],
        day=dt.date(2026, 11, 15),
    )
    activity.refresh_from_db()
    assert activity.name == "Stairs down"
    assert PsfsActivity.objects.of(patient).count() == 1


def test_another_patients_activity_id_is_not_used(patient, other_patient):
    theirs = record(other_patient, [{"name": "Running", "score": 2}]).entry.ratings.get().activity
    mine = record(patient, [{"activity": theirs.pk, "name": "Kneeling", "score": 4}])
    assert mine.entry.ratings.get().activity.patient == patient
    theirs.refresh_from_db()
    assert theirs.name == "Running"


@pytest.mark.parametrize(
    ("ratings", "field"),
    [
        ([], "ratings"),
        ([{"name": f"Activity {n}", "score": 5} for n in range(4)], "ratings"),
        ([{"name": "   ", "score": 5}], "name"),
        ([{"name": "x" * 81, "score": 5}], "name"),
        ([{"name": "Stairs", "score": 11}], "score"),
        ([{"name": "Stairs", "score": -1}], "score"),
        ([{"name": "Stairs", "score": None}], "score"),
        ([{"name": "Stairs", "score": True}], "score"),
        ([{"name": "Stairs", "score": 2}, {"name": "STAIRS", "score": 3}], "name"),
    ],
)
def test_invalid_answers_name_the_field_and_save_nothing(patient, ratings, field):
    with pytest.raises(PsfsError) as error:
        record(patient, ratings)
    assert error.value.field == field
    assert not PsfsAssessment.objects.exists()


def test_the_database_refuses_a_score_out_of_range_and_a_blank_name(patient):
    assessment = record(patient, [{"name": "Stairs", "score": 3}]).entry
    with pytest.raises(IntegrityError), transaction.atomic():
        PsfsRating.objects.filter(assessment=assessment).update(score=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        PsfsActivity.objects.filter(patient=patient).update(name="")


def test_the_same_answer_sent_twice_is_kept_once(patient):
    assessment_id = uuid.uuid4()
    ratings = [{"name": "Stairs", "score": 3}]
    assert record(patient, ratings, assessment_id=assessment_id).outcome == Outcome.CREATED
    again = record(patient, ratings, assessment_id=assessment_id)
    assert again.outcome == Outcome.UNCHANGED
    assert PsfsAssessment.objects.count() == 1
    assert PsfsRating.objects.count() == 1


def test_the_newest_edit_wins(patient):
    assessment_id = uuid.uuid4()
    record(patient, [{"name": "Stairs", "score": 3}], assessment_id=assessment_id)
    later = MOMENT + dt.timedelta(hours=1)
    updated = record(
        patient, [{"name": "Stairs", "score": 7}], assessment_id=assessment_id, at=later
    )
    assert updated.outcome == Outcome.UPDATED
    stale = record(patient, [{"name": "Stairs", "score": 1}], assessment_id=assessment_id)
    assert stale.outcome == Outcome.STALE
    assert PsfsAssessment.objects.get().average == 7


def test_another_patients_assessment_id_is_refused(patient, other_patient):
    assessment_id = uuid.uuid4()
    record(other_patient, [{"name": "Stairs", "score": 3}], assessment_id=assessment_id)
    with pytest.raises(PsfsAssessment.DoesNotExist):
        record(patient, [{"name": "Stairs", "score": 9}], assessment_id=assessment_id)
    assert PsfsAssessment.objects.get().patient == other_patient
