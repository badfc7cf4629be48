"""REST API of the diary app (mounted under /api/v1/)."""

urlpatterns: list = []
