"""The diary: one row per entry a patient writes, keyed by a UUID made on the phone.

Entries are written offline and sent later, perhaps twice, perhaps from two phones, so the
row's id comes from the client (a second send of the same entry finds the same row) and the
newest edit wins by ``client_updated_at``, the moment the patient saved it on the phone.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Avg, Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary import red_flags as warning_signs

NOTES_MAX_LENGTH = 2000
PAIN_MIN, PAIN_MAX = 0, 10

# The fields a patient writes: what a PUT replaces and what "the same body" compares.
CONTENT_FIELDS = (
    "date",
    "pain",
    "swelling",
    "stiffness",
    "walked_normally",
    "rice",
    "pain_relief",
    "stretches_done",
    "notes",
    "red_flags",
)


class Swelling(models.TextChoices):
    NONE = "none", _("None")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class Outcome(models.TextChoices):
    """What a write did: the API answers with it, the pages with a message."""

    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    UNCHANGED = "unchanged", _("unchanged")
    STALE = "stale", _("a newer version is already saved")
    DELETED = "deleted", _("the entry was deleted after this change was made")


@dataclass(frozen=True)
class WriteResult:
    entry: "DiaryEntry | None"  # None: deleted
    outcome: str
    deleted_at: "dt.datetime | None" = None

    @property
    def kept(self) -> str:
        """Which version the server keeps: the one just sent, its own newer one, or the
        deletion that came after the one just sent."""
        return {Outcome.STALE: "server", Outcome.DELETED: "deleted"}.get(self.outcome, "sent")


class DiaryEntryQuerySet(models.QuerySet):
    def of(self, patient):
        return self.filter(patient=patient)

    def between(self, since=None, until=None):
        entries = self
        if since is not None:
            entries = entries.filter(date__gte=since)
        if until is not None:
            entries = entries.filter(date__lte=until)
        return entries

    def daily_pain(self) -> list[tuple]:
        """``[(date, mean pain), ...]`` oldest first, in one query whatever the number of rows."""
        rows = self.order_by().values("date").annotate(mean=Avg("pain")).order_by("date")
        return [(row["date"], float(row["mean"])) for row in rows]

    def addressed(self, entry_id: uuid.UUID):
        """The entry ``entry_id`` names: its own id, or an id merged into it (an alias)."""
        merged_into = EntryAlias.objects.filter(id=entry_id).values("entry_id")
        return self.filter(Q(pk=entry_id) | Q(pk__in=merged_into))

    def write(self, patient, entry_id: uuid.UUID, content: dict, client_updated_at) -> WriteResult:
        """Create or update the entry ``entry_id`` of ``patient``, last write wins.

        A patient has one entry a day: a new id for a day that has an entry becomes another
        name for it (``EntryAlias``) and updates it by the same rule, its warning signs
        added to the entry's, never dropped. Raises ``DiaryEntry.DoesNotExist`` when the id
        belongs to another patient (neither a create nor an overwrite happens through
        someone else's id), and ``DayTaken`` when an edit moves an entry onto a day that has
        another.
        """
        for attempt in range(2):
            try:
                with transaction.atomic():
                    return self._write(patient, entry_id, content, client_updated_at)
            except IntegrityError:
                # The same entry, or the same day, arrived twice at once (page and service
                # worker, two phones): the second time finds the row the first one made.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _write(self, patient, entry_id, content, client_updated_at) -> WriteResult:
        entry = self.select_for_update().addressed(entry_id).first()
        if entry is not None:
            if entry.patient_id != patient.pk:
                raise self.model.DoesNotExist
            if (
                content["date"] != entry.date
                and self.of(patient).filter(date=content["date"]).exists()
            ):
                raise DayTaken(content["date"])
            return entry.apply(content, client_updated_at)
        deleted = DeletedEntry.objects.select_for_update().filter(pk=entry_id).first()
        if deleted is not None:
            if deleted.patient_id != patient.pk:
                raise self.model.DoesNotExist
            if client_updated_at <= deleted.deleted_at:
                return WriteResult(None, Outcome.DELETED, deleted.deleted_at)
            deleted.delete()  # edited again after the deletion: it comes back
        same_day = self.select_for_update().of(patient).filter(date=content["date"]).first()
        if same_day is not None:
            EntryAlias.objects.create(id=entry_id, entry=same_day)
            return same_day.merge(content, client_updated_at)
        entry = self.create(
            id=entry_id, patient=patient, client_updated_at=client_updated_at, **content
        )
        return WriteResult(entry, Outcome.CREATED)


class DayTaken(Exception):
    """An edit would move an entry onto a day that already has one."""


class DiaryEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="diary_entries",
    )
    date = models.DateField(_("date"))
    pain = models.PositiveSmallIntegerField(_("pain (0 to 10)"))
    swelling = models.CharField(
        _("swelling"), max_length=16, choices=Swelling.choices, default=Swelling.NONE
    )
    stiffness = models.BooleanField(_("stiff knee"), default=False)
    walked_normally = models.BooleanField(_("walked normally"), default=True)
    rice = models.BooleanField(_("rest, ice, compression, raised leg"), default=False)
    pain_relief = models.BooleanField(_("took pain relief"), default=False)
    stretches_done = models.JSONField(_("stretches done"), default=list, blank=True)
    notes = models.TextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    red_flags = models.JSONField(_("warning signs"), default=list, blank=True)
    client_updated_at = models.DateTimeField(_("saved on the phone at"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DiaryEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")
        ordering = ["-date", "-client_updated_at"]
        indexes = [models.Index(fields=["patient", "-date"], name="diary_entry_patient_date")]
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="diary_one_entry_per_day"),
            models.CheckConstraint(
                condition=Q(pain__gte=PAIN_MIN, pain__lte=PAIN_MAX), name="diary_entry_pain_0_10"
            ),
            models.CheckConstraint(
                condition=Q(swelling__in=Swelling.values), name="diary_entry_swelling_valid"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("notes"), NOTES_MAX_LENGTH),
                name="diary_entry_notes_max_length",
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}: {self.pain}/10"

    def content(self) -> dict:
        return {name: getattr(self, name) for name in CONTENT_FIELDS}

    def delete(self, *args, **kwargs):
        """Delete the entry and remember that it was deleted, and when, under each of its ids:
        a write made before that moment, sent later from an offline phone, must not bring it
        back."""
        now = timezone.now()
        with transaction.atomic():
            for entry_id in [self.pk, *self.aliases.values_list("id", flat=True)]:
                DeletedEntry.objects.update_or_create(
                    pk=entry_id, defaults={"patient_id": self.patient_id, "deleted_at": now}
                )
            return super().delete(*args, **kwargs)

    def merge(self, content: dict, client_updated_at) -> WriteResult:
        """Another write for this entry's day: last write wins, and the warning signs of
        both are kept whichever wins."""
        united = list(dict.fromkeys([*self.red_flags, *content.get("red_flags", [])]))
        result = self.apply({**content, "red_flags": united}, client_updated_at)
        if result.outcome == Outcome.STALE and united != self.red_flags:
            self.red_flags = united
            self.save(update_fields=["red_flags", "updated_at"])
        return result

    def apply(self, content: dict, client_updated_at) -> WriteResult:
        """Take ``content`` unless this row holds a newer edit; equal content changes nothing."""
        if client_updated_at < self.client_updated_at:
            return WriteResult(self, Outcome.STALE)
        if self.content() == content:
            if client_updated_at > self.client_updated_at:
                # Remember the newer moment (an even later stale edit must still lose),
                # without touching updated_at: nothing the patient sees has changed.
                self.client_updated_at = client_updated_at
                self.save(update_fields=["client_updated_at"])
            return WriteResult(self, Outcome.UNCHANGED)
        for name, value in content.items():
            setattr(self, name, value)
        self.client_updated_at = client_updated_at
        self.save()
        return WriteResult(self, Outcome.UPDATED)

    @property
    def red_flag_advice(self) -> "warning_signs.Advice | None":
        """The symptom checker's urgency and advice for the ticked signs, if they need any."""
        return warning_signs.advice_for(self.red_flags)

    @property
    def red_flag_labels(self) -> list[str]:
        """The ticked signs in words, as the symptom checker names them."""
        return warning_signs.labels(self.red_flags)


class DeletedEntry(models.Model):
    """A tombstone: the id of an entry the patient deleted, and when.

    The entry itself is gone; this row makes a deletion win over every write made before it
    on any phone (``client_updated_at`` up to ``deleted_at``). A write made after it brings
    the entry back and removes the tombstone. Deleting the account deletes these too.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="deleted_diary_entries",
    )
    deleted_at = models.DateTimeField(_("deleted at"))

    class Meta:
        verbose_name = _("deleted diary entry")
        verbose_name_plural = _("deleted diary entries")

    def __str__(self):
        return f"{self.pk} deleted {self.deleted_at:%Y-%m-%d %H:%M}"


class EntryAlias(models.Model):
    """Another id for an entry: a write made for the same day under a new id (an offline
    phone's, a second phone's) was merged into it, and that id now addresses it."""

    id = models.UUIDField(primary_key=True, editable=False)
    entry = models.ForeignKey(DiaryEntry, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = _("other id of a diary entry")
        verbose_name_plural = _("other ids of diary entries")

    def __str__(self):
        return f"{self.pk} → {self.entry_id}"


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
