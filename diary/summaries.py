"""An entry's card, as the history lists it and the entry and delete pages show it.

Written here in Python rather than as an included template: the history shows 30 cards, and
a template per card cost the page most of its time (an include, some twenty nodes and ten
translations each, a URL reversed and a date formatted through the template engine). Here
the words are translated and escaped once per language and process (``Words``), the entry
URL is reversed once, each date formatted once, and a card is one f-string of escaped
values; the history's cards are one string of list items (``timeline_items``). What it
shows is pinned by tests/test_page_html.py.
"""

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from django.db.models import Count
from django.dispatch import receiver
from django.test.signals import setting_changed
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from diary import red_flags as warning_signs
from diary.models import DiaryEntry, Swelling
from kneeapp.prepared import PreparedRows, Stand


class Shown(NamedTuple):
    """What a card shows of an entry, as the history reads it: not the patient or the three
    times, and no model instance (a row of values costs a fraction of one)."""

    id: uuid.UUID
    date: dt.date
    pain: int
    swelling: str
    stiffness: bool
    walked_normally: bool
    rice: bool
    pain_relief: bool
    stretches_done: list
    red_flags: list
    notes: str

    @property
    def pk(self) -> uuid.UUID:
        return self.id

    @property
    def red_flag_labels(self) -> list[str]:
        return warning_signs.labels(self.red_flags)


# The patient's id in the history's two queries, compiled once per connection.
PATIENT = {"patient": Stand(-1_234_567_891, DiaryEntry._meta.get_field("patient").target_field)}


@functools.cache
def _shown() -> PreparedRows:
    def build(patient):
        return DiaryEntry.objects.of(patient).values_list(*Shown._fields)

    return PreparedRows("diary_history", DiaryEntry, build, PATIENT)


@functools.cache
def _counted() -> PreparedRows:
    def build(patient):  # one row, or none when there is no entry
        entries = DiaryEntry.objects.of(patient).order_by().values("patient")
        return entries.annotate(count=Count("*")).values_list("count")

    return PreparedRows("diary_history_count", DiaryEntry, build, PATIENT)


class History:
    """A patient's entries, newest first, for the ``Paginator``: counted, and read a page at a
    time, by two queries the ORM compiles once per connection (kneeapp/prepared.py), as rows
    of what a card shows. Building those queries cost the history more than the database
    took to answer them."""

    def __init__(self, patient):
        self.patient = patient.pk

    def count(self) -> int:
        counted = _counted().rows(patient=self.patient)
        return counted[0][0] if counted else 0

    def __getitem__(self, window: slice) -> list[Shown]:
        rows = _shown().rows(window.start or 0, window.stop, patient=self.patient)
        return [Shown._make(row) for row in rows]


# Reversed once per language with this id, which each card's own id then replaces.
SOME_ID = str(uuid.UUID(int=0))


@functools.lru_cache(maxsize=4096)
def _day(day: dt.date, language: str | None) -> str:
    """``day`` in the one date style (what ``{{ day }}`` shows), escaped, remembered per day
    and language: formatting a date costs more than the rest of a card, and the days shown are
    mostly the same recent ones for every patient."""
    return escape(date_format(day))


@receiver(setting_changed)
def _forget(**kwargs) -> None:  # as Django's own format cache does (formats, languages, URLs)
    _day.cache_clear()
    _words.cache_clear()


@dataclass(frozen=True)
class Words:
    """The words of a card, translated and escaped once per language (they are the same for
    every card and every page in it), and the entry URL reversed once."""

    language: str | None
    pain: str  # "Pain %(pain)s/10"
    swellings: dict[str, str]  # value -> "swelling: mild"
    stiff: str
    walked_badly: str
    rice: str
    pain_relief: str
    stretches: str
    signs: str
    entry_url: str

    @classmethod
    def now(cls) -> "Words":
        """In the active language."""
        return _words(get_language())


@functools.lru_cache(maxsize=16)
def _words(language: str | None) -> Words:
    # The standard library's escape, which Django's wraps: the same text at a fraction of
    # the cost (no lazy-string checks).
    swelling = _("swelling")
    return Words(
        language=language,
        pain=escape(_("Pain %(pain)s/10")),  # escaping keeps %(pain)s as it is
        swellings={
            value: escape(f"{swelling}: {str(label).lower()}") for value, label in Swelling.choices
        },
        stiff=escape(_("stiff")),
        walked_badly=escape(_("did not walk normally")),
        rice=escape(_("rest and ice")),
        pain_relief=escape(_("pain relief")),
        stretches=escape(_("Stretches done")),
        signs=escape(_("Warning signs")),
        entry_url=escape(reverse("diary:entry", args=[SOME_ID])),
    )


def card(entry: DiaryEntry | Shown, stretch_names: dict, words: Words | None = None) -> SafeString:
    """The card of ``entry``; ``stretch_names`` maps plan item ids to names (an id no longer
    in a plan shows as itself). Every value from the entry is escaped here, once."""
    words = words or Words.now()
    facts = [words.swellings[entry.swelling]]
    if entry.stiffness:
        facts.append(words.stiff)
    if not entry.walked_normally:
        facts.append(words.walked_badly)
    if entry.rice:
        facts.append(words.rice)
    if entry.pain_relief:
        facts.append(words.pain_relief)
    pk = str(entry.pk)
    parts = [
        f'<article class="card diary-entry" id="entry-{pk}">\n'
        f'  <h2><a href="{words.entry_url.replace(SOME_ID, pk)}">'
        f"{_day(entry.date, words.language)}</a></h2>\n"
        f"  <p><strong>{words.pain % {'pain': entry.pain}}</strong>\n"
        f"    · {'\n    · '.join(facts)}</p>"
    ]
    if entry.stretches_done:
        names = (stretch_names.get(item) or str(item) for item in entry.stretches_done)
        parts.append(f"<p>{words.stretches}: {', '.join(map(escape, names))}</p>")
    signs = entry.red_flag_labels if entry.red_flags else []
    if signs:
        signs_text = ", ".join(map(escape, signs)).lower()
        parts.append(f'<p class="error">{words.signs}: {signs_text}</p>')
    if entry.notes:
        notes = escape(normalize_newlines(entry.notes)).replace("\n", "<br>")
        parts.append(f"<p>{notes}</p>")
    return mark_safe("\n  ".join(parts) + "\n</article>")  # noqa: S308 (each value escaped above)


def timeline_items(entries, stretch_names: dict) -> SafeString:
    """The cards of ``entries`` as the ``<li>`` items of the history's timeline, in one string
    (not a template loop: thirty values rendered through the engine cost more than the cards)."""
    words = Words.now()
    items = (f"<li>{card(entry, stretch_names, words)}</li>" for entry in entries)
    return mark_safe("".join(items))  # noqa: S308 (each card escaped its values)
