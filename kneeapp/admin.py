"""Admin for accounts: administrators manage users; physiotherapists see their own patients."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kneeapp.audit import StaffAccess
from kneeapp.data_rights import delete_account_and_data
from kneeapp.models import Consent, User
from reminders.preferences import follow_new_time_zone


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
            return super().get_readonly_fields(request, obj)
        return [
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
class StaffAccessAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Who agreed to which version of the consent text, and who withdrew: for administrators
    to read. A row is the patient's own act, so nobody adds, edits or deletes one here; it
    goes with its account. Physiotherapists have no permission on it."""

    list_display = ["patient", "version", "given_at", "withdrawn_at"]
    list_filter = ["version"]
    search_fields = ["patient__email", "patient__name"]
    date_hierarchy = "given_at"
    list_select_related = ["patient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Only together with the account: the user admin's deletion asks about each row it
        # takes with it (and refuses the whole deletion if one is not allowed).
        match = request.resolver_match
        return (
            request.user.is_superuser
            and match is not None
            and (match.url_name or "").startswith("kneeapp_user_")
        )
