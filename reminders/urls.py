"""Pages of the stretch plan."""

from django.urls import path

from reminders import views

app_name = "reminders"
urlpatterns = [path("", views.plan, name="plan")]
