"""Pages of the diary: today's entry, the history, an entry, the chart, the doctor's report."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from diary import chart, consult, extensions, progress, progress_chart, report, summaries
from diary.forms import EntryForm, PsfsForm, RangeForm
from diary.models import DiaryEntry, Outcome


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (``request.htmx``)."""

    htmx: HtmxDetails


HISTORY_PAGE_SIZE = 30
SAVED_MESSAGES = {
    Outcome.CREATED: gettext_lazy("Saved."),
    Outcome.UPDATED: gettext_lazy("Saved."),
    Outcome.UNCHANGED: gettext_lazy("Saved."),
    Outcome.STALE: gettext_lazy("A newer version of this entry was already saved; it is kept."),
    Outcome.DELETED: gettext_lazy("This entry was deleted after this change was made: not saved."),
}


def stretch_names(request: HttpRequest, entries) -> dict:
    """Plan item id -> name, for the stretches done in ``entries`` (no query when none has any)."""
    if not any(entry.stretches_done for entry in entries):
        return {}
    return dict(extensions.stretch_choices(request.user) or [])


def own_entry(request: HttpRequest, entry_id: uuid.UUID) -> DiaryEntry:
    entry = DiaryEntry.objects.of(request.user).addressed(entry_id).first()
    if entry is None:
        raise Http404
    return entry


def save_and_show(request: HttpRequest, form: EntryForm, template: str, context: dict):
    if request.method == "POST" and form.is_valid():
        result = form.save()
        if result is not None:
            messages.success(request, str(SAVED_MESSAGES[result.outcome]))
            if result.entry is None:
                return redirect("diary:history")
            return redirect("diary:entry", entry_id=result.entry.pk)
    status = 400 if form.errors else 200
    return render(request, template, context | {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def today(request: HttpRequest) -> HttpResponse:
    form = EntryForm.for_new_entry(request.user, request.POST or None)
    latest = DiaryEntry.objects.of(request.user).first()
    return save_and_show(request, form, "diary/today.html", {"latest": latest})


@login_required
@require_GET
def entry(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    item = own_entry(request, entry_id)
    card = summaries.card(item, stretch_names(request, [item]))
    return render(request, "diary/entry.html", {"entry": item, "card": card})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    item = own_entry(request, entry_id)
    form = EntryForm.for_entry(item, request.POST or None)
    return save_and_show(request, form, "diary/edit.html", {"entry": item})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    item = own_entry(request, entry_id)
    if request.method == "POST":
        item.delete()
        messages.success(request, _("The entry was deleted."))
        return redirect("diary:history")
    card = summaries.card(item, stretch_names(request, [item]))
    return render(request, "diary/delete.html", {"entry": item, "card": card})


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    entries = summaries.History(request.user)
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = page.object_list
    cards = summaries.timeline_items(shown, stretch_names(request, shown))
    return render(request, "diary/history.html", {"page": page, "cards": cards})


@login_required
@require_GET
def pain_chart(request: HtmxHttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", chart.PERIODS[0]))
    except ValueError:
        days = 0
    if days not in chart.PERIODS:
        days = chart.PERIODS[0]
    template = "diary/chart.html#chart" if request.htmx else "diary/chart.html"
    context = {"chart": chart.last_days(request.user, days), "days": days, "periods": chart.PERIODS}
    return render(request, template, context)


@login_required
@require_GET
def doctor_report(request: HttpRequest) -> HttpResponse:
    form, defaults = RangeForm.from_query(request.GET, request.user.today())
    start, end = form.dates(defaults)
    context = report.context(request.user, start, end) | {"form": form}
    return render(request, "diary/report.html", context)


@login_required
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    form, defaults = RangeForm.from_query(request.GET, request.user.today())
    start, end = form.dates(defaults)
    return report.csv_response(request.user, start, end)


@login_required
@require_GET
def consult_pack(request: HttpRequest) -> HttpResponse:
    """One page for a visit to the doctor or physiotherapist, the patient's own only."""
    return render(request, "diary/consult.html", consult.context(request.user))


@login_required
@require_http_methods(["GET", "POST"])
def progress_page(request: HttpRequest) -> HttpResponse:
    """The PSFS form (the activities of last time offered again) and the progress charts."""
    form = PsfsForm.for_patient(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = form.save()
        if result is not None:
            messages.success(request, str(SAVED_MESSAGES[result.outcome]))
            return redirect("diary:progress")
    patient = request.user
    weeks = progress.weekly_pain(patient)  # one read for the chart and the table
    context = {
        "form": form,
        "pain_chart": progress_chart.weekly_pain_chart(patient, summaries=weeks),
        "psfs_chart": progress_chart.psfs_chart(patient),
        "weeks": [week for week in weeks if week.days],
        "changes": progress.psfs_changes(patient),
        "latest": progress.psfs_assessments(patient).last(),
    }
    return render(request, "diary/progress.html", context, status=400 if form.errors else 200)
