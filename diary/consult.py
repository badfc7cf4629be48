"""The consult pack: what a doctor or physiotherapist reads at a visit, on one page that fits
a phone and prints on A4 (``/diary/consult/``), and the same data as a FHIR Bundle
(``diary/fhir.py``).

The pain chart and its words are the report's (``diary/chart.py``); the latest checker result
is shown as the checker shows it (``triage/presentation.py``); what lives in higher apps
(plan adherence, how the exercises felt) comes through ``extensions.consult_sections``.
"""

import datetime as dt

from diary import chart, extensions
from diary.models import DiaryEntry
from triage import presentation
from triage.knowledge import load_knowledge
from triage.models import Assessment

DAYS = 90  # the last three months: a chart period (chart.PERIODS) and a usual time between visits
RED_FLAG_ENTRIES = 20


def period(patient) -> tuple[dt.date, dt.date]:
    end = patient.today()
    return end - dt.timedelta(days=DAYS - 1), end


def latest_assessment(patient) -> tuple[Assessment | None, dict | None]:
    """The patient's newest checker result, and how the checker shows it (answers included)."""
    assessment = Assessment.objects.of(patient).first()
    if assessment is None:
        return None, None
    view = presentation.result_view(
        load_knowledge(), assessment.result, assessment.answers, assessment.unsure
    )
    return assessment, view


def red_flag_entries(patient, start, end) -> list[DiaryEntry]:
    """Diary entries with warning signs ticked in the period, newest first."""
    entries = DiaryEntry.objects.of(patient).between(start, end).exclude(red_flags=[])
    return list(entries[:RED_FLAG_ENTRIES])


def context(patient) -> dict:
    start, end = period(patient)
    assessment, result = latest_assessment(patient)
    return {
        "start": start,
        "end": end,
        "days": DAYS,
        "chart": chart.last_days(patient, DAYS),
        "assessment": assessment,
        "result": result,
        "red_flag_entries": red_flag_entries(patient, start, end),
        "sections": extensions.extra_consult_sections(patient, start, end),
    }
