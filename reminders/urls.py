"""Pages of the stretch plan."""

from django.urls import path

from reminders import views

app_name = "reminders"
urlpatterns = [
    path("", views.plan, name="plan"),
    path("done/", views.done, name="done"),
    path("preferences/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("later/<str:token>/", views.later, name="later"),
]
