"""Create the "Physiotherapists" group, allowed to view (their own) patients in the admin.

Apps that give physiotherapists more permissions add them to this group in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Physiotherapists"


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make this app's now so we can grant them.
    config = apps.get_app_config("kneeapp")
    config.models_module = True  # migration state app configs have none; create_permissions needs one
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="kneeapp", codename="view_user"))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kneeapp", "0001_user"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
