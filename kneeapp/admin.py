"""Admin for accounts: administrators manage users; physiotherapists see their own patients."""

import functools
import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError

from diary import chart, progress_chart
from diary.models import DiaryEntry
from kneeapp.audit import StaffAccess
from kneeapp.data_rights import delete_account_and_data
from kneeapp.models import Consent, Invitation, User
from kneeapp.tasks import send_invitation
from kneeapp.time_zones import time_zone_choices
from reminders.admin import ViewOnlyAdmin, is_physio_only
from reminders.preferences import follow_new_time_zone
from triage.knowledge import load_knowledge
from triage.models import Assessment

log = logging.getLogger(__name__)


# A patient's page shows what they recorded, read-only: the pain chart, the diary (notes and
# warning signs included) and the symptom checker's results.
PATIENT_RECORD = [
    "pain_chart",
    "weekly_pain_chart",
    "psfs_chart",
    "recent_diary",
    "checker_results",
]
RECENT = 30


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "physiotherapist", "is_staff", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "name"]
    autocomplete_fields = ["physiotherapist"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name", "time_zone", "physiotherapist"]}),
        (
            _("Reminders"),
            {
                "fields": [
                    "remind_by_email",
                    "remind_by_push",
                    "quiet_hours_start",
                    "quiet_hours_end",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":  # a list of zones, not a box to type in
            return forms.ChoiceField(
                label=db_field.verbose_name, choices=time_zone_choices, initial="UTC"
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.is_staff:
            return fieldsets
        recorded = (_("What the patient recorded"), {"fields": PATIENT_RECORD})
        return [*fieldsets, recorded]

    @admin.display(description=_("pain, last 30 days"))
    def pain_chart(self, patient):
        return render_to_string(
            "diary/_chart_svg.html", {"chart": chart.last_days(patient, 30), "chart_id": "pain"}
        )

    @admin.display(description=_("pain week by week (average and worst), last 12 weeks"))
    def weekly_pain_chart(self, patient):
        return progress_chart.render(progress_chart.weekly_pain_chart(patient), "weekly-pain")

    @admin.display(description=_("activities (PSFS average, 0 unable to 10 as before)"))
    def psfs_chart(self, patient):
        changes = progress_chart.psfs_changes(patient)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((c.activity.name, c.first, c.latest, f"{c.change:+d}") for c in changes),
        )
        table = format_html(
            '<div class="table-scroll"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table></div>",
            _("Activity"),
            _("First"),
            _("Latest"),
            _("Change"),
            rows,
        )
        chart_html = progress_chart.render(progress_chart.psfs_chart(patient), "psfs")
        return format_html("{}{}", chart_html, table if changes else "")

    @admin.display(description=_("diary, last 30 entries"))
    def recent_diary(self, patient):
        entries = DiaryEntry.objects.of(patient)[:RECENT]
        if not entries:
            return _("No diary entries yet.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}/10</td><td>{}</td><td><strong>{}</strong></td><td>{}</td></tr>",
            (
                (
                    e.date.isoformat(),
                    e.pain,
                    e.get_swelling_display(),
                    "; ".join(e.red_flag_labels),
                    e.notes,
                )
                for e in entries
            ),
        )
        return format_html(
            '<div class="table-scroll"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table></div>",
            _("Date"),
            _("Pain"),
            _("Swelling"),
            _("Warning signs"),
            _("Notes"),
            rows,
        )

    @admin.display(description=_("symptom checker results"))
    def checker_results(self, patient):
        assessments = Assessment.objects.of(patient).order_by("-created_at")[:RECENT]
        if not assessments:
            return _("No saved results.")
        names = {cause["id"]: cause["name"] for cause in load_knowledge()["causes"]}
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><strong>{}</strong></td><td>{}</td></tr>",
            (
                (
                    a.created_at.date().isoformat(),
                    a.get_urgency_display(),
                    ", ".join(names.get(c["id"], c["id"]) for c in a.result.get("causes", [])[:3]),
                )
                for a in assessments
            ),
        )
        return format_html(
            '<div class="table-scroll"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "</tr></thead><tbody>{}</tbody></table></div>",
            _("Date"),
            _("Urgency"),
            _("Possible causes, most likely first"),
            rows,
        )

    def delete_model(self, request, obj):
        # As when the patient deletes it: the admin's log and the audit trail forget them.
        delete_account_and_data(obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            delete_account_and_data(user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "time_zone" in form.changed_data:
            follow_new_time_zone(obj)  # the admin's save is one transaction

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # A physiotherapist (staff, not superuser) sees only the patients assigned to them
        # who have not withdrawn their consent.
        return qs.patients_of(request.user)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return [*super().get_readonly_fields(request, obj), *PATIENT_RECORD]
        return [
            *PATIENT_RECORD,
            "email",
            "password",
            "physiotherapist",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
            "last_login",
            "date_joined",
        ]


@admin.register(StaffAccess)
class StaffAccessAdmin(ViewOnlyAdmin):
    """The audit trail, for administrators to read: nobody adds, edits or deletes a row
    (old rows go by ``AUDIT_RETENTION_DAYS``). Physiotherapists have no permission on it."""

    list_display = ["at", "staff_name", "action", "what", "object_id", "patient_label"]
    list_filter = ["action", "what"]
    search_fields = ["staff_name", "patient__email", "patient_pseudonym"]
    date_hierarchy = "at"
    list_select_related = ["patient"]

    @admin.display(description=_("patient"))
    def patient_label(self, row):
        return row.patient or (row.patient_pseudonym and _("deleted (%s)") % row.patient_pseudonym)


@admin.register(Consent)
class ConsentAdmin(ViewOnlyAdmin):
    """Who agreed to which version of the consent text, and who withdrew: for administrators
    to read. A row is the patient's own act, so nobody adds, edits or deletes one here; it
    goes with its account. Physiotherapists have no permission on it."""

    list_display = ["patient", "version", "given_at", "withdrawn_at"]
    list_filter = ["version"]
    search_fields = ["patient__email", "patient__name"]
    date_hierarchy = "given_at"
    list_select_related = ["patient"]

    def has_delete_permission(self, request, obj=None):
        # Only together with the account: the user admin's deletion asks about each row it
        # takes with it (and refuses the whole deletion if one is not allowed).
        match = request.resolver_match
        return (
            request.user.is_superuser
            and match is not None
            and (match.url_name or "").startswith("kneeapp_user_")
        )


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "physiotherapist"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if "physiotherapist" in self.fields:
            self.fields["physiotherapist"].queryset = User.objects.physiotherapists()

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        existing = User.objects.filter(email=email).first()
        if existing is not None and existing.is_staff:
            raise forms.ValidationError(_("This address belongs to a staff account."))
        physio = self.cleaned_data.get("physiotherapist") or self.request.user
        if existing is not None and existing.physiotherapist_id == physio.pk:
            raise forms.ValidationError(_("This patient is already linked to you."))
        return email


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invite a patient by email: they accept from the link (kneeapp/invitations.py). An
    invitation is never edited; a physiotherapist sees and sends only their own."""

    form = InvitationForm
    list_display = ["email", "physiotherapist", "status", "created_at", "expires_at", "accepted_by"]
    list_select_related = ["physiotherapist", "accepted_by"]
    search_fields = ["email"]
    readonly_fields = ["status", "created_at", "expires_at", "accepted_at", "accepted_by"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return functools.partial(form, request=request)

    def get_fields(self, request, obj=None):
        fields = ["email"] if is_physio_only(request) else ["email", "physiotherapist"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def get_queryset(self, request):
        invitations = super().get_queryset(request)
        if is_physio_only(request):
            invitations = invitations.sent_by(request.user)
        return invitations

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if is_physio_only(request):
            obj.physiotherapist = request.user
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: queue_invitation(request, obj))


def queue_invitation(request, invitation) -> None:
    try:
        send_invitation.delay(invitation.pk)
    except (OperationalError, OSError) as error:  # the broker is down
        log.warning("invitation %s not queued: %s", invitation.pk, error)
        messages.warning(
            request, _("The email could not be queued just now: add the invitation again later.")
        )
        return
    messages.info(
        request,
        ngettext(
            "An invitation is on its way to %(email)s. Its link works for %(days)d day.",
            "An invitation is on its way to %(email)s. Its link works for %(days)d days.",
            settings.INVITATION_DAYS,
        )
        % {"email": invitation.email, "days": settings.INVITATION_DAYS},
    )
