"""Invitations from a physiotherapist to a patient (kneeapp/invitations.py); the
Physiotherapists group may send them and see their own (the admin narrows the rows)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from kneeapp import group_permissions


PERMISSIONS = ["view_invitation", "add_invitation", "delete_invitation"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "kneeapp", PERMISSIONS)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "kneeapp", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("kneeapp", "0005_consent"),
    ]

    operations = [
        migrations.CreateModel(
            name="Invitation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "email",
                    models.EmailField(max_length=254, verbose_name="patient's email address"),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="sent"),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                (
                    "accepted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="accepted"),
                ),
                (
                    "accepted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="invitations_accepted",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="accepted by",
                    ),
                ),
                (
                    "physiotherapist",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invitations_sent",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="physiotherapist",
                    ),
                ),
            ],
            options={
                "verbose_name": "invitation",
                "verbose_name_plural": "invitations",
                "ordering": ["-created_at"],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
