"""Saved symptom-checker assessments."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    """The contract's urgency levels, lowest first (their order is their severity)."""

    SELF_CARE = "self_care", _("Look after it at home")
    SEE_DOCTOR = "see_doctor", _("Book a doctor or physio appointment")
    URGENT = "urgent", _("Get medical help today")
    EMERGENCY = "emergency", _("Call an emergency number now")

    @classmethod
    def at_least(cls, level: str) -> list[str]:
        values = list(cls.values)
        return values[values.index(level) :]


class AssessmentQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(user=user)


class Assessment(models.Model):
    """One run of the symptom checker: the answers, the result, and whose it is.

    ``id`` is made by the client, so an assessment done offline and sent twice is saved once.
    Anonymous assessments have no user and keep nothing that identifies a person.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    answers = models.JSONField(_("answers"))
    result = models.JSONField(_("result"))
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    knowledge_version = models.CharField(_("knowledge version"), max_length=32)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="assessment_user_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(urgency__in=Urgency.values), name="assessment_urgency_valid"
            )
        ]

    def __str__(self):
        return f"{self.get_urgency_display()} ({self.created_at:%Y-%m-%d})"
