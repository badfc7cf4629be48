from django.apps import AppConfig


class TriageConfig(AppConfig):
    """The symptom checker: knowledge base, engines, assessments."""

    name = "triage"
    verbose_name = "Symptom checker"
