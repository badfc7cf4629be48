"""Pages of the stretch plan: today's stretches, "done", preferences and unsubscribing."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from reminders import feedback, plans, snooze
from reminders.forms import DoneForm, PreferencesForm
from reminders.notifications import UnsubscribeExpired, read_unsubscribe_token
from reminders.preferences import save_preferences
from reminders.vapid import vapid_keys


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (``request.htmx``)."""

    htmx: HtmxDetails


@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # Not a redirect: the page is precached for offline use and must answer anyone.
        return render(request, "reminders/plan.html", {"day": None})
    context = {
        "day": plans.day_plan(request.user),
        "vapid_public_key": vapid_keys().public_key,
        "pain_scale": range(11),
        "painful": feedback.PAINFUL,
        "pain_advice": feedback.PAIN_ADVICE,
    }
    return render(request, "reminders/plan.html", context)


@login_required
@require_POST
def done(request: HtmxHttpRequest) -> HttpResponse:
    form = DoneForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("That could not be marked done. %(errors)s") % {"errors": form.error_text()},
        )
        return redirect("reminders:plan")
    data = form.cleaned_data
    try:
        _completion, created = plans.mark_done_as_asked(request.user, data)
    except plans.DoneRejected as error:
        messages.error(request, str(error))
    else:
        if created:
            messages.success(request, _("Well done! Marked as done."))
        elif data["effort"] or data["pain"] is not None:
            messages.success(request, _("Thank you: how it felt is saved."))
        if data["pain"] is not None and data["pain"] >= feedback.PAINFUL:
            messages.warning(request, feedback.PAIN_ADVICE)
    if request.htmx:
        return render(
            request,
            "reminders/plan.html#reminders",
            {"day": plans.day_plan(request.user)},
        )
    return redirect("reminders:plan")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HtmxHttpRequest) -> HttpResponse:
    return preferences_page(
        request,
        PreferencesForm,
        "reminders/preferences.html",
        _("Your reminder settings are saved."),
        vapid_public_key=vapid_keys().public_key,
    )


def preferences_page(request, form_class, template: str, saved: str, **context) -> HttpResponse:
    """A page that edits the user's reminder preferences (this app's, and the account page)."""
    form = form_class(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        save_preferences(request.user, {name: form.cleaned_data[name] for name in form.fields})
        messages.success(request, saved)
        if request.htmx:
            return HttpResponseClientRedirect(request.path)
        return redirect(request.path)
    return render(request, template, {"form": form, **context})


@csrf_exempt  # one-click unsubscribe (RFC 8058): mail clients POST without our CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Ask (GET), then turn email reminders off (POST), as the link's email was sent under.

    The link expires after 90 days (410), and once the patient has changed their email
    setting since that email was sent it changes nothing: a replay of an old email must not
    undo their turning reminders back on.
    """
    page = "reminders/unsubscribed.html"
    try:
        found = read_unsubscribe_token(token)
    except UnsubscribeExpired:
        return render(request, page, {"state": "expired"}, status=410)
    user = get_user_model().objects.filter(pk=found[0]).first() if found else None
    if user is None:
        raise Http404
    changed_at = user.remind_by_email_changed_at
    if changed_at is not None and changed_at > found[1]:
        return render(request, page, {"state": "changed since"})
    if request.method == "POST":
        # A GET never changes anything: mail scanners follow links.
        if user.remind_by_email:
            save_preferences(user, {"remind_by_email": False})
        return render(request, page, {"state": "done"})
    return render(request, page, {"state": "ask"})


@require_http_methods(["GET", "POST"])
def later(request: HttpRequest, token: str) -> HttpResponse:
    """An email's "later" link: ask (GET, which changes nothing: mail scanners follow
    links), then send the reminder again in 30 minutes (POST), once. No session needed."""
    page = "reminders/later.html"
    try:
        delivery = snooze.for_user(token, request.user)
    except snooze.LaterExpired:
        return render(request, page, {"state": "expired"}, status=410)
    if delivery is None:
        raise Http404
    context = {"zone": delivery.patient.time_zone, "token": token}
    if not snooze.can_snooze(delivery):
        return render(request, page, {**context, "state": "cannot"}, status=409)
    if request.method == "POST":
        moved = snooze.snooze(delivery, timezone.now())
        state = "done" if moved.created else "already"
        return render(request, page, {**context, "state": state, "at": moved.delivery.not_before})
    return render(request, page, {**context, "state": "ask"})
