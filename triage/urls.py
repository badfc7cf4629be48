"""Pages of the symptom checker (mounted under /triage/)."""

from django.urls import path

from triage import views

app_name = "triage"
urlpatterns = [
    path("", views.start, name="start"),
    path("save/", views.save, name="save"),
    path("assessments/<uuid:pk>/", views.assessment, name="assessment"),
    path("knowledge/", views.knowledge_page, name="knowledge"),
]
