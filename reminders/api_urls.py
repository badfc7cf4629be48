"""REST API of the reminders app (mounted under /api/v1/)."""

urlpatterns: list = []
