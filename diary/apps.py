from django.apps import AppConfig


class DiaryConfig(AppConfig):
    """The patient's daily symptom diary."""

    name = "diary"
    verbose_name = "Diary"
