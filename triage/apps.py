from django.apps import AppConfig
from django.core import checks


def knowledge_file_is_valid(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A broken knowledge file stops the server at start (and ``manage.py check``)."""
    from triage.knowledge import KnowledgeError, load_knowledge

    try:
        load_knowledge()
    except (KnowledgeError, OSError) as error:
        return [
            checks.Error(
                f"The symptom checker's knowledge file is broken: {error}",
                hint="Fix triage/knowledge/back_of_knee.json (its format: docs/triage.md).",
                id="triage.E001",
            )
        ]
    return []


class TriageConfig(AppConfig):
    """The symptom checker: knowledge base, engines, assessments."""

    name = "triage"
    verbose_name = "Symptom checker"

    def ready(self):
        checks.register(knowledge_file_is_valid)

    # Under their hashed names in production: the engine and the knowledge base it runs on
    # are precached, and replaced, together (checker.js names flow.js and engine.js).
    offline_files = ("triage/checker.js", "triage/flow.js", "triage/engine.js", "kneeapp/outbox.js")

    def offline_urls(self) -> list[str]:
        from django.templatetags.static import static
        from django.urls import reverse

        from triage.knowledge import STATIC_NAME

        return [reverse("triage:start"), static(STATIC_NAME)]
