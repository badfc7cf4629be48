"""The Patient-Specific Functional Scale: activities a patient names, assessments of them
and their ratings, written from the phone like diary entries (``diary.models.writes``)."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from diary.models.writes import Outcome, WriteResult

# The Patient-Specific Functional Scale (PSFS, Stratford et al. 1995, free to use): the
# patient names up to three activities their knee makes hard and rates each from 0 (unable to
# do it) to 10 (as well as before the problem). The activities are kept by name across
# assessments, so a rating can be compared with the same activity's earlier ones.
PSFS_MAX_ACTIVITIES = 3
PSFS_MIN, PSFS_MAX = 0, 10
PSFS_NAME_MAX_LENGTH = 80
# The minimal clinically important difference of the PSFS average (and of pain), in points.
PSFS_MCID = 2


class PsfsError(ValueError):
    """Invalid PSFS answers; ``field`` names the field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class PsfsActivityQuerySet(models.QuerySet):
    def of(self, patient):
        return self.filter(patient=patient)

    def name_or_id(self, patient, activity_id, name: str) -> "PsfsActivity":
        """The patient's activity ``activity_id`` renamed to ``name`` if need be (an id of
        someone else's activity counts as none), else the one called ``name``, else a new one."""
        mine = self.of(patient)
        activity = mine.filter(pk=activity_id).first() if activity_id else None
        same_name = mine.filter(name__iexact=name).first()
        if activity is None:
            return same_name or mine.create(patient=patient, name=name)
        if activity.name != name and (same_name is None or same_name.pk == activity.pk):
            activity.name = name
            activity.save(update_fields=["name"])
            return activity
        return same_name or activity


class PsfsActivity(models.Model):
    """An activity a patient named for the PSFS ("climbing stairs"), kept across assessments."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="psfs_activities",
    )
    name = models.CharField(_("activity"), max_length=PSFS_NAME_MAX_LENGTH)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PsfsActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("PSFS activity")
        verbose_name_plural = _("PSFS activities")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                "patient", Lower("name"), name="psfs_activity_name_per_patient"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="psfs_activity_name_not_blank"),
        ]

    def __str__(self):
        return self.name


class PsfsAssessmentQuerySet(models.QuerySet):
    def of(self, patient):
        return self.filter(patient=patient)

    def with_ratings(self):
        return self.prefetch_related(
            models.Prefetch("ratings", queryset=PsfsRating.objects.select_related("activity"))
        )

    def record(
        self, patient, assessment_id: uuid.UUID, date: dt.date, ratings, client_updated_at
    ) -> WriteResult:
        """Save ``patient``'s assessment ``assessment_id`` (a UUID made on the phone, so a
        second send finds the same row) with ``ratings``: ``[{"name": ..., "score": ...,
        "activity": uuid or None}]``, up to three. An activity is found by its id (a rename
        keeps it) or by its name, else made. The newest edit wins by ``client_updated_at``.
        Raises ``PsfsError`` for invalid answers and ``PsfsAssessment.DoesNotExist`` when the
        id is another patient's."""
        cleaned = clean_ratings(ratings)
        with transaction.atomic():
            existing = self.select_for_update().filter(pk=assessment_id).first()
            if existing is not None:
                if existing.patient_id != patient.pk:
                    raise self.model.DoesNotExist
                if client_updated_at < existing.client_updated_at:
                    return WriteResult(existing, Outcome.STALE)
                if existing.content() == (date, [(n.casefold(), s) for _i, n, s in cleaned]):
                    return WriteResult(existing, Outcome.UNCHANGED)
                existing.ratings.all().delete()
                existing.date, existing.client_updated_at = date, client_updated_at
                existing.save()
                assessment, outcome = existing, Outcome.UPDATED
            else:
                assessment = self.create(
                    id=assessment_id,
                    patient=patient,
                    date=date,
                    client_updated_at=client_updated_at,
                )
                outcome = Outcome.CREATED
            for position, (activity_id, name, score) in enumerate(cleaned):
                activity = PsfsActivity.objects.name_or_id(patient, activity_id, name)
                PsfsRating.objects.create(
                    assessment=assessment, activity=activity, score=score, position=position
                )
        return WriteResult(assessment, outcome)


def clean_ratings(ratings) -> list[tuple]:
    """``[(activity id or None, name, score)]``, or ``PsfsError`` naming the field."""
    if not ratings:
        raise PsfsError("ratings", _("Name at least one activity and rate it."))
    if len(ratings) > PSFS_MAX_ACTIVITIES:
        raise PsfsError(
            "ratings", _("Name at most %(count)d activities.") % {"count": PSFS_MAX_ACTIVITIES}
        )
    cleaned, seen = [], set()
    for rating in ratings:
        name = " ".join(str(rating.get("name") or "").split())
        if not name:
            raise PsfsError("name", _("Say which activity this is."))
        if len(name) > PSFS_NAME_MAX_LENGTH:
            raise PsfsError(
                "name",
                _("Keep the name of an activity under %(count)d characters.")
                % {"count": PSFS_NAME_MAX_LENGTH},
            )
        score = rating.get("score")
        whole_number = isinstance(score, int) and not isinstance(score, bool)
        if not whole_number or not PSFS_MIN <= score <= PSFS_MAX:
            raise PsfsError("score", _("Choose a number from 0 to 10."))
        if name.casefold() in seen:
            raise PsfsError("name", _("Each activity once, please."))
        seen.add(name.casefold())
        cleaned.append((rating.get("activity"), name, score))
    return cleaned


class PsfsAssessment(models.Model):
    """One PSFS assessment: a day and up to three ratings, keyed by a UUID made on the phone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="psfs_assessments",
    )
    date = models.DateField(_("date"))
    client_updated_at = models.DateTimeField(_("saved on the phone at"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PsfsAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("PSFS assessment")
        verbose_name_plural = _("PSFS assessments")
        ordering = ["date", "created_at"]
        indexes = [models.Index(fields=["patient", "date"], name="psfs_assessment_patient_date")]

    def __str__(self):
        average = self.average
        return f"{self.date:%Y-%m-%d}: PSFS {'-' if average is None else f'{average:g}'}"

    @property
    def average(self) -> float | None:
        """The mean of the ratings (0 to 10), rounded to one decimal; None without any."""
        scores = [rating.score for rating in self.ratings.all()]
        return round(sum(scores) / len(scores), 1) if scores else None

    def content(self) -> tuple:
        ratings = sorted(self.ratings.all(), key=lambda rating: rating.position)
        return self.date, [(rating.activity.name.casefold(), rating.score) for rating in ratings]


class PsfsRating(models.Model):
    """One activity's score in one assessment: 0 = unable to do it, 10 = as before."""

    assessment = models.ForeignKey(PsfsAssessment, on_delete=models.CASCADE, related_name="ratings")
    activity = models.ForeignKey(PsfsActivity, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("score (0 to 10)"))
    position = models.PositiveSmallIntegerField(_("position"), default=0, editable=False)

    class Meta:
        verbose_name = _("PSFS rating")
        verbose_name_plural = _("PSFS ratings")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "activity"], name="psfs_rating_once"),
            models.CheckConstraint(
                condition=Q(score__gte=PSFS_MIN, score__lte=PSFS_MAX), name="psfs_rating_score_0_10"
            ),
        ]

    def __str__(self):
        return f"{self.activity}: {self.score}/10"
