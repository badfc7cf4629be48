"""Account forms: sign up, profile and the confirmation for deleting an account."""

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils.translation import gettext_lazy as _

from kneeapp.models import User, time_zone_names
from kneeapp.signin import check_password
from reminders.forms import PreferencesForm
from reminders.preferences import FIELDS


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


class ProfileForm(PreferencesForm):
    """The account page: the name, and the reminder preferences of the plan page."""

    class Meta(PreferencesForm.Meta):
        fields = ["name", *FIELDS]


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
