"""HTML forms of the plan pages (the API has its serializers; both save through the same code)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kneeapp.models import ReminderChannels
from kneeapp.time_zones import time_zone_choices
from reminders.models import Effort
from reminders.preferences import FORM_FIELDS


class PreferencesForm(forms.ModelForm):
    reminder_channels = forms.ChoiceField(
        label=_("How should we remind you?"),
        choices=ReminderChannels.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "With notifications and email, an email comes only when a notification could not "
            "reach your phone, or your phone has not confirmed one for 3 days."
        ),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("reminder_channels", self.instance.reminder_channels.value)

    class Meta:
        model = get_user_model()
        fields = FORM_FIELDS
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_hours_start": _("No reminders between these times, e.g. 22:00 to 07:00."),
            "send_nudges": _(
                "If nothing is logged for 2 days, one gentle reminder, at most every 3 days."
            ),
        }
        labels = {"send_nudges": _("Nudge me when I have not logged anything for 2 days")}


class DoneForm(forms.Form):
    """A reminder done as a whole, or one exercise of it (``item``) with how it felt."""

    schedule = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
    item = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    effort = forms.ChoiceField(
        label=_("How did it feel?"),
        choices=Effort.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    pain = forms.IntegerField(
        label=_("Pain during it (0 = none, 10 = worst)"), min_value=0, max_value=10, required=False
    )

    def error_text(self) -> str:
        """Every error, each after the name of its field, for a message on the page."""
        return " ".join(
            f"{self.fields[name].label or name}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        )
