"""Saved symptom-checker assessments."""

import contextlib
import uuid

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from kneeapp.prepared import PreparedInsert


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


class AssessmentIdTaken(Exception):
    """The client-made id is already used by an assessment of someone else."""


def savepoint_if_in_transaction(using: str):
    """What lets an INSERT fail on a unique key without breaking the transaction around it.

    Outside a transaction (autocommit: every request here) the INSERT is one statement that
    commits or fails on its own, so a transaction of its own would only add a BEGIN and a
    COMMIT, two round trips, to every save. Inside one (a caller's ``atomic``, the tests),
    PostgreSQL aborts the whole transaction on an error unless it was under a savepoint.
    """
    if transaction.get_connection(using).in_atomic_block:
        return transaction.atomic(using=using)
    return contextlib.nullcontext()


class AssessmentQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(user=user)

    def record(
        self, result: dict, answers: dict, *, unsure=(), user=None, id=None
    ) -> tuple["Assessment", bool]:
        """Save an assessment once per client-made ``id``: ``(assessment, created)``.

        Sending the same id again (a signed-in person's offline outbox retrying) returns the
        saved assessment unchanged. An id that belongs to another person, or to an anonymous
        assessment, raises :class:`AssessmentIdTaken`, so it is neither shown nor overwritten.
        """
        user = user if user is not None and user.is_authenticated else None
        fields = {
            "user": user,
            "answers": answers,
            "unsure": list(unsure),
            "result": result,
            "urgency": result["urgency"],
            "knowledge_version": result["knowledge_version"],
        }
        assessment = self.model(**fields) if id is None else self.model(id=id, **fields)
        self._for_write = True  # as create() does: self.db is then the database for writes
        try:
            with savepoint_if_in_transaction(self.db):
                ASSESSMENT_INSERT.insert(assessment, using=self.db)
            return assessment, True
        except IntegrityError:
            if id is None:
                raise
            existing = self.filter(pk=id).first()
            # Only its owner may send an id again: an anonymous assessment has none, so
            # knowing its id must not be a way to read it back.
            if existing is None or user is None or existing.user_id != user.pk:
                raise AssessmentIdTaken(str(id)) from None
            return existing, False


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
    # The red flags the patient was still not sure of (contract rule 9), beside the answers.
    unsure = models.JSONField(_("not sure of"), default=list, blank=True)
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

    def as_json(self) -> dict:
        """The contract's result plus the id, and ``unsure`` when not empty: the API's answer."""
        extra = {"unsure": self.unsure} if self.unsure else {}
        return {"id": str(self.id), **self.result, **extra}


# One is saved on every run of the checker by a signed-in or anonymous person alike.
ASSESSMENT_INSERT = PreparedInsert(Assessment)
