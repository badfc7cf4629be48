"""The reminders app's models, one module per concept, all under the app label ``reminders``:

- ``plans``: the exercise library, stretch plans, their reminder times and the "done" marks;
- ``deliveries``: every reminder sent (one row per send) and the push subscriptions;
- ``alerts``: doctor alerts (symptoms persisting, check-ins) that deliveries may carry;
- ``attention``: the physiotherapist's reviews of who needs attention.
"""

from reminders.models.alerts import AlertKind, DoctorAlert
from reminders.models.attention import AttentionReview, PatientNeedingAttention
from reminders.models.deliveries import (
    STRETCH_GRACE,
    Channel,
    Delivery,
    Kind,
    PushSubscription,
    Status,
)
from reminders.models.plans import (
    EVERY_DAY,
    BodyArea,
    Completion,
    Exercise,
    Illustration,
    PlanItem,
    ReminderSchedule,
    StretchPlan,
)

__all__ = [
    "EVERY_DAY",
    "STRETCH_GRACE",
    "AlertKind",
    "AttentionReview",
    "BodyArea",
    "Channel",
    "Completion",
    "Delivery",
    "DoctorAlert",
    "Exercise",
    "Illustration",
    "Kind",
    "PatientNeedingAttention",
    "PlanItem",
    "PushSubscription",
    "ReminderSchedule",
    "Status",
    "StretchPlan",
]
