"""Accounts: the user (signed in with an email address), the profile settings on it, the
user's sessions and the counters that throttle sign-in and password-reset attempts. The
audit trail of staff access has its own module, ``kneeapp/audit.py``, and so has consent to
processing health data, ``kneeapp/consent.py``, and time zones, ``kneeapp/time_zones.py``.

This module imports no app: every app may point a foreign key at ``settings.AUTH_USER_MODEL``.
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kneeapp.time_zones import validate_time_zone, zone_named

PHYSIOTHERAPISTS_GROUP = "Physiotherapists"


def validate_quiet_hours(start: dt.time | None, end: dt.time | None) -> None:
    """Quiet hours have both ends or none (the form, the API and the database agree)."""
    if (start is None) != (end is None):
        raise ValidationError(
            {"quiet_hours_end": _("Give both the start and the end of quiet hours, or neither.")}
        )


class UserQuerySet(models.QuerySet):
    def physiotherapists(self):
        return self.filter(is_staff=True, is_active=True, groups__name=PHYSIOTHERAPISTS_GROUP)

    def patients_of(self, physiotherapist):
        """The patients whose data ``physiotherapist`` may see: those assigned to them who
        have not withdrawn their consent. The one rule: every admin page of patients' data
        narrows a physiotherapist's rows through it."""
        return self.filter(sharing_condition(), physiotherapist=physiotherapist)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        """Sign-in by email in any capitals: every stored address is lower-case."""
        return self.get(email=self.normalize_email(email.strip()).lower())

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class ReminderChannels(models.TextChoices):
    """How a patient is reminded: the switches ``remind_by_push`` and ``remind_by_email``
    read together. With both on, email is the fallback only: it goes when a push fails for
    good or the phone has confirmed no push for 3 days (docs/reminders.md), so a patient
    does not get every reminder twice."""

    PUSH_THEN_EMAIL = "push_then_email", _("Notifications, and email when they do not arrive")
    PUSH = "push", _("Notifications only")
    EMAIL = "email", _("Email only")
    OFF = "off", _("No reminders")

    def switches(self) -> dict[str, bool]:
        """The two fields that store this choice."""
        both = self == ReminderChannels.PUSH_THEN_EMAIL
        return {
            "remind_by_push": both or self == ReminderChannels.PUSH,
            "remind_by_email": both or self == ReminderChannels.EMAIL,
        }


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
    # When remind_by_email last changed: an unsubscribe link from an email sent before that
    # acts on a setting that is no longer the one it was sent under, so it changes nothing.
    remind_by_email_changed_at = models.DateTimeField(
        _("email reminders last changed"), null=True, blank=True, editable=False
    )
    remind_by_push = models.BooleanField(_("reminders by push notification"), default=False)
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    # A gentle reminder after 2 days with nothing logged (reminders/nudges.py).
    send_nudges = models.BooleanField(_("a nudge after 2 days with nothing logged"), default=True)

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

    @property
    def reminder_channels(self) -> ReminderChannels:
        choices = ReminderChannels
        if self.remind_by_push:
            return choices.PUSH_THEN_EMAIL if self.remind_by_email else choices.PUSH
        return choices.EMAIL if self.remind_by_email else choices.OFF

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        validate_quiet_hours(self.quiet_hours_start, self.quiet_hours_end)

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email.split("@")[0]

    @property
    def is_physiotherapist(self) -> bool:
        return self.is_staff and self.groups.filter(name=PHYSIOTHERAPISTS_GROUP).exists()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone_named(self.time_zone)

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The date on this user's own clock (their profile's time zone), now or at ``now``."""
        return (now or timezone.now()).astimezone(self.zone).date()

    def is_in_the_future(self, day: dt.date) -> bool:
        """Whether ``day`` is after tomorrow on this user's clock: a date they may not write
        for. One day of slack for a phone whose clock or zone is ahead of the account's."""
        return day > self.today() + dt.timedelta(days=1)

    def in_quiet_hours(self, moment) -> bool:
        """Whether ``moment`` (an aware datetime) falls in this user's quiet hours, locally."""
        if self.quiet_hours_start is None or self.quiet_hours_end is None:
            return False
        local = moment.astimezone(self.zone).time()
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start <= end:
            return start <= local < end
        return local >= start or local < end  # quiet hours across midnight


class UserSession(AbstractBaseSession):
    """A database session that knows whose it is, so an account's sessions go with it.

    The session store (``kneeapp.sessions``) sets ``user`` from the signed-in user's id each
    time it saves. No database constraint: a request still running on another device may save
    its session just after the account was deleted, and that must not fail with a 500 (the
    row can sign no one in, and it expires); deleting the user deletes the rows (CASCADE).
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="sessions",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from kneeapp.sessions import SessionStore

        return SessionStore


class ThrottleScope(models.TextChoices):
    SIGN_IN_ACCOUNT = "sign-in-account", _("Failed sign-ins to an email address")
    SIGN_IN_ADDRESS = "sign-in-address", _("Failed sign-ins from a network address")
    RESET_ACCOUNT = "reset-account", _("Password resets asked for an email address")
    RESET_ADDRESS = "reset-address", _("Password resets asked from a network address")


def throttle_limit(scope: str) -> int:
    return {
        ThrottleScope.SIGN_IN_ACCOUNT: settings.SIGN_IN_FAILURES_PER_ACCOUNT,
        ThrottleScope.SIGN_IN_ADDRESS: settings.SIGN_IN_FAILURES_PER_ADDRESS,
        ThrottleScope.RESET_ACCOUNT: settings.PASSWORD_RESETS_PER_ACCOUNT,
        ThrottleScope.RESET_ADDRESS: settings.PASSWORD_RESETS_PER_ADDRESS,
    }[scope]


class LoginThrottleQuerySet(models.QuerySet):
    """Counting is keyed by ``(scope, key)`` pairs, as made by ``kneeapp.signin``."""

    def _of(self, keys):
        match = models.Q(pk__in=[])
        for scope, key in keys:
            match |= models.Q(scope=scope, key=key)
        return self.filter(match)

    def locked(self, keys, now: dt.datetime | None = None) -> bool:
        return self._of(keys).filter(locked_until__gt=now or timezone.now()).exists()

    def take(self, keys, now: dt.datetime | None = None) -> bool:
        """Count one attempt against every key *before* the password is checked, or none and
        False if any key is locked or has used up its window (which locks it).

        The rows are locked for update while they are read and counted, so parallel attempts
        queue here and no more of them than the limit ever reach a password check.
        """
        now = now or timezone.now()
        with transaction.atomic():
            rows = self._rows_for_update(keys, now)
            if not all(row.has_attempt_left(now) for row in rows):
                for row in rows:
                    row.lock_if_spent(now)
                return False
            for row in rows:
                row.take_attempt(now)
        return True

    def lock_spent(self, keys, now: dt.datetime | None = None) -> bool:
        """After a failed attempt: lock the keys that have used up their window; whether any
        of them is now locked."""
        now = now or timezone.now()
        with transaction.atomic():
            return any([row.lock_if_spent(now) for row in self._rows_for_update(keys, now)])

    def hit(self, keys, now: dt.datetime | None = None) -> bool:
        """Count one attempt that is not checked (a password reset request); whether any key
        is now locked."""
        self.take(keys, now)
        return self.lock_spent(keys, now)

    def give_back(self, keys) -> None:
        """Return an attempt taken by a successful sign-in (to the network address's count)."""
        self._of(keys).filter(attempts__gt=0).update(attempts=models.F("attempts") - 1)

    def clear(self, keys) -> None:
        self._of(keys).delete()

    def _rows_for_update(self, keys, now: dt.datetime) -> list["LoginThrottle"]:
        # Rows whose window and lockout are both over count for nothing: cheap to drop here.
        self.filter(stale_after__lt=now).delete()
        return [
            self.select_for_update().get_or_create(
                scope=scope, key=key, defaults={"window_started_at": now, "stale_after": now}
            )[0]
            for scope, key in keys  # always in the same order: no two attempts deadlock
        ]


class LoginThrottle(models.Model):
    """Attempts against one email address or one network address in the current window.

    Too many lock the key for ``THROTTLE_LOCKOUT`` seconds, after which it opens by itself.
    Kept in the database, the one store every gunicorn worker and machine shares (a local
    memory cache counts per process; Redis may be down). ``key`` is a keyed hash of the
    address, so the table names no one.
    """

    scope = models.CharField(max_length=16, choices=ThrottleScope.choices)
    key = models.CharField(max_length=64)
    attempts = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    stale_after = models.DateTimeField(db_index=True)

    objects = LoginThrottleQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="throttle_one_row_per_key"),
            models.CheckConstraint(
                condition=models.Q(scope__in=ThrottleScope.values), name="throttle_scope_valid"
            ),
        ]

    def __str__(self):
        return f"{self.scope} {self.key[:8]}"

    @property
    def limit(self) -> int:
        return throttle_limit(self.scope)

    def has_attempt_left(self, now: dt.datetime) -> bool:
        if self.locked_until is not None and self.locked_until > now:
            return False
        window_over = self.window_started_at <= now - dt.timedelta(seconds=settings.THROTTLE_WINDOW)
        return window_over or self.attempts < self.limit

    def take_attempt(self, now: dt.datetime) -> None:
        """Count one attempt (the row is locked for update and has one left)."""
        window = dt.timedelta(seconds=settings.THROTTLE_WINDOW)
        if self.window_started_at <= now - window:
            self.attempts, self.window_started_at = 0, now
        self.attempts += 1
        self.stale_after = max(self.window_started_at + window, self.locked_until or now)
        self.save()

    def lock_if_spent(self, now: dt.datetime) -> bool:
        """Lock the key if its window is used up (the row is locked for update); whether it
        is locked. Once the lockout is over a fresh window starts from nothing."""
        if self.locked_until is not None and self.locked_until > now:
            return True
        window = dt.timedelta(seconds=settings.THROTTLE_WINDOW)
        if self.window_started_at <= now - window or self.attempts < self.limit:
            return False
        self.locked_until = now + dt.timedelta(seconds=settings.THROTTLE_LOCKOUT)
        self.attempts, self.window_started_at = 0, self.locked_until
        self.stale_after = self.locked_until + window
        self.save()
        return True


# Models of their own modules, registered with this app when its models load.
from kneeapp.audit import StaffAccess  # noqa: E402, F401
from kneeapp.consent import Consent, sharing_condition  # noqa: E402, F401
from kneeapp.invitations import Invitation  # noqa: E402, F401
