"""Issue #12: one current plan per patient. A new plan ends the current one the day before it
starts (the admin says so), overlapping dates are refused by clean() everywhere and by the
database (a partial unique constraint; on PostgreSQL an exclusion constraint), an ended plan
sends nothing, and the migration makes existing overlapping plans consecutive, losing none.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from reminders import dispatch
from reminders.models import Delivery, ReminderSchedule, StretchPlan
from tests.admin_forms import form_data
from tests.reminders.conftest import at, make_plan

pytestmark = pytest.mark.django_db


def test_a_new_plan_ends_the_current_one_the_day_before_it_starts(patient, physiotherapist):
    old = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 1, 1))
    new = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 6, 1))
    old.refresh_from_db()
    assert old.ends_on == dt.date(2026, 5, 31) and new.ends_on is None
    assert list(StretchPlan.objects.of(patient).current(dt.date(2026, 6, 1))) == [new]


def test_the_ended_plan_sends_nothing_after_its_end(patient, physiotherapist):
    old = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 1, 1), times=("08:00",))
    new = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 6, 1), times=("19:00",))
    ReminderSchedule.objects.reschedule(at("2026-05-31 12:00"))
    for day in range(1, 4):
        dispatch.dispatch_due(at(f"2026-06-0{day} 23:00"))
    slots = Delivery.objects.values_list("schedule__plan", "slot")
    assert {plan for plan, _ in slots} == {new.pk}
    assert not old.schedules.filter(next_run_at__isnull=False).exists()


def test_dates_that_overlap_a_later_plan_are_refused_naming_the_start(patient, physiotherapist):
    later = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 6, 1))
    earlier = StretchPlan(patient=patient, physiotherapist=physiotherapist)
    earlier.starts_on = dt.date(2026, 5, 1)  # open-ended: it would run into the later one
    with pytest.raises(ValidationError) as caught:
        earlier.full_clean()
    assert "starts_on" in caught.value.message_dict
    assert "2026-06-01" in caught.value.message_dict["starts_on"][0]
    earlier.ends_on = dt.date(2026, 5, 31)
    earlier.full_clean()  # ending before the later plan starts is fine
    later.refresh_from_db()
    assert later.ends_on is None


def test_moving_a_plans_dates_onto_another_is_refused(patient, physiotherapist):
    first = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 1, 1))
    make_plan(patient, physiotherapist, starts_on=dt.date(2026, 6, 1))
    first.refresh_from_db()
    first.ends_on = dt.date(2026, 7, 1)
    with pytest.raises(ValidationError):
        first.full_clean()


def test_the_database_refuses_two_plans_without_an_end(patient, physiotherapist):
    make_plan(patient, physiotherapist, starts_on=dt.date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        StretchPlan.objects.bulk_create(
            [StretchPlan(patient=patient, starts_on=dt.date(2026, 3, 1))]
        )


def test_postgresql_refuses_any_two_plans_whose_dates_overlap(patient):
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints are PostgreSQL's (the CI's second run)")
    StretchPlan.objects.bulk_create(
        [StretchPlan(patient=patient, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 3, 1))]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StretchPlan.objects.bulk_create(
            [
                StretchPlan(
                    patient=patient, starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 4, 1)
                )
            ]
        )


def test_the_admin_says_which_plan_it_ended(physiotherapist_client, patient, physiotherapist):
    old = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 1, 1))
    url = reverse("admin:reminders_stretchplan_add")
    data = form_data(physiotherapist_client.get(url).content.decode())
    data.update(patient=[str(patient.pk)], starts_on=["2026-06-01"], ends_on=[""])
    response = physiotherapist_client.post(url, data, follow=True)
    assert response.redirect_chain, response.context["adminform"].form.errors
    text = response.content.decode()
    assert "from 2026-01-01 now ends on 2026-05-31" in text
    old.refresh_from_db()
    assert old.ends_on == dt.date(2026, 5, 31)


def test_the_admin_refuses_an_overlapping_plan_and_changes_nothing(
    physiotherapist_client, patient, physiotherapist
):
    later = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 6, 1))
    url = reverse("admin:reminders_stretchplan_add")
    data = form_data(physiotherapist_client.get(url).content.decode())
    data.update(patient=[str(patient.pk)], starts_on=["2026-05-01"], ends_on=[""])
    response = physiotherapist_client.post(url, data)
    assert response.status_code == 200
    assert "starts_on" in response.context["adminform"].form.errors
    assert StretchPlan.objects.of(patient).count() == 1
    later.refresh_from_db()
    assert later.ends_on is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_overlapping_plans_consecutive_and_keeps_them(patient):
    executor = MigrationExecutor(connection)
    before = [("reminders", "0004_delivery_doctor_alert")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Plan = old_apps.get_model("reminders", "StretchPlan")
    rows = [
        (dt.date(2026, 1, 1), None),
        (dt.date(2026, 3, 1), None),
        (dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
        (dt.date(2026, 2, 1), dt.date(2026, 12, 31)),
    ]
    for starts_on, ends_on in rows:
        Plan.objects.create(patient_id=patient.pk, starts_on=starts_on, ends_on=ends_on)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    plans = list(StretchPlan.objects.of(patient).order_by("starts_on"))
    assert len(plans) == len(rows)
    for earlier, later in zip(plans, plans[1:], strict=False):
        assert earlier.ends_on is not None and earlier.ends_on < later.starts_on
    assert sum(plan.ends_on is None for plan in plans) <= 1
