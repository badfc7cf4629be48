"""Warning signs a patient can tick in a diary entry, and the advice each one needs at once.

The ids are the symptom checker's finding ids (``TRIAGE_CONTRACT.md``): the same words
mean the same thing in an assessment and in the diary. The advice follows the contract's
safety floor: breathlessness and chest pain are an emergency, the others need help today.
The texts live here, short and fixed, so they show even when the knowledge base cannot
be loaded; the symptom checker gives the full picture.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from triage.knowledge import FINDING_IDS

URGENT = "urgent"
EMERGENCY = "emergency"


@dataclass(frozen=True)
class RedFlag:
    id: str
    label: str
    urgency: str


# In the order the diary form shows them.
RED_FLAGS = (
    RedFlag("calf_swelling", _("One calf or lower leg is swollen"), URGENT),
    RedFlag("red_or_warm_skin", _("Skin is red or warm to the touch"), URGENT),
    RedFlag("fever", _("Fever, feeling hot and shivery"), URGENT),
    RedFlag("breathless", _("Short of breath"), EMERGENCY),
    RedFlag("chest_pain", _("Chest pain"), EMERGENCY),
)
BY_ID = {flag.id: flag for flag in RED_FLAGS}
CHOICES = [(flag.id, flag.label) for flag in RED_FLAGS]

# Any contract finding may be stored (a future client may send more); these are asked.
ALLOWED_IDS = frozenset(FINDING_IDS)


def urgency_of(flag_ids) -> str | None:
    """The highest urgency among the ticked warning signs, or None when there are none."""
    levels = {BY_ID[flag_id].urgency for flag_id in flag_ids if flag_id in BY_ID}
    if EMERGENCY in levels:
        return EMERGENCY
    if URGENT in levels:
        return URGENT
    return None


def advice_for(flag_ids) -> dict | None:
    """What to show for these ticked signs: the urgency and which signs caused it."""
    urgency = urgency_of(flag_ids)
    if urgency is None:
        return None
    return {
        "urgency": urgency,
        "flags": [BY_ID[flag_id] for flag_id in flag_ids if flag_id in BY_ID],
    }
