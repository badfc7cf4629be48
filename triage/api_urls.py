"""REST API of the triage app (mounted under /api/v1/triage/)."""

from django.urls import path

from triage import api

app_name = "triage-api"
urlpatterns = [
    path("knowledge/", api.knowledge, name="knowledge"),
    path("assessments/", api.assessments, name="assessments"),
    path("assessments/<uuid:pk>/", api.assessment_detail, name="assessment"),
]
