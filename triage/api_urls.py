"""REST API of the triage app (mounted under /api/v1/)."""

urlpatterns: list = []
