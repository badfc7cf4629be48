"""Sections of the plan pages that are the same for every patient but for a few values (the
exercise-along session, reminders on this phone, the page's scripts): rendered once per
language and variant in each process, with markers where those values go, then filled in
per request, escaped.

Most of these sections is translated words and addresses: rendering them again for every
request cost more than the rest of the plan page. The values filled in are plain strings
(formatted by the caller), so the templates apply no filter to them; what differs in more
than a value (a section shown or not) is a variant, rendered on its own.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kneeapp.prepared import PreparedQuery, Stand
from reminders import feedback
from reminders.models import PushSubscription

_rendered: dict[tuple, str] = {}


def _marker(name: str) -> str:
    # Characters of Unicode's private use area: no text of ours holds them, and escaping
    # leaves them as they are.
    return f"\ue000{name}\ue001"


def filled(
    template_name: str, values: dict[str, str], constants: dict | None = None, **variant
) -> SafeString:
    """``template_name`` rendered with ``variant`` (a few hashable values, each combination
    rendered once) and ``constants`` (the same in every request of this process), then
    ``values`` (per request) filled in, escaped unless marked safe."""

    def render() -> str:
        markers = {name: _marker(name) for name in values}
        return render_to_string(template_name, (constants or {}) | variant | markers)

    # While developing, an edited template shows at once.
    html = render() if settings.DEBUG else once((template_name, *sorted(variant.items())), render)
    for name, value in values.items():
        html = html.replace(_marker(name), conditional_escape(value))
    return SafeString(html)


def once(key: tuple, build):
    """What ``build()`` returns in the active language, made once per process (and script
    prefix, which every address carries) and kept under ``key``."""
    key = (*key, get_language(), get_script_prefix())
    made = _rendered.get(key)
    if made is None:
        made = _rendered[key] = build()
    return made


def session(day, patient) -> SafeString:
    """The exercise-along section of ``day`` (a ``plans.DayPlan``) for ``patient``."""
    reminder = day.session_reminder
    values = {
        "schedule": str(reminder.schedule.pk) if reminder else "",
        "date": day.date.isoformat(),
        "quiet_start": _clock(patient.quiet_hours_start),
        "quiet_end": _clock(patient.quiet_hours_end),
        "time_zone": patient.time_zone,
    }
    constants = {
        "pain_scale": range(11),
        "painful": feedback.PAINFUL,
        "pain_advice": feedback.PAIN_ADVICE,
    }
    return filled("reminders/session.html", values, constants, has_reminder=bool(reminder))


def push_setup(patient, vapid_public_key: str) -> SafeString:
    """Reminders on this phone: turning push on, and what each of ``patient``'s phones last
    confirmed (one query)."""
    values = {
        "vapid_public_key": vapid_public_key,
        "wanted": "true" if patient.remind_by_push else "false",
        "time_zone": patient.time_zone,
        "channels": str(patient.reminder_channels.label).lower(),
        "phones": _phones(patient),
    }
    return filled("reminders/push_setup.html", values)


# Compiled once per connection (kneeapp.prepared), like the plan's own queries.
PHONES = PreparedQuery(
    "phones",
    PushSubscription,
    lambda patient_id: PushSubscription.objects.filter(patient_id=patient_id),
    {"patient_id": Stand(-1_234_567_892, PushSubscription._meta.get_field("patient"))},
    many=True,
)


def _phones(patient) -> SafeString:
    phones = PHONES.all(patient_id=patient.pk)
    if not phones:
        return SafeString("")
    items = []
    for phone in phones:
        if phone.confirmed_at:
            text = _("Last reminder reached this phone at %(time)s.")
            moment = phone.confirmed_at
        else:
            text = _("Not confirmed since %(time)s.")
            moment = phone.created_at
        when = date_format(timezone.localtime(moment, patient.zone), "DATETIME_FORMAT")
        agent = ""
        if phone.user_agent:
            shown = escape(Truncator(phone.user_agent).chars(60))
            agent = f'\n      <span class="help">{shown}</span>'
        items.append(f"    <li>{text % {'time': escape(when)}}{agent}</li>\n")
    return SafeString(
        f"<h3>{_('Phones and browsers with reminders on')}</h3>\n"
        f'  <ul class="push-phones">\n{"".join(items)}  </ul>'
    )


def _clock(time) -> str:
    return time.strftime("%H:%M") if time else ""


def _forget(**kwargs) -> None:
    """A test that changes settings (templates, URLs, languages) gets new renderings."""
    _rendered.clear()


setting_changed.connect(_forget)
