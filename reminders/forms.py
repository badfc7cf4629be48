"""HTML forms of the plan pages (the API has its serializers; both save through the same code)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from reminders.preferences import FIELDS
from reminders.slots import time_zone_names


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


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

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_hours_start"), cleaned.get("quiet_hours_end")
        if (start is None) != (end is None) and "quiet_hours_end" not in self.errors:
            self.add_error(
                "quiet_hours_end", _("Give both the start and the end of quiet hours, or neither.")
            )
        return cleaned


class DoneForm(forms.Form):
    schedule = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
