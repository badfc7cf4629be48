"""The pain chart (inline SVG and its words), the doctor's report and the CSV download."""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diary import chart, extensions
from diary.models import DiaryEntry
from tests.diary.conftest import make_entries
from triage.models import Assessment

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 1)


def days(*pains):
    return [(DAY + datetime.timedelta(days=index), float(p)) for index, p in enumerate(pains)]


def test_the_summary_says_pain_is_improving_over_two_weeks():
    daily = [(DAY, 6.0), (DAY + datetime.timedelta(days=14), 3.0)]
    assert chart.summarise(daily) == "Pain 6 → 3 over 2 weeks, improving."


def test_the_summary_says_when_pain_gets_worse_or_stays_the_same():
    assert chart.summarise(days(2, 3, 5)).endswith("over 2 days, getting worse.")
    assert chart.summarise(days(4, 6, 4)).endswith("about the same.")
    assert chart.summarise([]) == "No diary entries in this period."


def test_the_chart_page_draws_an_accessible_svg(patient_client, patient):
    make_entries(patient, 20)
    html = patient_client.get("/diary/chart/").content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count("<circle") == 20
    assert "<polyline" in svg
    assert "style=" not in svg  # the CSP refuses style attributes
    assert re.search(r"Pain \d+ → \d+ over \d+ (days|weeks)", html)


@pytest.mark.parametrize("period", [30, 90, 365])
def test_the_chart_covers_the_chosen_period(patient_client, patient, period):
    make_entries(patient, 400)
    html = patient_client.get(f"/diary/chart/?days={period}").content.decode()
    assert html.count("<circle") == period


def test_an_htmx_request_gets_only_the_chart_panel(patient_client, patient):
    make_entries(patient, 3)
    html = patient_client.get("/diary/chart/?days=90", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="chart-panel"')
    assert "<html" not in html


def test_the_chart_and_report_use_the_same_queries_for_10_or_400_entries(patient_client, patient):
    start = (timezone.localdate() - datetime.timedelta(days=500)).isoformat()
    urls = ["/diary/chart/?days=365", f"/diary/report/?start={start}", "/diary/history/"]
    make_entries(patient, 10, start=timezone.localdate() - datetime.timedelta(days=420))
    few = [count_queries(patient_client, url) for url in urls]
    make_entries(patient, 390)
    many = [count_queries(patient_client, url) for url in urls]
    assert few == many
    assert max(many) <= 12


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_report_has_chart_table_assessments_and_print_styles(patient_client, patient):
    make_entries(patient, 5)
    Assessment.objects.create(
        id=uuid.uuid4(), user=patient, answers={}, result={}, urgency="see_doctor",
        knowledge_version="1",
    )  # fmt: skip
    html = patient_client.get("/diary/report/").content.decode()
    assert "<svg" in html and "<table" in html
    assert "Book a doctor or physio appointment" in html
    assert 'class="diary-nav no-print"' in html


def test_the_report_includes_sections_registered_by_other_apps(patient_client, patient):
    def adherence(who, start, end):
        return extensions.ReportSection("Plan adherence", "<p>5 of 7 stretches done</p>")

    extensions.report_sections.append(adherence)
    try:
        html = patient_client.get("/diary/report/").content.decode()
    finally:
        extensions.report_sections.remove(adherence)
    assert "Plan adherence" in html and "5 of 7 stretches done" in html


def test_a_bad_report_range_falls_back_to_the_last_30_days_and_says_why(patient_client):
    response = patient_client.get("/diary/report/?start=2026-02-01&end=2026-01-01")
    assert response.status_code == 200
    assert "The end must not be before the start." in response.content.decode()


def test_the_csv_holds_my_entries_in_range_and_defuses_formulas(patient_client, patient):
    entries = make_entries(patient, 5)
    DiaryEntry.objects.filter(pk=entries[0].pk).update(notes="=HYPERLINK(1)")
    start = entries[0].date.isoformat()
    response = patient_client.get(f"/diary/report.csv?start={start}")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert len(lines) == 6
    assert "'=HYPERLINK(1)" in lines[1]


def test_another_patients_entries_never_reach_my_report(patient_client, other_patient):
    make_entries(other_patient, 3)
    assert "<tbody>" not in patient_client.get("/diary/report/").content.decode()
    assert len(patient_client.get("/diary/report.csv").content.decode().splitlines()) == 1
