"""Pages of the symptom checker."""

from django.urls import path

from triage import views

app_name = "triage"
urlpatterns = [path("", views.start, name="start")]
