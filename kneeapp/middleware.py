"""Response headers Django has no setting for, the end of idle or old sessions, and a
database that refuses writes or drops the connection."""

import datetime as dt
import functools
import logging
import sys
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db.utils import InternalError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import defaults

log = logging.getLogger(__name__)

SIGNED_IN_AT = "kneeapp_signed_in_at"
LAST_SEEN_AT = "kneeapp_last_seen_at"
# When this session last had its password typed: at sign-in, then at each re-check.
PASSWORD_CHECKED_AT = "kneeapp_password_checked_at"
# Set when "keep me signed in on this device" was ticked at sign-in.
KEPT = "kneeapp_kept"
# The last-seen time is written at most this often, not on every request (a database write).
LAST_SEEN_RESOLUTION = 60


class PermissionsPolicyMiddleware:
    """Tell the browser which powerful features no page of ours ever uses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class QueryGuardMiddleware:
    """Query parameters no page takes, refused with a 400 naming the parameter before they
    can reach the database.

    A NUL character anywhere (PostgreSQL refuses NUL in text, so a filter, search or
    autocomplete term holding one, ``?status=%00``, failed there: a 500 on staff list
    pages); and on the admin, a regular-expression lookup (``?notes__regex=(a``), which the
    admin allows on any field of a model and which the database answers with an error for a
    broken expression (no admin filter or search of ours uses one); and a date drill-down
    part that is not a short number (``?slot__year=9999…``: past what a date can hold, the
    admin's date hierarchy overflows into a 500).
    """

    REGEX_LOOKUPS = ("__regex", "__iregex")
    DATE_PARTS = ("__year", "__month", "__day")

    def __init__(self, get_response):
        self.get_response = get_response

    @functools.cached_property
    def admin_prefix(self) -> str:
        return reverse("admin:index")

    def __call__(self, request):
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                message = _("“%(name)s” holds a NUL character, which no page takes.")
                return bad_parameter(request, name.replace("\x00", "\\0"), message)
            if not request.path.startswith(self.admin_prefix):
                continue
            if name.endswith(self.REGEX_LOOKUPS):
                message = _("“%(name)s”: regular-expression lookups are not offered.")
                return bad_parameter(request, name, message)
            if name.endswith(self.DATE_PARTS) and not all(map(short_number, values)):
                message = _("“%(name)s” must be a number of at most four digits.")
                return bad_parameter(request, name, message)
        return self.get_response(request)


def short_number(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 4


def bad_parameter(request, name: str, message: str) -> HttpResponse:
    message = message % {"name": name}
    if request.path.startswith("/api/"):
        return JsonResponse({name: [message]}, status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class PrivateResponsesMiddleware:
    """Nothing shown to a signed-in person is kept in the browser's HTTP cache.

    Diary pages, the report, the CSV, the export, the plan and the API all carry health
    data: with ``Cache-Control: no-store`` a shared phone's Back button after signing out
    does not show them again. (The service worker's offline copies are its own, and are
    cleared at sign-out.) A response that already says how to cache it is left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)  # a request that never reached the auth middleware
        if "Cache-Control" not in response.headers and user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store, private"
        return response


def start_session(request, now: int | None = None) -> None:
    """Mark the session as signed in now.

    Run at every sign-in by the ``user_logged_in`` receiver that KneeappConfig.ready()
    connects: the sign-in page, the admin's, sign-up and the test client's force_login alike.
    """
    now = int(time.time()) if now is None else now
    session = request.session
    session.pop(KEPT, None)  # each sign-in asks again (the sign-in page's checkbox)
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = session[PASSWORD_CHECKED_AT] = now
    # An absolute end for the cookie and the stored row too: without it every write of the
    # last-seen time would push the expiry SESSION_COOKIE_AGE further away.
    session.set_expiry(dt.datetime.fromtimestamp(now + session_age(session), tz=dt.UTC))


def session_started(sender, request, user, **kwargs) -> None:
    start_session(request)


def keep_session(request) -> None:
    """ "Keep me signed in on this device": the session lasts ``SESSION_KEPT_AGE`` from signing
    in and no idle timeout applies, so a home-screen app opened to mark a stretch done finds
    its patient still signed in. Signing out, a new password and deleting the account still
    end it; exporting the data asks for the password again (``password_checked_recently``)."""
    session = request.session
    session[KEPT] = True
    session.set_expiry(
        dt.datetime.fromtimestamp(session[SIGNED_IN_AT] + session_age(session), tz=dt.UTC)
    )


def session_age(session) -> int:
    return settings.SESSION_KEPT_AGE if session.get(KEPT) else settings.SESSION_COOKIE_AGE


def password_checked_recently(request) -> bool:
    """Whether this session's password was typed within ``PASSWORD_RECHECK_AFTER`` seconds:
    a phone left signed in for weeks must not hand over the whole record to whoever holds
    it."""
    checked = request.session.get(PASSWORD_CHECKED_AT, 0)
    return int(time.time()) - checked < settings.PASSWORD_RECHECK_AFTER


def mark_password_checked(request) -> None:
    request.session[PASSWORD_CHECKED_AT] = int(time.time())


class SessionTimeoutMiddleware:
    """Sign out after ``SESSION_IDLE_TIMEOUT`` seconds without a request, and in any case
    ``SESSION_COOKIE_AGE`` seconds after signing in; a kept session (``keep_session``) only
    at its own age, ``SESSION_KEPT_AGE``.

    Health data on a phone left on a table, or a shared computer, should not stay open. Goes
    after ``AuthenticationMiddleware`` and ``MessageMiddleware``. Times are Unix seconds kept
    in the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            if SIGNED_IN_AT in request.session:
                self.check(request, now)
            else:
                start_session(request, now)  # a session older than this middleware
        return self.get_response(request)

    def check(self, request, now: int) -> None:
        session = request.session
        if now - session[SIGNED_IN_AT] >= session_age(session):
            logout(request)
            messages.info(request, _("You were signed out: please sign in again."))
        elif (
            not session.get(KEPT)
            and now - session.get(LAST_SEEN_AT, 0) >= settings.SESSION_IDLE_TIMEOUT
        ):
            logout(request)
            messages.info(
                request,
                _("You were signed out after a while without activity, to keep your data private."),
            )
        elif now - session[LAST_SEEN_AT] >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN_AT] = now


class DatabaseRefusalMiddleware:
    """A database that refuses a write (read-only, failing over, out of space) is a 503.

    One place for every page and API view: pages get a short page in plain words, the API
    ``{"detail": ...}``, both with Retry-After. Each view's writes are atomic, so nothing is
    half-saved, and the offline outbox keeps what it could not send and sends it again.
    """

    RETRY_AFTER = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_REFUSALS):
            return None
        return database_unavailable(request, exception)


DATABASE_REFUSALS = (OperationalError, InternalError)


def database_unavailable(request, exception: Exception) -> HttpResponse:
    """The 503 for a database that refused or dropped: a page, or JSON for the API."""
    log.error("database refused %s %s: %s", request.method, request.path, exception)
    message = _(
        "We could not save this just now, so nothing was changed. "
        "Please try again in a few minutes."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": str(message)}, status=503)
    else:
        # Rendered without the request: its context (the user, the session) needs the
        # database that just failed.
        html = render_to_string(
            "kneeapp/unavailable.html",
            {"message": message, "emergency_phone_number": settings.EMERGENCY_PHONE_NUMBER},
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(DatabaseRefusalMiddleware.RETRY_AFTER)
    return response


def server_error(request) -> HttpResponse:
    """``handler500``: what a middleware raised, not only a view, ends here.

    The session middleware loads and saves the session outside any view (a connection
    dropped under load, ``pg_terminate_backend``), where ``process_exception`` never sees
    it: a database error is still the 503 page, anything else Django's 500.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_REFUSALS):
        return database_unavailable(request, error)
    return defaults.server_error(request)
