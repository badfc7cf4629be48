"""Hooks through which a higher app (reminders) adds to the diary without the diary importing it.

The stretch plan lives in ``reminders``, which may read the diary but not the other way
round. So ``reminders`` registers, in its ``AppConfig.ready()``::

    from diary import extensions
    extensions.stretch_choices_providers.append(plan_stretch_choices)
    extensions.report_sections.append(plan_adherence_section)
    extensions.consult_sections.append(plan_adherence_section)

- ``stretch_choices_providers``: callables ``(patient) -> list[tuple[int, str]]``, the
  patient's own plan items as ``(plan item id, label)``. The diary form shows them as
  "stretches done" boxes, and ``stretches_done`` ids are checked against them. With no
  provider registered, any list of positive ids is accepted.
- ``report_sections``: callables ``(patient, start, end) -> ReportSection | None``, extra
  sections of the doctor's report (``start``/``end`` are dates, inclusive). Return None
  to add nothing (no plan, no reminders in that range).
- ``consult_sections``: the same, for the consult pack (``diary/consult.py``): what a
  doctor or physiotherapist reads at a visit (plan adherence, how the exercises felt).
- ``fhir_resources``: callables ``(patient, start, end, subject) -> list[dict]``, more
  entries (``{"fullUrl": "urn:uuid:...", "resource": {...}}``) of the consult pack's FHIR
  Bundle (``diary/fhir.py``); ``subject`` is the reference to the Bundle's ``Patient``.

Each callable must use a fixed number of queries: the pages that call them are asserted
to do so.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class ReportSection:
    title: str
    html: SafeString  # already rendered and escaped by the app that made it, e.g. render_to_string


stretch_choices_providers: list[Callable] = []
report_sections: list[Callable] = []
consult_sections: list[Callable] = []
fhir_resources: list[Callable] = []


def stretch_choices(patient) -> list[tuple[int, str]] | None:
    """The patient's plan items, or None when no app provides a plan."""
    if not stretch_choices_providers:
        return None
    choices: list[tuple[int, str]] = []
    for provider in stretch_choices_providers:
        choices.extend(provider(patient))
    return choices


def extra_report_sections(patient, start, end, providers=None) -> list[ReportSection]:
    providers = report_sections if providers is None else providers
    sections = (section(patient, start, end) for section in providers)
    return [section for section in sections if section is not None]


def extra_consult_sections(patient, start, end) -> list[ReportSection]:
    return extra_report_sections(patient, start, end, consult_sections)
