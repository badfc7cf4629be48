"""REST API of the reminders app (mounted under /api/v1/)."""

from django.urls import path

from reminders import api

urlpatterns = [
    path("plan/", api.plan, name="api-plan"),
    path("plan/done/", api.plan_done, name="api-plan-done"),
    path("push-subscriptions/", api.push_subscriptions, name="api-push-subscriptions"),
    path(
        "push-subscriptions/renew/",
        api.push_subscription_renew,
        name="api-push-subscription-renew",
    ),
    path("push-receipts/<int:delivery_id>/", api.push_receipt, name="api-push-receipt"),
    path("plan/later/", api.plan_later, name="api-plan-later"),
    path("preferences/", api.preferences, name="api-preferences"),
]
