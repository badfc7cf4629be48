"""The Physiotherapists group's permissions, as the data migrations of each app grant them.

Django makes permissions after all migrations have run; a migration that grants some makes
its app's first. Used only from migrations, with their historical ``apps``: it imports no
model.
"""

from django.contrib.auth.management import create_permissions

PHYSIOTHERAPISTS = "Physiotherapists"


def app_permissions(apps, app_label: str, codenames):
    """The permissions ``codenames`` of ``app_label``, made now if they are not yet."""
    config = apps.get_app_config(app_label)
    config.models_module = (
        True  # migration state app configs have none; create_permissions needs one
    )
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)


def physiotherapists(apps):
    """The group, made if a flushed test database lost it."""
    return apps.get_model("auth", "Group").objects.get_or_create(name=PHYSIOTHERAPISTS)[0]


def grant(apps, app_label: str, codenames) -> None:
    physiotherapists(apps).permissions.add(*app_permissions(apps, app_label, codenames))


def revoke(apps, app_label: str, codenames) -> None:
    Permission = apps.get_model("auth", "Permission")
    taken = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    for group in apps.get_model("auth", "Group").objects.filter(name=PHYSIOTHERAPISTS):
        group.permissions.remove(*taken)
