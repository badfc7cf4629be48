from django.apps import AppConfig


class RemindersConfig(AppConfig):
    """Stretch plans, reminder schedules and their delivery by email and Web Push."""

    name = "reminders"
    verbose_name = "Stretch plans and reminders"
