"""The shared exercise library becomes the administrators' to edit; physios get templates.

The Physiotherapists group loses ``change_exercise`` and ``delete_exercise``: Django's
permissions are per model, so a blanket "change" would let any physio rewrite a shared
exercise that other physios' patients follow. A physio keeps ``add_exercise`` and
``view_exercise``; ``ExerciseAdmin`` lets them change and delete their own exercises only
(the object-level rule lives there). Plan templates are ordinary admin objects for the
group (the admin narrows them to shared ones, read-only, and the physio's own).

The starter "Heel slides" moves the knee rather than stretching it: its new kind says so.
Existing plans, schedules and deliveries are not touched.
"""

from django.db import migrations

from kneeapp import group_permissions

TAKEN = ["change_exercise", "delete_exercise"]
GIVEN = [
    f"{action}_{model}"
    for model in ("plantemplate", "plantemplateitem", "plantemplatetime")
    for action in ("view", "add", "change", "delete")
]


def permissions(apps, codenames):
    return group_permissions.app_permissions(apps, "reminders", codenames)


def forward(apps, schema_editor):
    group = group_permissions.physiotherapists(apps)
    group.permissions.remove(*permissions(apps, TAKEN))
    group.permissions.add(*permissions(apps, GIVEN))
    Exercise = apps.get_model("reminders", "Exercise")
    Exercise.objects.filter(slug="heel-slides", kind="stretch").update(kind="mobility")


def backward(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=group_permissions.PHYSIOTHERAPISTS):
        group.permissions.remove(*permissions(apps, GIVEN))
        group.permissions.add(*permissions(apps, ["change_exercise"]))


class Migration(migrations.Migration):
    dependencies = [("reminders", "0007_exercise_library_and_plan_templates")]

    operations = [migrations.RunPython(forward, backward)]
