"""HTML forms of the plan pages (the API has its serializers; both save through the same code)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kneeapp.models import ReminderChannels, time_zone_choices
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
        }


class DoneForm(forms.Form):
    schedule = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
