"""The reminders app's models, one module per concept, all under the app label ``reminders``:

- ``exercises``: the exercise library, shared and each physiotherapist's own;
- ``templates``: plan templates, from which a physiotherapist starts a plan in one step;
- ``plans``: stretch plans and their reminder times;
- ``completions``: the patient's "done" marks, with how it felt;
- ``deliveries``: every reminder sent (one row per send) and the push subscriptions;
- ``alerts``: doctor alerts (symptoms persisting, check-ins) that deliveries may carry;
- ``attention``: the physiotherapist's reviews of who needs attention.
"""

from reminders.models.alerts import AlertKind, DoctorAlert
from reminders.models.attention import AttentionReview, PatientNeedingAttention
from reminders.models.completions import Completion, Effort
from reminders.models.deliveries import (
    SILENCE,
    STRETCH_GRACE,
    URGENT_KINDS,
    Channel,
    Delivery,
    Fallback,
    Kind,
    PushSubscription,
    Status,
)
from reminders.models.exercises import (
    BodyArea,
    Exercise,
    ExerciseKind,
    ExerciseOwner,
    Illustration,
)
from reminders.models.plans import (
    EVERY_DAY,
    PlanItem,
    ReminderSchedule,
    StretchPlan,
)
from reminders.models.templates import PlanTemplate, PlanTemplateItem, PlanTemplateTime

__all__ = [
    "URGENT_KINDS",
    "EVERY_DAY",
    "SILENCE",
    "STRETCH_GRACE",
    "AlertKind",
    "AttentionReview",
    "BodyArea",
    "Channel",
    "Completion",
    "Delivery",
    "DoctorAlert",
    "Effort",
    "Exercise",
    "ExerciseKind",
    "ExerciseOwner",
    "Fallback",
    "Illustration",
    "Kind",
    "PatientNeedingAttention",
    "PlanItem",
    "PlanTemplate",
    "PlanTemplateItem",
    "PlanTemplateTime",
    "PushSubscription",
    "ReminderSchedule",
    "Status",
    "StretchPlan",
]
