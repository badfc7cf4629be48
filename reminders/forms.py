"""HTML forms of the plan pages (the API has its serializers; both save through the same code)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kneeapp.models import time_zone_choices
from reminders.preferences import FIELDS


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = get_user_model()
        fields = FIELDS
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
