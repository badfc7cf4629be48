"""Pages of the diary."""

from django.urls import path

from diary import views

app_name = "diary"
urlpatterns = [path("", views.today, name="today")]
