"""Account forms: sign up, profile and the confirmation for deleting an account."""

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils.translation import gettext_lazy as _

from kneeapp.models import User, time_zone_names
from kneeapp.signin import check_password


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


class SignUpForm(BaseUserCreationForm):
    time_zone = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = User
        fields = ["email"]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email

    def clean_time_zone(self):
        # Filled in by the browser; an unknown value falls back to UTC rather than blocking sign-up.
        value = self.cleaned_data.get("time_zone") or "UTC"
        return value if value in time_zone_names() else "UTC"

    def save(self, commit=True):
        user = super().save(commit=False)
        user.time_zone = self.cleaned_data["time_zone"]
        if commit:
            user.save()
        return user


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = [
            "name",
            "time_zone",
            "remind_by_email",
            "remind_by_push",
            "quiet_hours_start",
            "quiet_hours_end",
        ]
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_hours_start": _("No reminders between these times, e.g. 22:00 to 07:00."),
        }


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my diary, assessments and plan will be deleted for good.")
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not check_password(self.user, password):
            raise forms.ValidationError(_("That is not your password."))
        return password
