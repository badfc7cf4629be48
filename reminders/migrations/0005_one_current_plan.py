"""One current plan per patient.

Existing plans that overlap are made consecutive first, so that no plan is lost: for each
patient, oldest start first, a plan that still runs when the next one starts ends the day
before it. Two plans that start on the same day cannot both keep that day: the older one keeps
it as a one-day plan, and the newer one starts the day after. Then the partial unique
constraint (one plan without an end per patient) and, on PostgreSQL, an exclusion constraint
refusing any two plans of a patient whose dates overlap (with the btree_gist extension, which
needs a role allowed to create extensions; every PostgreSQL superuser is).
"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models

EXCLUSION = (
    "ALTER TABLE reminders_stretchplan ADD CONSTRAINT plan_dates_do_not_overlap "
    "EXCLUDE USING gist (patient_id WITH =, daterange(starts_on, ends_on, '[]') WITH &&)"
)


def make_plans_consecutive(apps, schema_editor):
    StretchPlan = apps.get_model("reminders", "StretchPlan")
    previous = None
    for plan in StretchPlan.objects.order_by("patient_id", "starts_on", "pk"):
        if previous is not None and previous.patient_id == plan.patient_id:
            if plan.starts_on <= previous.starts_on:
                plan.starts_on = previous.starts_on + dt.timedelta(days=1)
                if plan.ends_on is not None and plan.ends_on < plan.starts_on:
                    plan.ends_on = plan.starts_on
                plan.save(update_fields=["starts_on", "ends_on"])
            if previous.ends_on is None or previous.ends_on >= plan.starts_on:
                previous.ends_on = plan.starts_on - dt.timedelta(days=1)
                previous.save(update_fields=["ends_on"])
        previous = plan


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(EXCLUSION)


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE reminders_stretchplan DROP CONSTRAINT IF EXISTS plan_dates_do_not_overlap"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0004_delivery_doctor_alert"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(make_plans_consecutive, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="stretchplan",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ends_on__isnull", True)),
                fields=("patient",),
                name="plan_one_open_ended_per_patient",
                violation_error_code="one_open_plan",
                violation_error_message="The patient already has a plan without an end date.",
            ),
        ),
        migrations.RunPython(add_exclusion, drop_exclusion),
    ]
