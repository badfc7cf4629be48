"""The exercise library: shared exercises (an administrator's to edit) and a physio's own.

An exercise with no owner (``ExerciseOwner``) belongs to the shared library; one with an owner
was added by that physiotherapist, is theirs alone to change, and is hidden from other
physiotherapists.
Each names an easier and a harder variant (other exercises of the library) so that a plan
can step down when one hurts and step up when it has become easy.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _


class BodyArea(models.TextChoices):
    CALF = "calf", _("Calf")
    HAMSTRING = "hamstring", _("Hamstring")
    QUAD = "quad", _("Quadriceps")
    KNEE = "knee", _("Knee")
    OTHER = "other", _("Other")


class ExerciseKind(models.TextChoices):
    STRETCH = "stretch", _("Stretch")
    MOBILITY = "mobility", _("Moving the knee")
    STRENGTH = "strength", _("Strengthening")
    BALANCE = "balance", _("Balance")


class Illustration(models.TextChoices):
    """Drawings shipped under static/reminders/exercises/ (no uploads: no image library).

    Each shows the start position and the end position, faded into one another by a CSS
    animation inside the drawing that stops under ``prefers-reduced-motion``.
    """

    CALF = "calf", _("Calf stretch against a wall")
    CALF_BENT = "calf-bent", _("Calf stretch with the knee bent")
    CALF_TOWEL = "calf-towel", _("Seated calf stretch with a towel")
    CALF_STEP = "calf-step", _("Calf stretch on a step")
    ANKLE_PUMP = "ankle-pump", _("Ankle pumps")
    HAMSTRING = "hamstring", _("Seated hamstring stretch")
    HAM_STRAP = "ham-strap", _("Lying hamstring stretch with a strap")
    HAM_STANDING = "ham-standing", _("Standing hamstring stretch")
    QUAD = "quad", _("Standing quadriceps stretch")
    QUAD_SIDE = "quad-side", _("Quadriceps stretch lying on the side")
    QUAD_PRONE = "quad-prone", _("Quadriceps stretch lying face down")
    KNEE = "knee", _("Knee bend")
    KNEE_SEATED = "knee-seated", _("Seated knee bends")
    KNEE_PROP = "knee-prop", _("Knee straightening, heel on a towel")
    QUAD_SET = "quad-set", _("Thigh tightening")
    KNEE_EXTEND = "knee-extend", _("Seated knee straightening")
    LEG_RAISE = "leg-raise", _("Straight-leg raise")
    HEEL_RAISE = "heel-raise", _("Heel raises")
    HEEL_RAISE_ONE = "heel-raise-one", _("Heel raises on one leg")
    HEEL_RAISE_SEAT = "heel-raise-seat", _("Seated heel raises")
    BRIDGE = "bridge", _("Bridge")
    BRIDGE_ONE = "bridge-one", _("Bridge on one leg")
    HAM_CURL = "ham-curl", _("Standing hamstring curl")
    HAM_CURL_PRONE = "ham-curl-prone", _("Hamstring curl lying face down")
    MINI_SQUAT = "mini-squat", _("Mini squat")
    SIT_STAND = "sit-stand", _("Sit to stand")
    STEP_UP = "step-up", _("Step-up")
    STEP_DOWN = "step-down", _("Step-down")
    BALANCE = "balance", _("Standing on one leg")
    TANDEM = "tandem", _("Heel-to-toe stand")
    BALANCE_REACH = "balance-reach", _("Standing on one leg, toe taps")

    @property
    def url(self) -> str:
        return static(f"reminders/exercises/{self.value}.svg")


class SharedOrOwnQuerySet(models.QuerySet):
    """Rows that are shared (no owner) or one physio's own: exercises and plan templates."""

    owner = "owner"  # the lookup to the owning user

    def shared(self):
        return self.filter(**{f"{self.owner}__isnull": True})

    def usable_by(self, user):
        """What ``user`` may see and use: the shared rows and their own (a superuser: all)."""
        if user.is_superuser:
            return self.all()
        return self.filter(Q(**{f"{self.owner}__isnull": True}) | Q(**{self.owner: user}))


class ExerciseQuerySet(SharedOrOwnQuerySet):
    owner = "ownership__owner"


class Exercise(models.Model):
    """One exercise of the library, in our own words."""

    slug = models.SlugField(_("short name"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=16, choices=ExerciseKind.choices, default=ExerciseKind.STRETCH
    )
    body_area = models.CharField(_("body area"), max_length=16, choices=BodyArea.choices)
    instructions = models.TextField(_("instructions"))
    cautions = models.TextField(
        _("cautions"), blank=True, help_text=_("When to stop and get help, in plain words.")
    )
    hold_seconds = models.PositiveSmallIntegerField(_("hold (seconds)"), default=30)
    reps = models.PositiveSmallIntegerField(_("repetitions"), default=3)
    sets = models.PositiveSmallIntegerField(_("sets"), default=1)
    illustration = models.CharField(
        _("illustration"), max_length=16, choices=Illustration.choices, blank=True
    )
    easier = models.ForeignKey(
        "self",
        verbose_name=_("easier variant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("What to offer when this one is too much."),
    )
    harder = models.ForeignKey(
        "self",
        verbose_name=_("harder variant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The next step once this one is easy."),
    )
    objects = ExerciseQuerySet.as_manager()

    class Meta:
        verbose_name = _("exercise")
        verbose_name_plural = _("exercise library")
        ordering = ["body_area", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(body_area__in=BodyArea.values), name="exercise_body_area_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ExerciseKind.values), name="exercise_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(hold_seconds__gte=1, hold_seconds__lte=600, reps__gte=1, sets__gte=1),
                name="exercise_dose_positive",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def illustration_url(self) -> str:
        return Illustration(self.illustration).url if self.illustration else ""

    @property
    def owner_id(self) -> int | None:
        """The physio who added this exercise; None for the shared library."""
        ownership = getattr(self, "ownership", None)  # a missing one raises AttributeError
        return ownership.owner_id if ownership else None


class ExerciseOwner(models.Model):
    """Which physiotherapist an exercise of their own belongs to (none: the shared library).

    Its own row rather than a foreign key on ``Exercise``: a model with a foreign key to a
    user is that user's data to the export and to account deletion (kneeapp.data_rights),
    but an exercise is clinical text in other people's plans. Only the claim is personal.
    When the physio's account goes, the claim goes with it and the exercise stays, shared,
    for the plans that use it.
    """

    exercise = models.OneToOneField(
        Exercise, primary_key=True, on_delete=models.CASCADE, related_name="ownership"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.CASCADE,
        related_name="own_exercises",
    )

    class Meta:
        verbose_name = _("exercise of one's own")
        verbose_name_plural = _("exercises of one's own")

    def __str__(self):
        return f"{self.exercise} ({self.owner})"


class ExerciseDose(models.Model):
    """An exercise with its own dose, in a plan or a template: empty fields take the
    library's values, so the physio sets the dose without touching the library."""

    exercise = models.ForeignKey(
        Exercise, verbose_name=_("exercise"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    hold_seconds = models.PositiveSmallIntegerField(_("hold (seconds)"), null=True, blank=True)
    reps = models.PositiveSmallIntegerField(_("repetitions"), null=True, blank=True)
    sets = models.PositiveSmallIntegerField(_("sets"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self):
        return str(self.exercise)

    @property
    def dose(self) -> dict:
        return {
            "hold_seconds": self.hold_seconds or self.exercise.hold_seconds,
            "reps": self.reps or self.exercise.reps,
            "sets": self.sets or self.exercise.sets,
        }
