"""Pages of the diary."""

from django.urls import path

from diary import views

app_name = "diary"
urlpatterns = [
    path("", views.today, name="today"),
    path("history/", views.history, name="history"),
    path("chart/", views.pain_chart, name="chart"),
    path("progress/", views.progress_page, name="progress"),
    path("report/", views.doctor_report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("consult/", views.consult_pack, name="consult"),
    path("<uuid:entry_id>/", views.entry, name="entry"),
    path("<uuid:entry_id>/edit/", views.edit, name="edit"),
    path("<uuid:entry_id>/delete/", views.delete, name="delete"),
]
