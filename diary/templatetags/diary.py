"""Template helpers of the diary."""

from django import template

register = template.Library()


@register.filter
def stretch_label(names: dict, item_id) -> str:
    """The plan item's name, or its id when the plan no longer has it."""
    return names.get(item_id) or str(item_id)
