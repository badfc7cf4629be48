"""Sign-in and password-reset throttling, per email address and per network address.

Every password check goes through ``ThrottledModelBackend`` or ``check_password`` here: the
sign-in pages (ours and the admin's), the password change pages (ours and the admin's),
account deletion and any password-based API authentication, so none of them can be used to
guess without limit. Each attempt is counted *before* its password is checked, with the
throttle's rows locked while they count, so parallel attempts get no more password checks
than the limit; while a key is locked no password is even checked. The forms below only turn
a refusal into a message that says the same whether or not the account exists.
"""

import datetime as dt
import functools
import ipaddress
import logging

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError

from kneeapp import consent
from kneeapp.consent import with_consent
from kneeapp.models import LoginThrottle, ThrottleScope, UserSession
from kneeapp.prepared import PreparedQuery, Stand
from kneeapp.sessions import standing, standing_session
from kneeapp.tasks import send_password_reset

TOO_MANY_ATTEMPTS = _("Too many attempts. Try again in a few minutes.")

log = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's network address; behind ``TRUSTED_PROXIES`` proxies, the one they saw.

    An IPv6 client counts as its /64: one household or phone gets a whole /64, and counting
    single addresses would let it try 2**64 times.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if hops := settings.TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [part.strip() for part in forwarded if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _digest(kind: str, value: str) -> str:
    return salted_hmac(f"kneeapp.signin.{kind}", value, algorithm="sha256").hexdigest()


def account_key(email: str) -> str:
    return _digest("account", email.strip().lower())


def _keys(request, email: str, account_scope: str, address_scope: str) -> list[tuple[str, str]]:
    keys = [(account_scope, account_key(email))]
    if request is not None:
        keys.append((address_scope, _digest("address", client_address(request))))
    return keys


def sign_in_keys(request, email: str) -> list[tuple[str, str]]:
    """The account's key first: a successful sign-in clears that one only."""
    return _keys(request, email, ThrottleScope.SIGN_IN_ACCOUNT, ThrottleScope.SIGN_IN_ADDRESS)


def reset_keys(request, email: str) -> list[tuple[str, str]]:
    return _keys(request, email, ThrottleScope.RESET_ACCOUNT, ThrottleScope.RESET_ADDRESS)


class ThrottledModelBackend(ModelBackend):
    """Django's password check, refused while the email or network address is locked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        keys = sign_in_keys(request, username)
        if not LoginThrottle.objects.take(keys):
            raise PermissionDenied  # stops every backend; the password is not looked at
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            LoginThrottle.objects.lock_spent(keys)
        else:
            # The account's counter only: a guesser with an account of their own must not
            # be able to reset their network address's count by signing in to it.
            LoginThrottle.objects.clear(keys[:1])
            LoginThrottle.objects.give_back(keys[1:])
        return user

    def get_user(self, user_id):
        """The signed-in user with their consent, in one query; while ``session_user`` fetches
        it, only if the session's row still stands (kneeapp/sessions.py)."""
        session_key = standing_session.get()
        if session_key is None:
            user = with_consent(get_user_model()._default_manager.filter(pk=user_id)).first()
        else:
            now = timezone.now()
            user = session_user_query().first(pk=user_id, session_key=session_key, now=now)
        return user if user is not None and self.user_can_authenticate(user) else None


def signed_in_user(pk, session_key: str, now):
    """The user ``pk`` with their consent, if they own the standing session ``session_key``."""
    users = with_consent(get_user_model()._default_manager.filter(pk=pk))
    return standing(users, session_key, now)


@functools.cache
def session_user_query() -> PreparedQuery:
    """``signed_in_user``, compiled once per connection (and consent text): on every request."""
    user_model = get_user_model()
    return PreparedQuery(
        "session_user",
        user_model,
        signed_in_user,
        {
            "pk": Stand(-1_234_567_891, user_model._meta.pk),
            "session_key": Stand("kneeapp-stand-in-session-key", UserSession._meta.pk),
            "now": Stand(
                dt.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=dt.UTC),
                UserSession._meta.get_field("expire_date"),
            ),
        },
        key=lambda: consent.CURRENT_VERSION,
    )


def check_password(user, password: str) -> bool:
    """The password of a signed-in user (changing it, deleting the account), counted against
    the account like a sign-in: a stolen session must not be a way to guess the password."""
    keys = sign_in_keys(None, user.email)
    if not LoginThrottle.objects.take(keys):
        raise forms.ValidationError(TOO_MANY_ATTEMPTS, code="too_many_attempts")
    if user.check_password(password):
        LoginThrottle.objects.clear(keys)
        return True
    LoginThrottle.objects.lock_spent(keys)
    return False


class TooManyAttemptsMessage:
    """Say "too many attempts" instead of "wrong email or password" once a key is locked."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            username = self.cleaned_data.get("username")
            if username and LoginThrottle.objects.locked(sign_in_keys(self.request, username)):
                raise forms.ValidationError(TOO_MANY_ATTEMPTS, code="too_many_attempts") from None
            raise


class SignInForm(TooManyAttemptsMessage, AuthenticationForm):
    keep_signed_in = forms.BooleanField(label=_("Keep me signed in on this device"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = settings.SESSION_KEPT_AGE // 86400
        self.fields["keep_signed_in"].help_text = ngettext(
            "Only on your own phone or computer: you stay signed in for %(days)d day, even "
            "when you do not use kneeapp for a while. We ask for your password again before "
            "you download your data.",
            "Only on your own phone or computer: you stay signed in for %(days)d days, even "
            "when you do not use kneeapp for a while. We ask for your password again before "
            "you download your data.",
            days,
        ) % {"days": days}


class AdminSignInForm(TooManyAttemptsMessage, AdminAuthenticationForm):
    pass


class ThrottledPasswordChangeForm(PasswordChangeForm):
    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not check_password(self.user, old_password):
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class PasswordResetRequestForm(PasswordResetForm):
    """A password reset request, counted per email address and network address.

    Every request counts, for an existing account or not, so the refusal tells nothing
    about which addresses have accounts; and no one can flood an inbox with reset emails.
    """

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        if email := cleaned_data.get("email"):
            keys = reset_keys(self.request, email)
            if not LoginThrottle.objects.take(keys):
                raise forms.ValidationError(TOO_MANY_ATTEMPTS, code="too_many_attempts")
            LoginThrottle.objects.lock_spent(keys)
        return cleaned_data

    def save(self, **kwargs) -> None:
        """Queue the email instead of sending it in the request (its timing would tell
        whether the address has an account); the task builds the link itself."""
        users = list(self.get_users(self.cleaned_data["email"])) or [None]
        for user in users:
            try:
                send_password_reset.delay(user.pk if user is not None else None)
            except (OperationalError, OSError) as error:  # the broker is down
                log.warning("password reset email not queued: %s", error)
