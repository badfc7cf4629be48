"""REST API of the diary app (mounted under /api/v1/diary/)."""

from django.urls import path

from diary import api

urlpatterns = [
    path("entries/", api.entry_list, name="diary-entry-list"),
    path("entries/<uuid:entry_id>/", api.entry_detail, name="diary-entry-detail"),
]
