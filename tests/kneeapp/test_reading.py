"""Issue #16.7, one way of writing: dates shown to people in the locale's style (Django's
``DATE_FORMAT``), counted words through plural forms, on every page of tests/patient_pages.py.
What machines read stays ISO 8601: ``<input type=date>``, data attributes, the CSV and JSON.
"""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format

from tests.conftest import signed_in
from tests.patient_pages import make_world, pages

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# Other date styles the pages once had: "2 December", "2 Dec", "Wednesday 2 December".
SHORT = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
DAY_BEFORE_MONTH = re.compile(rf"\b\d{{1,2}} (?:{MONTHS}|{SHORT})\b")
WEEKDAY_FIRST = re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d")


class VisibleText(HTMLParser):
    """The text a person reads: not attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skipping -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    # One line per text node, so that "pain 3" and the next point's "Nov. 21" stay apart.
    lines = (" ".join(part.split()) for part in parser.parts)
    return "\n".join(line for line in lines if line)


@pytest.fixture
def world(patient, physiotherapist):
    return make_world(patient, physiotherapist)


def read(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.content.decode())


def check_reads_well(text: str, url: str) -> None:
    assert "(s)" not in text, f"{url}: a plural left to the reader"
    for style in (ISO_DATE, DAY_BEFORE_MONTH, WEEKDAY_FIRST):
        found = style.search(text)
        assert not found, f"{url}: a date not in the locale's style: {found and found[0]}"


@pytest.mark.parametrize("name", pages("patient"))
def test_every_patient_page_writes_dates_one_way_and_no_plural_by_hand(name, world, patient):
    url = world.url(name)
    check_reads_well(read(signed_in(patient), url), url)


@pytest.mark.parametrize("name", pages("visitor"))
def test_every_visitor_page_reads_well_too(name, world):
    url = world.url(name)
    check_reads_well(read(Client(), url), url)


def test_the_pages_show_dates_in_the_locales_date_format(world, patient):
    client = signed_in(patient)
    today = date_format(world.today, "DATE_FORMAT")
    assert f"Today, {today}" in read(client, reverse("reminders:plan"))
    entry_date = date_format(world.entry.date, "DATE_FORMAT")
    for url in (reverse("diary:history"), reverse("diary:report"), world.url("diary:entry")):
        assert entry_date in read(client, url), url


def test_counted_words_take_their_plural_form(world, patient):
    item = patient.stretch_plans.get().items.first()
    item.hold_seconds, item.reps, item.sets = 1, 1, 1
    item.save()
    text = read(signed_in(patient), reverse("reminders:plan"))
    assert "Hold 1 second, once; 1 set." in text
    item.hold_seconds, item.reps, item.sets = 30, 3, 2
    item.save()
    text = read(signed_in(patient), reverse("reminders:plan"))
    assert "Hold 30 seconds, 3 times; 2 sets." in text


def test_what_machines_read_stays_iso_8601(world, patient):
    client = signed_in(patient)
    iso = world.entry.date.isoformat()
    report = client.get(reverse("diary:report")).content.decode()
    assert re.search(r'type="date" name="end"[^>]*value="\d{4}-\d{2}-\d{2}"', report)
    assert f"end={world.today.isoformat()}" in report  # the CSV link's query
    assert iso in client.get(reverse("diary:report_csv")).content.decode()
    entries = client.get(reverse("diary-entry-list")).json()
    assert iso in {row["date"] for row in entries["results"]}
    plan = client.get(reverse("reminders:plan")).content.decode()
    assert f'data-date="{world.today.isoformat()}"' in plan
