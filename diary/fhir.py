"""The consult pack as a FHIR R4 Bundle (``GET /api/v1/me/fhir/``, ``application/fhir+json``).

A ``collection`` of the same data as the page (``diary/consult.py``), for a clinic's system
to read: the ``Patient``, one ``QuestionnaireResponse`` per symptom checker result (the answers
given, the urgency and the possible causes) and per PSFS assessment (each activity's
score, 0-10), and one ``Observation`` per diary day with the
pain score as LOINC 72514-3 (pain severity, 0-10 verbal numeric rating, reported), an
integer. Other apps add their resources through ``extensions.fhir_resources``.

Every ``fullUrl`` is a ``urn:uuid`` that stays the same from one download to the next: the
entry's and the result's own client-made ids, and for the patient a UUID derived from the
account. Only R4 elements are used, so the R4B models check it as well (tests/diary).
"""

import datetime as dt
import uuid

from django.utils import timezone
from django.utils.translation import gettext as _

from diary import consult, extensions, progress
from diary.models import DiaryEntry, PsfsAssessment
from triage.knowledge import load_knowledge
from triage.models import Assessment

CONTENT_TYPE = "application/fhir+json"
PATIENT_NAMESPACE = uuid.UUID("0f5b8f7e-3c55-4a7e-9f1e-6b1d2a0c4e21")
LOINC = "http://loinc.org"
PAIN_CODE = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}


def urn(value) -> str:
    return f"urn:uuid:{value}"


def patient_uuid(patient) -> uuid.UUID:
    return uuid.uuid5(PATIENT_NAMESPACE, f"patient:{patient.pk}")


def entry(resource_id, resource: dict) -> dict:
    """A Bundle entry; the resource's ``id`` is its UUID, as its ``urn:uuid`` fullUrl says."""
    return {"fullUrl": urn(resource_id), "resource": {**resource, "id": str(resource_id)}}


def patient_resource(patient) -> dict:
    resource = {"resourceType": "Patient", "active": patient.is_active}
    if patient.get_full_name():
        resource["name"] = [{"text": patient.get_full_name()}]
    return resource


def pain_observation(day: DiaryEntry, subject: dict) -> dict:
    notes = []
    if day.red_flags:
        notes.append(_("Warning signs: %(signs)s") % {"signs": ", ".join(day.red_flag_labels)})
    if day.notes:
        notes.append(day.notes)
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": [SURVEY],
        "code": {"coding": [PAIN_CODE], "text": _("Pain (0 to 10)")},
        "subject": subject,
        "effectiveDateTime": day.date.isoformat(),
        "valueInteger": day.pain,
    }
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def questionnaire_response(resource_id, authored, subject: dict, items: list) -> dict:
    """Answers given at ``authored`` (a date or a moment), identified by the row's own UUID."""
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": urn(resource_id)},
        "status": "completed",
        "subject": subject,
        "authored": authored.isoformat(),
        "item": items,
    }


def answer_value(finding: dict, value) -> dict:
    if finding["type"] == "bool":
        return {"valueBoolean": bool(value)}
    if finding["type"] == "integer":
        return {"valueInteger": int(value)}
    # An option a later knowledge base dropped still goes out, under its own id.
    label = next((o["label"] for o in finding["options"] if o["id"] == value), str(value))
    return {"valueCoding": {"code": str(value), "display": label}}


def checker_response(assessment: Assessment, knowledge: dict, subject: dict) -> dict:
    """A checker result: one item per question answered (or left "not sure"), then the
    urgency and the possible causes it gave."""
    findings = {finding["id"]: finding for finding in knowledge["findings"]}
    causes = {cause["id"]: cause["name"] for cause in knowledge["causes"]}
    items = []
    for finding_id, value in assessment.answers.items():
        finding = findings.get(finding_id)
        if finding is None or value is None:
            continue
        answer = answer_value(finding, value)
        items.append({"linkId": finding_id, "text": finding["label"], "answer": [answer]})
    for finding_id in assessment.unsure:
        if finding_id in findings:
            label = findings[finding_id]["label"]
            items.append(
                {"linkId": finding_id, "text": label, "answer": [{"valueString": _("Not sure")}]}
            )
    items.append(
        {
            "linkId": "urgency",
            "text": _("How urgent"),
            "answer": [
                {
                    "valueCoding": {
                        "code": assessment.urgency,
                        "display": assessment.get_urgency_display(),
                    }
                }
            ],
        }
    )
    found = [c["id"] for c in assessment.result.get("causes", []) if c["id"] in causes]
    if found:
        items.append(
            {
                "linkId": "possible_causes",
                "text": _("Possible causes (not a diagnosis)"),
                "answer": [{"valueString": causes[cause]} for cause in found],
            }
        )
    return questionnaire_response(assessment.pk, assessment.created_at, subject, items)


def psfs_response(assessment: PsfsAssessment, subject: dict) -> dict:
    """A PSFS assessment: one group of up to three activities, each with its 0-10 score."""
    ratings = [
        {
            "linkId": f"psfs-activity-{rating.position + 1}",
            "text": rating.activity.name,
            "answer": [{"valueInteger": rating.score}],
        }
        for rating in assessment.ratings.all()
    ]
    scale = _("Patient-Specific Functional Scale: 0 = cannot do it, 10 = as well as before")
    items = [{"linkId": "psfs", "text": scale, "item": ratings}]
    return questionnaire_response(assessment.pk, assessment.date, subject, items)


def checker_results(patient, start: dt.date) -> list[Assessment]:
    """The checker results of the period, and the latest one whenever it was made."""
    results = Assessment.objects.of(patient)
    since = dt.datetime.combine(start, dt.time(), tzinfo=patient.zone)
    recent = list(results.filter(created_at__gte=since))
    return recent or list(results[:1])


def bundle(patient, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    start, end = consult.period(patient)
    patient_id = patient_uuid(patient)
    subject = {"reference": urn(patient_id)}
    knowledge = load_knowledge()
    entries = [entry(patient_id, patient_resource(patient))]
    for assessment in checker_results(patient, start):
        entries.append(entry(assessment.pk, checker_response(assessment, knowledge, subject)))
    for assessment in progress.psfs_assessments(patient):
        if assessment.ratings.all():
            entries.append(entry(assessment.pk, psfs_response(assessment, subject)))
    for day in DiaryEntry.objects.of(patient).between(start, end).order_by("date"):
        entries.append(entry(day.pk, pain_observation(day, subject)))
    for provider in extensions.fhir_resources:
        entries.extend(provider(patient, start, end, subject))
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(PATIENT_NAMESPACE, f"bundle:{patient.pk}:{now.isoformat()}")),
        "meta": {"lastUpdated": now.isoformat()},
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": entries,
    }
