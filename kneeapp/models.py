"""Accounts: the user (signed in with an email address) and the profile settings on it.

This module imports no app: every app may point a foreign key at ``settings.AUTH_USER_MODEL``.
"""

import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PHYSIOTHERAPISTS_GROUP = "Physiotherapists"


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class UserQuerySet(models.QuerySet):
    def physiotherapists(self):
        return self.filter(is_staff=True, is_active=True, groups__name=PHYSIOTHERAPISTS_GROUP)

    def patients_of(self, physiotherapist):
        return self.filter(physiotherapist=physiotherapist)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A patient, a physiotherapist (staff in the Physiotherapists group) or an administrator."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    physiotherapist = models.ForeignKey(
        "self",
        verbose_name=_("physiotherapist"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patients",
        limit_choices_to={"is_staff": True, "groups__name": PHYSIOTHERAPISTS_GROUP},
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    remind_by_email = models.BooleanField(_("reminders by email"), default=True)
    remind_by_push = models.BooleanField(_("reminders by push notification"), default=False)
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                condition=~models.Q(physiotherapist=models.F("pk")),
                name="user_not_own_physiotherapist",
            ),
            models.CheckConstraint(
                condition=models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="user_quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self):
        return self.name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValidationError(
                {
                    "quiet_hours_end": _(
                        "Give both the start and the end of quiet hours, or neither."
                    )
                }
            )

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email.split("@")[0]

    @property
    def is_physiotherapist(self) -> bool:
        return self.is_staff and self.groups.filter(name=PHYSIOTHERAPISTS_GROUP).exists()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def in_quiet_hours(self, moment) -> bool:
        """Whether ``moment`` (an aware datetime) falls in this user's quiet hours, locally."""
        if self.quiet_hours_start is None or self.quiet_hours_end is None:
            return False
        local = moment.astimezone(self.zone).time()
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start <= end:
            return start <= local < end
        return local >= start or local < end  # quiet hours across midnight
