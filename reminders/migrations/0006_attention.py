"""The physiotherapist's list of patients who need attention (reminders/attention.py): their
reviews, and the admin's view of the patients, which the Physiotherapists group may open."""

from django.contrib.auth.management import create_permissions
import django.db.models.deletion
import django.utils.timezone
import kneeapp.models
from django.conf import settings
from django.db import migrations, models


GROUP = "Physiotherapists"


def grant(apps, schema_editor):
    config = apps.get_app_config("reminders")
    config.models_module = True  # see kneeapp/migrations/0002_physiotherapists_group.py
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(codename="view_patientneedingattention"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(
            *Permission.objects.filter(codename="view_patientneedingattention")
        )


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
