"""The plan page's lists, built in Python: today's reminders and the stretch cards, the same
few lines for every reminder and every exercise.

As template loops they cost more than the rest of the page together (a dozen tags, filters
and translations per card, each looked up through the template engine); here each line is
one string. What a physiotherapist or a patient wrote (names, instructions, cautions,
notes) is escaped; the words are the same translatable strings the templates had.
"""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reminders import fragments
from reminders.models import Illustration


def reminders_section(day, csrf_token: str) -> SafeString:
    """``<section id="reminders">``: today's reminders of ``day`` (a ``plans.DayPlan``), each
    done or with its "done" form. Also the answer to a "done" sent by htmx."""
    words = _words()
    today = words["today"] % {"date": date_format(day.date)}
    if not day.reminders:
        listed = f"  <p>{words['no_reminders']}</p>\n"
    else:
        csrf = escape(csrf_token)
        lines = "".join(_reminder(reminder, words, csrf) for reminder in day.reminders)
        listed = f'  <ul class="reminder-list">\n{lines}  </ul>\n'
    return SafeString(
        '\n<section id="reminders" class="plan-reminders" aria-labelledby="reminders-title">\n'
        f'  <h2 id="reminders-title">{today}</h2>\n{listed}</section>\n'
    )


def _words() -> dict[str, str]:
    """The lists' fixed words and addresses: looked up once per language in each process (a
    look-up for every card cost more than the rest of the card)."""
    return fragments.once(
        ("card words",),
        lambda: {
            "today": _("Today, %(date)s"),
            "no_reminders": _("No reminders today: stretch when it suits you."),
            "done": _("Done"),
            "waiting": _("Done: waiting to be sent"),
            "mark": _("Mark the %(time)s stretches done"),
            "action": reverse("reminders:done"),
            "api": reverse("api-plan-done"),
            "take_care": _("Take care:"),
            "start_hold": _("Start a %(hold)s second hold"),
            "say_how": _("Done this one? Say how it felt"),
            "how_it_felt": _("How did it feel?"),
            "too_easy": _("Too easy"),
            "about_right": _("About right"),
            "too_hard": _("Too hard"),
            "pain_during": _("Pain during it (0 = none, 10 = worst)"),
            "save": _("Save: %(name)s done"),
        },
    )


def _reminder(reminder, words: dict[str, str], csrf: str) -> str:
    key, done = escape(reminder.key), words["done"]
    time = reminder.schedule.time_of_day.strftime("%H:%M")
    line = (
        f'    <li class="reminder{" reminder-done" if reminder.done else ""}" '
        f'data-reminder="{key}" data-done-label="{done} ✓">\n'
        f'      <span class="reminder-time">{time}</span>\n'
    )
    if reminder.done:
        return f'{line}      <span class="reminder-state">{done} ✓</span>\n    </li>\n'
    schedule, date = reminder.schedule.pk, reminder.date.isoformat()
    mark = words["mark"] % {"time": time}
    return (
        f'{line}      <form method="post" action="{words["action"]}" class="done-form"\n'
        f'            data-outbox-id="{key}" data-api="{words["api"]}" '
        f'data-schedule="{schedule}" data-date="{date}">\n'
        f'        <input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">\n'
        f'        <input type="hidden" name="schedule" value="{schedule}">\n'
        f'        <input type="hidden" name="date" value="{date}">\n'
        f'        <button class="button button-primary" type="submit">{mark}</button>\n'
        "      </form>\n"
        f'      <span class="reminder-state" data-waiting hidden>{words["waiting"]}</span>\n'
        "    </li>\n"
    )


def stretch_cards(day, csrf_token: str) -> SafeString:
    """``<ol class="stretches">`` with a card per item of ``day`` (a ``plans.DayPlan``), each
    with a form to mark it done with how it felt when the day has a reminder to mark."""
    reminder = day.session_reminder
    words = _words()
    form = None
    if reminder:
        form = words | {
            "key": escape(reminder.key),
            "schedule": str(reminder.schedule.pk),
            "date": reminder.date.isoformat(),
            "csrf": escape(csrf_token),
        }
    cards = "".join(_card(item, words, form) for item in day.items)
    return SafeString(f'<ol class="stretches">\n{cards}</ol>')


def _illustrated(illustration: str) -> str:
    """What a drawing shows (its alt text): the illustration's label, looked up once."""

    def label() -> str:
        return str(Illustration(illustration).label)

    return fragments.once(("illustration", illustration), label)


def _dose(hold: int, reps: int, sets: int) -> str:
    """ "Hold 30 seconds, 3 times; 1 set.": made once per dose and language."""

    def words() -> str:
        held = ngettext("%(seconds)s second", "%(seconds)s seconds", hold) % {"seconds": hold}
        in_sets = ngettext("%(number)s set", "%(number)s sets", sets) % {"number": sets}
        return ngettext(
            "Hold %(hold)s, once; %(sets)s.", "Hold %(hold)s, %(reps)s times; %(sets)s.", reps
        ) % {"hold": held, "reps": reps, "sets": in_sets}

    return fragments.once(("dose", hold, reps, sets), words)


def _card(item, words: dict[str, str], form: dict[str, str] | None) -> str:
    exercise, dose = item.exercise, item.dose
    hold, reps, sets = dose["hold_seconds"], dose["reps"], dose["sets"]
    name = escape(exercise.name)
    picture = escape(exercise.illustration_url)
    lines = [
        f'<li class="card stretch" data-item="{item.pk}" data-name="{name}" '
        f'data-picture="{picture}" data-hold="{hold}" data-reps="{reps}" data-sets="{sets}">\n'
        f"  <h3>{name}</h3>\n"
    ]
    if exercise.illustration:
        alt = escape(_illustrated(exercise.illustration))
        lines.append(
            f'  <img class="stretch-picture" src="{picture}" alt="{alt}" width="240" '
            'height="160">\n'
        )
    lines.append(f"  <p>{escape(exercise.instructions)}</p>\n")
    if exercise.cautions:
        lines.append(
            f'  <p class="help"><strong>{words["take_care"]}</strong> '
            f"{escape(exercise.cautions)}</p>\n"
        )
    if item.notes:
        lines.append(f'  <p class="help">{escape(item.notes)}</p>\n')
    start_hold = words["start_hold"] % {"hold": hold}
    lines.append(
        f'  <p class="dose">{_dose(hold, reps, sets)}</p>\n'
        f'  <div class="hold-timer" data-hold-seconds="{hold}" hidden>\n'
        f'    <button class="button" type="button" data-start>{start_hold}</button>\n'
        '    <output class="hold-count" aria-live="polite" data-count></output>\n'
        "  </div>\n"
    )
    if form:
        lines.append(_done_form(item, name, form))
    lines.append("</li>\n")
    return "".join(lines)


def _done_form(item, name: str, form: dict[str, str]) -> str:
    """One exercise marked done with how it felt: a plain form (static/reminders/session.js
    sends it through the outbox)."""
    save = form["save"] % {"name": name}
    return (
        '  <details class="exercise-done">\n'
        f"    <summary>{form['say_how']}</summary>\n"
        f'    <form method="post" action="{form["action"]}" class="exercise-done-form"\n'
        f'          data-outbox-id="{form["key"]}-{item.pk}" data-api="{form["api"]}">\n'
        f'      <input type="hidden" name="csrfmiddlewaretoken" value="{form["csrf"]}">\n'
        f'      <input type="hidden" name="schedule" value="{form["schedule"]}">\n'
        f'      <input type="hidden" name="date" value="{form["date"]}">\n'
        f'      <input type="hidden" name="item" value="{item.pk}">\n'
        "      <fieldset>\n"
        f"        <legend>{form['how_it_felt']}</legend>\n"
        '        <label class="choice"><input type="radio" name="effort" value="too_easy"> '
        f"{form['too_easy']}</label>\n"
        '        <label class="choice"><input type="radio" name="effort" value="about_right"> '
        f"{form['about_right']}</label>\n"
        '        <label class="choice"><input type="radio" name="effort" value="too_hard"> '
        f"{form['too_hard']}</label>\n"
        "      </fieldset>\n"
        f'      <label for="pain-{item.pk}">{form["pain_during"]}</label>\n'
        f'      <input id="pain-{item.pk}" name="pain" type="number" min="0" max="10" step="1" '
        'inputmode="numeric">\n'
        f'      <button class="button button-primary" type="submit">{save}</button>\n'
        '      <span class="reminder-state" data-waiting hidden></span>\n'
        "    </form>\n"
        "  </details>\n"
    )
