"""The doctor's report: chart, table, latest assessments and plan adherence; and its CSV."""

import csv

from django.http import HttpResponse
from django.utils.translation import gettext as _

from diary import chart, extensions
from diary.models import DiaryEntry
from triage.models import Assessment

LATEST_ASSESSMENTS = 3
# A spreadsheet runs a cell that starts like a formula: a note must never do that.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def context(patient, start, end) -> dict:
    entries = list(DiaryEntry.objects.of(patient).between(start, end).order_by("date"))
    daily = DiaryEntry.objects.of(patient).between(start, end).daily_pain()
    return {
        "start": start,
        "end": end,
        "entries": entries,
        "chart": chart.build(daily, start, end),
        "assessments": list(Assessment.objects.of(patient)[:LATEST_ASSESSMENTS]),
        "stretch_names": dict(extensions.stretch_choices(patient) or []),
        "sections": extensions.extra_report_sections(patient, start, end),
    }


def safe_cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(patient, start, end) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="diary-{start}-{end}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("date"),
            _("pain"),
            _("swelling"),
            _("stiff knee"),
            _("walked normally"),
            _("rest, ice, compression, raised leg"),
            _("pain relief"),
            _("stretches done"),
            _("warning signs"),
            _("notes"),
        ]
    )
    yes, no = _("yes"), _("no")
    for entry in DiaryEntry.objects.of(patient).between(start, end).order_by("date"):
        writer.writerow(
            [
                entry.date.isoformat(),
                entry.pain,
                entry.get_swelling_display(),
                yes if entry.stiffness else no,
                yes if entry.walked_normally else no,
                yes if entry.rice else no,
                yes if entry.pain_relief else no,
                " ".join(map(str, entry.stretches_done)),
                " ".join(entry.red_flags),
                safe_cell(entry.notes),
            ]
        )
    return response
