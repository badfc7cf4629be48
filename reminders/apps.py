from django.apps import AppConfig


class RemindersConfig(AppConfig):
    """Stretch plans, reminder schedules and their delivery by email and Web Push."""

    name = "reminders"
    verbose_name = "Stretch plans and reminders"

    def ready(self):
        from diary import extensions
        from reminders import checks, diary_hooks  # noqa: F401 (checks registers itself)

        # The diary stays ignorant of plans: we hand it our part through its registry.
        if diary_hooks.plan_stretch_choices not in extensions.stretch_choices_providers:
            extensions.stretch_choices_providers.append(diary_hooks.plan_stretch_choices)
        if diary_hooks.plan_adherence_section not in extensions.report_sections:
            extensions.report_sections.append(diary_hooks.plan_adherence_section)
        for section in (diary_hooks.plan_adherence_section, diary_hooks.exercise_feedback_section):
            if section not in extensions.consult_sections:
                extensions.consult_sections.append(section)

    def consent_withdrawn(self, user) -> None:
        from reminders.preferences import stop_reminders

        stop_reminders(user, "consent withdrawn")

    def seed_demo(self, patient, physiotherapist, log) -> None:
        from reminders.data import seed

        seed(patient, physiotherapist, log)

    # The plan page itself is kept for offline use when the patient opens it (a copy
    # precached at install would be the signed-out one). The exercise-along session runs
    # offline whole: its script, its styles and (offline_urls) the drawings.
    offline_files = (
        "reminders/plan.js",
        "reminders/push.js",
        "reminders/session.js",
        "reminders/session.css",
        "kneeapp/outbox.js",
    )

    def offline_urls(self) -> list[str]:
        from reminders.models import Illustration

        return [drawing.url for drawing in Illustration]
