"""The physiotherapist's list of patients who need attention (reminders/attention.py): their
reviews, and the admin's view of the patients, which the Physiotherapists group may open."""

import django.db.models.deletion
import django.utils.timezone
import kneeapp.models
from django.conf import settings
from django.db import migrations, models

from kneeapp import group_permissions


PERMISSIONS = ["view_patientneedingattention"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "reminders", PERMISSIONS)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "reminders", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("kneeapp", "0006_invitation"),
        ("reminders", "0005_one_current_plan"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PatientNeedingAttention",
            fields=[],
            options={
                "verbose_name": "patient needing attention",
                "verbose_name_plural": "patients needing attention",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("kneeapp.user",),
            managers=[
                ("objects", kneeapp.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name="AttentionReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reviewed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="reviewed at"
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attention_reviews",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="patient",
                    ),
                ),
                (
                    "physiotherapist",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="physiotherapist",
                    ),
                ),
            ],
            options={
                "verbose_name": "review",
                "verbose_name_plural": "reviews",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("patient", "physiotherapist"), name="attention_review_once_per_pair"
                    )
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
