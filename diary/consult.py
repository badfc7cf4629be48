"""The consult pack: what a doctor or physiotherapist reads at a visit, on one page that fits
a phone and prints on A4 (``/diary/consult/``), and the same data as a FHIR Bundle
(``diary/fhir.py``).

The pain chart and its words are the report's (``diary/chart.py``), the weekly pain and the
PSFS come from ``diary/progress.py``; the latest checker result
is shown as the checker shows it (``triage/presentation.py``); what lives in higher apps
(plan adherence, how the exercises felt) comes through ``extensions.consult_sections``.
"""

import datetime as dt

from diary import chart, extensions, progress
from diary.models import DiaryEntry
from triage import presentation
from triage.knowledge import load_knowledge
from triage.models import Assessment

DAYS = 90  # the last three months: a chart period (chart.PERIODS) and a usual time between visits
WEEKS = 13  # the weeks that DAYS touches
RED_FLAG_ENTRIES = 20


def weekly_pain(patient) -> tuple[list, progress.Change | None]:
    """The weeks of the period that have diary entries, oldest first, and the change of the
    weekly average pain from the first of them to the latest (None with fewer than two)."""
    weeks = [week for week in progress.weekly_pain(patient, weeks=WEEKS) if week.days]
    if len(weeks) < 2:
        return weeks, None
    return weeks, progress.Change(weeks[0].average, weeks[-1].average, progress.PAIN_MCID)


def psfs(patient) -> tuple[list, progress.Change | None]:
    """Each PSFS activity from its first score to its latest, and the change of the PSFS
    average from the first assessment to the latest (None with fewer than two)."""
    history = progress.psfs_history(patient)
    overall = None
    if len(history) >= 2:
        overall = progress.Change(history[0][1], history[-1][1], progress.MCID["psfs"])
    return progress.psfs_changes(patient), overall


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
    weeks, pain_change = weekly_pain(patient)
    activities, psfs_change = psfs(patient)
    return {
        "start": start,
        "end": end,
        "days": DAYS,
        "chart": chart.last_days(patient, DAYS),
        "weeks": weeks,
        "pain_change": pain_change,
        "pain_mcid": progress.PAIN_MCID,
        "activities": activities,
        "psfs_change": psfs_change,
        "psfs_mcid": progress.MCID["psfs"],
        "assessment": assessment,
        "result": result,
        "red_flag_entries": red_flag_entries(patient, start, end),
        "sections": extensions.extra_consult_sections(patient, start, end),
    }
