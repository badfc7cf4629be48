"""Doctor alerts: "your symptoms are persisting, see a doctor", and the check-in a few days
after a see-a-doctor result. Each alert is sent once (its deliveries point at it).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reminders.models.deliveries import Kind


class AlertKind(models.TextChoices):
    PERSISTING = "persisting", _("Symptoms persisting")
    CHECK_IN = "check_in", _("Check-in after an assessment")
    # Not about a doctor: the PSFS asked at the start of a plan and every 2 weeks
    # (reminders/psfs.py), sent once per due date (``started_on``) like an alert.
    PSFS = "psfs", _("PSFS asked")


class DoctorAlert(models.Model):
    """A "see a doctor" episode: the reminder is sent once per episode.

    A persisting-symptoms episode opens when the diary first shows the pattern and ends on
    the first day the pain drops back; a check-in belongs to one triage assessment.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor_alerts"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    assessment = models.ForeignKey(
        "triage.Assessment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    started_on = models.DateField(_("symptoms since"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("alerted at"))

    class Meta:
        verbose_name = _("see-a-doctor alert")
        verbose_name_plural = _("see-a-doctor alerts")
        ordering = ["-alerted_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alert_kind_valid"),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(kind="persisting", ended_on__isnull=True),
                name="alert_one_open_episode",
            ),
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(assessment__isnull=False),
                name="alert_one_check_in_per_assessment",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["persisting", "psfs"], assessment__isnull=True)
                | Q(kind="check_in", assessment__isnull=False),
                name="alert_check_in_has_assessment",
            ),
            models.UniqueConstraint(
                fields=["patient", "started_on"],
                condition=Q(kind="psfs"),
                name="alert_psfs_once_per_due_date",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_on:%Y-%m-%d}"

    @property
    def delivery_kind(self) -> str:
        """The kind of the deliveries that carry this alert."""
        return {AlertKind.PERSISTING: Kind.PERSISTING, AlertKind.PSFS: Kind.PSFS}.get(
            self.kind, Kind.CHECK_IN
        )
