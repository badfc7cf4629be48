"""Account forms: sign up, profile, consent and the confirmation for deleting an account."""

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kneeapp import consent
from kneeapp.models import Consent, User
from kneeapp.signin import check_password
from kneeapp.time_zones import time_zone_choices
from reminders.forms import PreferencesForm
from reminders.preferences import FORM_FIELDS


class ConsentVersionMixin:
    """The version of the consent text the page showed: agreeing to a text that changed
    since (a page left open over a release) is refused, so a row never names a version its
    patient did not read."""

    def clean_consent_version(self):
        # Left out (a client with no hidden field): the text in force, which it was sent.
        version = self.cleaned_data.get("consent_version") or consent.CURRENT_VERSION
        if version != consent.CURRENT_VERSION:
            raise forms.ValidationError(
                _("The text about your data has changed since this page opened: read it again.")
            )
        return version


def consent_version_field():
    return forms.CharField(
        widget=forms.HiddenInput, required=False, initial=lambda: consent.CURRENT_VERSION
    )


class SignUpForm(ConsentVersionMixin, BaseUserCreationForm):
    # A list the page's script (static/kneeapp/app.js) sets to the browser's own zone and
    # offers first; the server still checks it is a known one. Left out: UTC.
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        initial="UTC",
        required=False,
        help_text=_("Reminders come at your local time. This phone's zone is chosen for you."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that kneeapp keeps the health data I enter, as explained above, and "
            "that my physiotherapist may read it."
        ),
        error_messages={
            "required": _("Please tick this box: kneeapp cannot keep your diary without it.")
        },
    )
    consent_version = consent_version_field()

    class Meta:
        model = User
        fields = ["email"]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # a first visit: the browser's zone replaces the default
            self.fields["time_zone"].widget.attrs["data-from-browser"] = ""

    def clean_time_zone(self):
        return self.cleaned_data.get("time_zone") or "UTC"

    def save(self, commit=True):
        """The account and its consent, in one transaction (never one without the other)."""
        user = super().save(commit=False)
        user.time_zone = self.cleaned_data["time_zone"]
        if commit:
            with transaction.atomic():
                user.save()
                Consent.objects.give(user, self.cleaned_data["consent_version"])
        return user


class InvitedSignUpForm(SignUpForm):
    """Sign-up from a physiotherapist's invitation: for the invited address only (a link sent
    on to someone else does not make them that physiotherapist's patient)."""

    def __init__(self, email: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.invited_email = email
        self.fields["email"].initial = email
        self.fields["email"].disabled = True

    def clean_email(self):
        return self.invited_email


class ConsentForm(ConsentVersionMixin, forms.Form):
    """The consent page's two buttons: agree to the current text, or withdraw."""

    AGREE, WITHDRAW = "agree", "withdraw"
    action = forms.ChoiceField(choices=[(AGREE, _("I agree")), (WITHDRAW, _("Withdraw consent"))])
    consent_version = consent_version_field()

    def clean_consent_version(self):
        if self.cleaned_data.get("action") == self.WITHDRAW:
            return self.cleaned_data.get("consent_version")  # withdrawing needs no text read
        return super().clean_consent_version()


class ProfileForm(PreferencesForm):
    """The account page: the name, and the reminder preferences of the plan page."""

    class Meta(PreferencesForm.Meta):
        fields = ["name", *FORM_FIELDS]


class ConfirmPasswordForm(forms.Form):
    """The password of the signed-in person, typed again (throttled like a sign-in)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not check_password(self.user, password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class DeleteAccountForm(ConfirmPasswordForm):
    confirm = forms.BooleanField(
        label=_("I understand that my diary, assessments and plan will be deleted for good.")
    )
