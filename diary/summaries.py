"""An entry's card, as the history lists it and the entry and delete pages show it.

Written here in Python rather than as an included template: the history shows 30 cards, and
a template per card cost the page most of its time (an include, some twenty nodes and ten
translations each, a URL reversed and a date formatted through the template engine). Here
the words are translated once per page (``Words``), the entry URL is reversed once, and a
card is one ``format_html``. What it shows is pinned by tests/test_page_html.py.
"""

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from html import escape

from django.dispatch import receiver
from django.test.signals import setting_changed
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from diary.models import DiaryEntry, Swelling

# Reversed once per page with this id, which each card's own id then replaces.
SOME_ID = str(uuid.UUID(int=0))


@functools.lru_cache(maxsize=4096)
def _day(day: dt.date, language: str | None) -> str:
    return date_format(day)


@receiver(setting_changed)
def _forget_days(**kwargs) -> None:  # as Django's own format cache does
    _day.cache_clear()


def day_text(day: dt.date) -> str:
    """``day`` in the one date style (what ``{{ day }}`` shows), remembered per day and
    language: formatting a date costs more than the rest of a card, and the days shown are
    mostly the same recent ones for every patient."""
    return _day(day, get_language())


@dataclass(frozen=True)
class Words:
    """The words of a card, translated once for all the cards of a page."""

    pain: str
    swelling: str
    swellings: dict[str, str]
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
        return cls(
            pain=_("Pain %(pain)s/10"),
            swelling=_("swelling"),
            swellings={value: str(label).lower() for value, label in Swelling.choices},
            stiff=_("stiff"),
            walked_badly=_("did not walk normally"),
            rice=_("rest and ice"),
            pain_relief=_("pain relief"),
            stretches=_("Stretches done"),
            signs=_("Warning signs"),
            entry_url=reverse("diary:entry", args=[SOME_ID]),
        )


def card(entry: DiaryEntry, stretch_names: dict, words: Words | None = None) -> SafeString:
    """The card of ``entry``; ``stretch_names`` maps plan item ids to names (an id no longer
    in a plan shows as itself)."""
    words = words or Words.now()
    # The standard library's escape, which Django's wraps: the same text at a fraction of
    # the cost (no lazy-string checks), once per value.
    facts = [f"{escape(words.swelling)}: {escape(words.swellings[entry.swelling])}"]
    for shown, word in (
        (entry.stiffness, words.stiff),
        (not entry.walked_normally, words.walked_badly),
        (entry.rice, words.rice),
        (entry.pain_relief, words.pain_relief),
    ):
        if shown:
            facts.append(escape(word))
    pk = str(entry.pk)
    parts = [
        f'<article class="card diary-entry" id="entry-{pk}">\n'
        f'  <h2><a href="{escape(words.entry_url.replace(SOME_ID, pk))}">'
        f"{escape(day_text(entry.date))}</a></h2>\n"
        f"  <p><strong>{escape(words.pain % {'pain': entry.pain})}</strong>\n"
        f"    · {'\n    · '.join(facts)}</p>"
    ]
    if entry.stretches_done:
        names = (stretch_names.get(item) or str(item) for item in entry.stretches_done)
        parts.append(f"<p>{escape(words.stretches)}: {', '.join(map(escape, names))}</p>")
    signs = entry.red_flag_labels if entry.red_flags else []
    if signs:
        signs_text = ", ".join(map(escape, signs)).lower()
        parts.append(f'<p class="error">{escape(words.signs)}: {signs_text}</p>')
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
