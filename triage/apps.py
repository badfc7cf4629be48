from django.apps import AppConfig


class TriageConfig(AppConfig):
    """The symptom checker: knowledge base, engines, assessments."""

    name = "triage"
    verbose_name = "Symptom checker"

    def export_user_data(self, user) -> dict:
        return {"assessments": [a.export() for a in self.get_model("Assessment").objects.of(user)]}

    def offline_urls(self) -> list[str]:
        from django.templatetags.static import static
        from django.urls import reverse

        return [
            reverse("triage:start"),
            static("triage/checker.js"),
            static("triage/flow.js"),
            static("triage/engine.js"),
            static("kneeapp/outbox.js"),
            reverse("triage-api:knowledge"),
        ]
