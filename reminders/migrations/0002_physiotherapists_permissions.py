"""Let the "Physiotherapists" group work on stretch plans in the admin.

They curate the exercise library and manage plans, stretches and reminder times (of their
own patients only: the admin narrows every queryset); deliveries and alerts are read-only.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Physiotherapists"
PERMISSIONS = [
    "view_exercise",
    "add_exercise",
    "change_exercise",
    *(
        f"{action}_{model}"
        for model in ("stretchplan", "planitem", "reminderschedule")
        for action in ("view", "add", "change", "delete")
    ),
    "view_delivery",
    "view_completion",
    "view_doctoralert",
]


def grant(apps, schema_editor):
    config = apps.get_app_config("reminders")
    config.models_module = True  # see kneeapp/migrations/0002_physiotherapists_group.py
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="reminders", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="reminders")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("kneeapp", "0002_physiotherapists_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
