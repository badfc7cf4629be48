"""Account pages (sign up, sign in, password reset, profile, consent, deletion) and the data
export."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from kneeapp import consent
from kneeapp.data_rights import delete_account_and_data, export_user_data
from kneeapp.forms import (
    ConfirmPasswordForm,
    ConsentForm,
    DeleteAccountForm,
    InvitedSignUpForm,
    ProfileForm,
    SignUpForm,
)
from kneeapp.invitations import open_invitation
from kneeapp.middleware import keep_session, mark_password_checked, password_checked_recently
from kneeapp.models import Consent, User
from kneeapp.signin import PasswordResetRequestForm, SignInForm
from reminders.plans import end_plans
from reminders.views import preferences_page


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("home")
    context = {"form": form, "consent_paragraphs": consent.paragraphs()}
    return render(request, "kneeapp/signup.html", context)


class LoginView(auth_views.LoginView):
    """Sign in; attempts are throttled per email and network address (``kneeapp.signin``)."""

    template_name = "kneeapp/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data.get("keep_signed_in"):
            keep_session(self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link; requests are throttled per email and network address."""

    form_class = PasswordResetRequestForm
    template_name = "kneeapp/password_reset_form.html"
    email_template_name = "kneeapp/password_reset_email.txt"
    subject_template_name = "kneeapp/password_reset_subject.txt"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


# The account page lists this many of the latest looks at the patient's data (the export: all).
STAFF_ACCESS_SHOWN = 20


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    return preferences_page(
        request,
        ProfileForm,
        "kneeapp/profile.html",
        _("Your settings are saved."),
        staff_accesses=request.user.staff_accesses.all()[:STAFF_ACCESS_SHOWN],
        consent=request.user.consents.first(),
    )


def next_page(request: HttpRequest) -> str:
    """Where the consent page sends the patient on: back where they were asked, if ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    ours = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if ours else ""


@login_required
@require_http_methods(["GET", "POST"])
def consent_page(request: HttpRequest) -> HttpResponse:
    """Read the consent text; agree to it, or withdraw (``kneeapp/consent.py``)."""
    user = request.user
    if user.is_staff and request.method == "POST":
        raise PermissionDenied  # staff are never asked: nothing of theirs to agree to here
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["action"] == ConsentForm.AGREE:
            Consent.objects.give(user)
            messages.success(request, _("Thank you. You can use kneeapp again."))
            return redirect(next_page(request) or "home")
        Consent.objects.withdraw(user)
        messages.info(
            request,
            _(
                "You withdrew your consent. Reminders have stopped and your physiotherapist "
                "no longer sees your data."
            ),
        )
        return redirect("consent")
    context = {
        "form": form,
        "paragraphs": consent.paragraphs(),
        "version": consent.CURRENT_VERSION,
        "version_date": consent.version_date(consent.CURRENT_VERSION),
        "latest": user.consents.first(),
        "next": next_page(request),
    }
    return render(request, "kneeapp/consent.html", context, status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        delete_account_and_data(user)
        messages.success(request, _("Your account and all its data have been deleted."))
        return redirect("home")
    return render(request, "kneeapp/delete_account.html", {"form": form})


def confirm_password_url(then: str) -> str:
    return f"{reverse('confirm_password')}?{urlencode({'next': then})}"


@login_required
@require_http_methods(["GET", "POST"])
def confirm_password(request: HttpRequest) -> HttpResponse:
    """Type the password again before handing over the whole record (``next``), when it was
    last typed long ago: a phone kept signed in for weeks may be in someone else's hands."""
    form = ConfirmPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        mark_password_checked(request)
        return redirect(next_page(request) or "profile")
    context = {"form": form, "next": next_page(request)}
    return render(request, "kneeapp/confirm_password.html", context)


@login_required
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    """The way to the download of all one's data, past a fresh password check."""
    if not password_checked_recently(request):
        return redirect(confirm_password_url(request.path))
    return render(request, "kneeapp/export.html")


@extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Everything the signed-in user owns")
@api_view(["GET"])
def export(request: Request) -> Response:
    if not password_checked_recently(request):
        detail = _("Type your password again first: %(url)s") % {
            "url": confirm_password_url(reverse("export_data"))
        }
        return Response({"detail": detail}, status=403)
    response = Response(export_user_data(request.user))
    response["Content-Disposition"] = 'attachment; filename="kneeapp-export.json"'
    return response


# Invitations from a physiotherapist (kneeapp/invitations.py)


def end_link(patient) -> None:
    """The patient ends the link with their physiotherapist: access goes at once, and so do
    the physiotherapist's plans from today (a plan that has not started is removed)."""
    with transaction.atomic():
        end_plans(patient)
        patient.physiotherapist = None
        patient.save(update_fields=["physiotherapist"])


@require_http_methods(["GET", "POST"])
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    found = open_invitation(token)
    if found is None:
        return render(request, "kneeapp/invitation.html", {"invitation": None}, status=404)
    context = {"invitation": found, "physiotherapist": found.physiotherapist}
    user = request.user
    if user.is_authenticated:
        if user.is_staff:
            raise Http404  # staff are not patients
        if user.email != found.email:
            # A link sent on to someone else does not make them this physiotherapist's patient.
            return render(request, "kneeapp/invitation.html", context | {"other": True}, status=403)
        if request.method == "POST":
            with transaction.atomic():
                locked = open_invitation(token, for_update=True)
                if locked is None:
                    return render(request, "kneeapp/invitation.html", {"invitation": None}, 404)
                locked.accept(user)
            messages.success(
                request,
                _("%(physio)s is now your physiotherapist.") % {"physio": found.physiotherapist},
            )
            return redirect("profile")
        return render(request, "kneeapp/invitation.html", context)
    if User.objects.filter(email=found.email).exists():
        return redirect(f"{reverse('login')}?next={request.path}")
    form = InvitedSignUpForm(found.email, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = open_invitation(token, for_update=True)
            if locked is None:
                return render(request, "kneeapp/invitation.html", {"invitation": None}, 404)
            patient = form.save()
            locked.accept(patient)
        login(request, patient, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("Welcome! Your account is ready and linked."))
        return redirect("profile")
    context |= {"form": form, "consent_paragraphs": consent.paragraphs()}
    return render(request, "kneeapp/invitation.html", context)


@login_required
@require_POST
def end_physiotherapist(request: HttpRequest) -> HttpResponse:
    if request.user.physiotherapist_id is None:
        raise Http404
    physio = request.user.physiotherapist
    end_link(request.user)
    messages.success(
        request,
        _("%(physio)s can no longer see your data, and their plan has ended.") % {"physio": physio},
    )
    return redirect("profile")
