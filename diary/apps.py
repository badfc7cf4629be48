import datetime
import uuid

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Demo entries get ids derived from the patient and the day, so seeding twice adds nothing.
DEMO_NAMESPACE = uuid.UUID("5b0f3e52-6d1e-4f7b-9b3a-1f6f0d1c0a11")
DEMO_DAYS = 28


class DiaryConfig(AppConfig):
    """The patient's daily symptom diary."""

    name = "diary"
    verbose_name = _("Diary")

    def seed_demo(self, patient, physiotherapist, log) -> None:
        """Four weeks of entries for the demo patient: pain easing from 7 to about 2."""
        from django.utils import timezone

        from diary.models import DiaryEntry

        today = patient.today()
        created = 0
        for age in range(DEMO_DAYS - 1, -1, -1):
            day = today - datetime.timedelta(days=age)
            pain = max(1, round(2 + 5 * age / (DEMO_DAYS - 1) + (1 if age % 5 == 0 else 0)))
            _entry, made = DiaryEntry.objects.get_or_create(
                id=uuid.uuid5(DEMO_NAMESPACE, f"{patient.pk}:{day.isoformat()}"),
                defaults={
                    "patient": patient,
                    "date": day,
                    "pain": min(pain, 10),
                    "swelling": "moderate" if pain >= 6 else "mild" if pain >= 4 else "none",
                    "stiffness": pain >= 5,
                    "walked_normally": pain <= 4,
                    "rice": pain >= 5,
                    "pain_relief": pain >= 6,
                    "notes": "Stairs were hard." if age % 7 == 3 else "",
                    "client_updated_at": timezone.now(),
                },
            )
            created += made
        log(f"Diary: {created} demo entries added for {patient.email}.")

    # Only files, never pages: the diary pages are private and are kept for offline use
    # when visited (the shell's page cache, cleared on sign-out).
    offline_files = ("kneeapp/outbox.js", "diary/diary.js", "diary/psfs.js", "diary/print.js")
