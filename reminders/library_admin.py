"""The admin of the exercise library and the plan templates (registered by reminders.admin).

Shared exercises and templates (no owner) are the administrators' to edit; a physio sees
them read-only, adds their own (owner set to themselves), and changes and deletes only
those. Another physio's own exercise or template is outside the physio's queryset, so the
admin answers it as not found. A physio starts a patient's plan from a template in one
step (``start_plan_view``) and adjusts it on the plan's change page.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reminders.admin import ExerciseChoices, WeekdaysField, is_physio_only
from reminders.models import (
    Exercise,
    ExerciseOwner,
    PlanTemplate,
    PlanTemplateItem,
    PlanTemplateTime,
    StretchPlan,
)


class OwnedByPhysio:
    """Admin rules for rows that are shared (no owner) or a physio's own."""

    def get_queryset(self, request):
        return super().get_queryset(request).usable_by(request.user)

    def is_own(self, request, obj) -> bool:
        return not is_physio_only(request) or obj.owner_id == request.user.pk

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = physiotherapists()
        elif db_field.related_model is Exercise:  # variants: the shared and one's own
            kwargs["queryset"] = Exercise.objects.usable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("shared"), boolean=True)
    def shared(self, obj) -> bool:
        return obj.owner_id is None


EXERCISE_FIELDS = [
    *("name", "slug", "kind", "body_area", "instructions", "cautions"),
    *("hold_seconds", "reps", "sets", "illustration", "easier", "harder"),
]


def physiotherapists():
    return get_user_model().objects.physiotherapists().order_by("email")


class ExerciseForm(forms.ModelForm):
    """The exercise, and (for an administrator) which physio it belongs to, if any."""

    owner = forms.ModelChoiceField(
        label=_("Added by"),
        queryset=None,
        required=False,
        help_text=_("Empty: the shared library, edited by administrators only."),
    )

    class Meta:
        model = Exercise
        fields = EXERCISE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if owner := self.fields.get("owner"):  # not on a physio's form
            owner.queryset = physiotherapists()
            owner.initial = self.instance.owner_id


@admin.register(Exercise)
class ExerciseAdmin(OwnedByPhysio, admin.ModelAdmin):
    """The exercise library.

    The Physiotherapists group holds ``view_exercise`` and ``add_exercise`` but neither
    ``change_exercise`` nor ``delete_exercise`` (migration 0008 took them away): Django's
    permissions are per model, and a blanket "change" would let any physio rewrite a shared
    exercise that other physios' patients follow. The object-level rule is therefore here:
    a physio who may add exercises is granted, explicitly, the change and deletion of the
    exercises they added themselves, and nothing else. A superuser edits everything.
    """

    form = ExerciseForm
    list_display = ["name", "kind", "body_area", "hold_seconds", "reps", "sets", "shared"]
    list_filter = ["kind", "body_area"]
    search_fields = ["name", "instructions"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ownership")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class each time
        if is_physio_only(request):
            form.base_fields.pop("owner", None)  # a physio's exercises are their own
        return form

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if is_physio_only(request):
            if not change:
                ExerciseOwner.objects.create(exercise=obj, owner=request.user)
        elif (owner := form.cleaned_data.get("owner")) is not None:
            ExerciseOwner.objects.update_or_create(exercise=obj, defaults={"owner": owner})
        else:
            ExerciseOwner.objects.filter(exercise=obj).delete()

    readonly_fields = ["drawing"]

    def get_fields(self, request, obj=None):
        fields = [*EXERCISE_FIELDS, "drawing"]
        return fields if is_physio_only(request) else [*fields, "owner"]

    @admin.display(description=_("drawing"))
    def drawing(self, exercise):
        if not exercise.illustration:
            return "-"
        return format_html(
            '<img src="{}" alt="{}" width="240" height="160">',
            exercise.illustration_url,
            exercise.get_illustration_display(),
        )

    def has_change_permission(self, request, obj=None):
        if not is_physio_only(request):
            return super().has_change_permission(request, obj)
        return self.may_edit_own(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not is_physio_only(request):
            return super().has_delete_permission(request, obj)
        return self.may_edit_own(request, obj)

    def may_edit_own(self, request, obj) -> bool:
        # With no object (a list, or an id outside the physio's queryset), True: Django
        # then answers "not found" for the id and asks again for each object it acts on.
        authors = request.user.has_perm("reminders.add_exercise")
        return authors and (obj is None or obj.owner_id == request.user.pk)


class PlanTemplateItemInline(ExerciseChoices, admin.TabularInline):
    model = PlanTemplateItem
    extra = 1


class TemplateTimeForm(forms.ModelForm):
    weekdays = WeekdaysField(label=_("Weekdays"))

    class Meta:
        model = PlanTemplateTime
        fields = ["time_of_day", "weekdays"]


class PlanTemplateTimeInline(admin.TabularInline):
    model = PlanTemplateTime
    form = TemplateTimeForm
    extra = 1


class StartPlanForm(forms.Form):
    patient = forms.ModelChoiceField(label=_("Patient"), queryset=None)
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        patients = get_user_model().objects.filter(is_staff=False, is_active=True)
        if not user.is_superuser:
            patients = patients.patients_of(user)
        self.fields["patient"].queryset = patients.order_by("email")
        self.fields["starts_on"].initial = timezone.localdate()


@admin.register(PlanTemplate)
class PlanTemplateAdmin(OwnedByPhysio, admin.ModelAdmin):
    """Condition templates: exercises with doses and reminder times, to start plans from."""

    list_display = ["name", "weeks", "shared"]
    search_fields = ["name", "condition_notes"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PlanTemplateItemInline, PlanTemplateTimeInline]
    change_form_template = "admin/reminders/plantemplate/change_form.html"

    def get_fields(self, request, obj=None):
        fields = ["name", "slug", "condition_notes", "patient_notes", "weeks"]
        return fields if is_physio_only(request) else [*fields, "owner"]

    def save_model(self, request, obj, form, change):
        if is_physio_only(request) and not change:
            obj.owner = request.user
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or self.is_own(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or self.is_own(request, obj)
        )

    def get_urls(self):
        start = path(
            "<path:object_id>/start-plan/",
            self.admin_site.admin_view(self.start_plan_view),
            name="reminders_plantemplate_start_plan",
        )
        return [start, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_start_plan": self.may_start_plans(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def may_start_plans(self, request) -> bool:
        return request.user.has_perm("reminders.add_stretchplan")

    def start_plan_view(self, request, object_id):
        """A new plan for one of the physio's patients from this template, in one step."""
        template = self.get_object(request, unquote(object_id))
        if template is None or not self.has_view_permission(request, template):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.may_start_plans(request):
            raise PermissionDenied
        form = StartPlanForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            patient = form.cleaned_data["patient"]
            physio = patient.physiotherapist if request.user.is_superuser else request.user
            try:
                plan, replaced = template.start_plan(
                    patient, physio, form.cleaned_data["starts_on"]
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                return self.plan_started(request, template, plan, replaced)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Start a plan from “%(name)s”") % {"name": template},
            "opts": self.opts,
            "original": template,
            "form": form,
        }
        return TemplateResponse(request, "admin/reminders/plantemplate/start_plan.html", context)

    def plan_started(self, request, template, plan, replaced):
        plans_admin = self.admin_site.get_model_admin(StretchPlan)
        plans_admin.log_addition(request, plan, [{"added": {}}])
        self.message_user(
            request,
            _("A plan was started from “%(name)s”: adjust it here.") % {"name": template},
            messages.SUCCESS,
        )
        plans_admin.tell_replaced(request, replaced)
        return redirect(reverse("admin:reminders_stretchplan_change", args=[plan.pk]))
