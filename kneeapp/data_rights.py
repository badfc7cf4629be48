"""Export and seed hooks that each app plugs into, so this package never imports an app's models.

An app adds its part by defining methods on its AppConfig:

- ``export_user_data(user) -> dict``: everything of that app the user owns, JSON-ready.
- ``seed_demo(patient, physiotherapist, log)``: idempotent demo data for ``seed_demo``.

Deleting an account relies on foreign keys to the user with ``on_delete=CASCADE``.
"""

from django.apps import apps
from django.utils import timezone


def export_user_data(user) -> dict:
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "name": user.name,
            "date_joined": user.date_joined.isoformat(),
            "time_zone": user.time_zone,
            "remind_by_email": user.remind_by_email,
            "remind_by_push": user.remind_by_push,
            "quiet_hours_start": user.quiet_hours_start and user.quiet_hours_start.isoformat(),
            "quiet_hours_end": user.quiet_hours_end and user.quiet_hours_end.isoformat(),
            "physiotherapist": user.physiotherapist and user.physiotherapist.email,
        },
    }
    for config in apps.get_app_configs():
        if hasattr(config, "export_user_data"):
            data[config.label] = config.export_user_data(user)
    return data


def seed_demo(patient, physiotherapist, log) -> None:
    for config in apps.get_app_configs():
        if hasattr(config, "seed_demo"):
            config.seed_demo(patient, physiotherapist, log)


def offline_urls() -> list[str]:
    """Pages and files every app wants the service worker to precache."""
    urls: list[str] = []
    for config in apps.get_app_configs():
        for url in getattr(config, "offline_urls", lambda: [])():
            if url not in urls:
                urls.append(url)
    return urls
