"""The physiotherapist's workplace: their own patients' plans (the exercise library and the
plan templates are in reminders/library_admin.py).

A physiotherapist (staff in the Physiotherapists group, not a superuser) sees and edits
only plans of patients assigned to them: the querysets, the patient choices and the
object permissions are all narrowed, so another physiotherapist's plan is "not found".
Adherence and the diary's pain trend are shown on the plan, read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Case, When
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from diary import chart, progress_chart
from kneeapp.time_zones import time_zone_choices
from reminders import attention, feedback
from reminders.adherence import last_days, total
from reminders.models import (
    Delivery,
    DoctorAlert,
    Exercise,
    PatientNeedingAttention,
    PlanItem,
    ReminderSchedule,
    StretchPlan,
)

WEEKDAY_NAMES = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
TREND_DAYS = 14


def is_physio_only(request) -> bool:
    return not request.user.is_superuser


class ExerciseChoices:
    """An inline of exercises with doses (a plan's, a template's): the exercises offered are
    the shared library and the physio's own, never another physio's, but for those the plan
    or template already holds (an administrator may have put one there): it saves back."""

    fields = ["position", "exercise", "hold_seconds", "reps", "sets", "notes"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # a new class each time
        usable = Exercise.objects.usable_by(request.user)
        if obj is not None:
            usable |= Exercise.objects.filter(pk__in=obj.items.values("exercise"))
        formset.form.base_fields["exercise"].queryset = usable
        return formset


class PlanItemInline(ExerciseChoices, admin.TabularInline):
    """A plan's exercises, each with its own dose: empty fields take the library's."""

    model = PlanItem
    extra = 1


class WeekdaysField(forms.TypedMultipleChoiceField):
    """The weekday bit mask as seven tick boxes."""

    def __init__(self, **kwargs):
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        super().__init__(
            choices=list(enumerate(WEEKDAY_NAMES)),
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )

    def prepare_value(self, value):
        if isinstance(value, int):
            return [day for day in range(7) if value & (1 << day)]
        return value

    def has_changed(self, initial, data):
        # The initial value is the stored bit mask, the submitted one a list of day numbers:
        # compare them as sets of days (MultipleChoiceField would call len() on the mask).
        if self.disabled:
            return False
        before = {str(day) for day in self.prepare_value(initial) or []}
        return before != {str(day) for day in data or []}

    def clean(self, value):
        days = super().clean(value)
        return sum(1 << day for day in set(days))


def schedule_zone_choices() -> list[tuple[str, str]]:
    return [("", _("The patient's own time zone (follows it)")), *time_zone_choices()]


class ScheduleForm(forms.ModelForm):
    weekdays = WeekdaysField(label=_("Weekdays"))
    # A list, not a box to type in: blank (the default) follows the patient's own zone.
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=schedule_zone_choices, required=False
    )

    class Meta:
        model = ReminderSchedule
        fields = ["time_of_day", "weekdays", "time_zone"]


class ReminderScheduleInline(admin.TabularInline):
    model = ReminderSchedule
    form = ScheduleForm
    extra = 1
    fields = ["time_of_day", "weekdays", "time_zone", "next_run_at"]
    readonly_fields = ["next_run_at"]


@admin.register(StretchPlan)
class StretchPlanAdmin(admin.ModelAdmin):
    list_display = ["patient", "starts_on", "ends_on", "physiotherapist", "adherence_14_days"]
    list_select_related = ["patient", "physiotherapist"]
    search_fields = ["patient__email", "patient__name"]
    date_hierarchy = "starts_on"
    inlines = [PlanItemInline, ReminderScheduleInline]
    readonly_fields = ["adherence_14_days", "pain_trend", "exercise_feedback"]

    def get_fields(self, request, obj=None):
        fields = ["patient", "starts_on", "ends_on", "notes"]
        if not is_physio_only(request):
            fields.insert(1, "physiotherapist")
        if obj is not None:
            fields += ["adherence_14_days", "pain_trend", "exercise_feedback"]
        return fields

    def get_queryset(self, request):
        plans = super().get_queryset(request)
        if is_physio_only(request):
            plans = plans.managed_by(request.user)
        return plans

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        User = get_user_model()
        if db_field.name == "patient":
            patients = User.objects.filter(is_staff=False, is_active=True)
            if is_physio_only(request):
                patients = patients.patients_of(request.user)
            kwargs["queryset"] = patients.order_by("email")
        elif db_field.name == "physiotherapist":
            kwargs["queryset"] = User.objects.physiotherapists().order_by("email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.owns(request, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.owns(request, obj)

    def owns(self, request, obj) -> bool:
        if obj is None or not is_physio_only(request):
            return True
        # A second line behind get_queryset (managed_by), which has already left out the
        # patients who withdrew their consent: no query here, it runs several times a page.
        return obj.patient.physiotherapist_id == request.user.pk

    def save_model(self, request, obj, form, change):
        if is_physio_only(request) and not change:
            obj.physiotherapist = request.user
        replaced = list(obj.replaced_plans())
        super().save_model(request, obj, form, change)
        for old in replaced:
            old.refresh_from_db()
        self.tell_replaced(request, replaced)

    def tell_replaced(self, request, replaced) -> None:
        """Say which plans a new plan ended, and when (their reminders stop then)."""
        for old in replaced:
            self.message_user(
                request,
                _(
                    "The patient's plan from %(start)s now ends on %(end)s, the day before "
                    "this one starts: its reminders stop then."
                )
                % {"start": old.starts_on.isoformat(), "end": old.ends_on.isoformat()},
                messages.WARNING,
            )

    @admin.display(description=_("Adherence, last 14 days"))
    def adherence_14_days(self, plan):
        slots = last_days(plan, 14)
        overall = total(slots, None, None)
        if not overall.due:
            return _("Nothing due yet")
        summary = _("%(done)d done of %(due)d due") % {"done": overall.done, "due": overall.due}
        if len(slots) < 2:
            return summary
        rows = format_html_join(
            "", "<li>{}: {}</li>", ((s.label, _("%(done)d of %(due)d") % vars(s)) for s in slots)
        )
        return format_html("{}<ul>{}</ul>", summary, rows)

    @admin.display(description=_("Pain trend (diary, last 14 days)"))
    def pain_trend(self, plan):
        pain = chart.last_days(plan.patient, TREND_DAYS)
        if not pain.points:
            return _("No diary entries in the last 14 days")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}/10</td></tr>",
            ((p.date.isoformat(), f"{p.pain:g}") for p in pain.points),
        )
        return format_html(
            '{}<div class="table-scroll"><table><thead><tr><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table></div>",
            render_to_string("diary/_chart_svg.html", {"chart": pain, "chart_id": "trend"}),
            _("Date"),
            _("Pain"),
            rows,
        )

    @admin.display(description=_("How the exercises felt (last 14 days)"))
    def exercise_feedback(self, plan):
        return feedback.table(plan.patient)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows to look at: nobody adds, changes or deletes one in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyOwnPatients(ViewOnlyAdmin):
    """Deliveries and alerts: a record to look at, of one's own patients only (an
    administrator may delete one)."""

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("patient")
        if is_physio_only(request):
            rows = rows.filter(patient__in=get_user_model().objects.patients_of(request.user))
        return rows

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyOwnPatients):
    list_display = ["patient", "kind", "slot", "channel", "status", "attempts", "error"]
    list_filter = ["kind", "status", "channel"]
    date_hierarchy = "slot"


@admin.register(DoctorAlert)
class DoctorAlertAdmin(ReadOnlyOwnPatients):
    list_display = ["patient", "kind", "started_on", "ended_on", "alerted_at"]
    list_filter = ["kind"]


@admin.register(PatientNeedingAttention)
class PatientNeedingAttentionAdmin(ViewOnlyAdmin):
    """A physiotherapist's own patients who need attention, most pressing first, each with
    why (reminders/attention.py), a 14-day adherence bar and a 14-day pain chart. "Mark as
    reviewed" clears a patient until something new happens. Nothing is edited here: the
    patient's name opens their page."""

    list_display_links = None
    search_fields = ["email", "name"]
    actions = ["mark_reviewed"]

    def get_queryset(self, request):
        patients = super().get_queryset(request).filter(is_staff=False)
        if is_physio_only(request):
            patients = patients.patients_of(request.user)
        else:
            patients = patients.filter(physiotherapist__isnull=False)
        need = {}
        for patient in patients.select_related("physiotherapist"):
            if reasons := attention.reasons_for(patient, self.reviewer(request, patient)):
                need[patient.pk] = reasons
        request.attention_reasons = need
        order = sorted(need, key=lambda pk: [-r.weight for r in need[pk]])
        rank = Case(*(When(pk=pk, then=place) for place, pk in enumerate(order)), default=0)
        return patients.filter(pk__in=order).annotate(need_rank=rank).order_by("need_rank")

    def reviewer(self, request, patient):
        return request.user if is_physio_only(request) else patient.physiotherapist

    def change_view(self, request, object_id, form_url="", extra_context=None):
        patient = self.get_object(request, object_id)
        if patient is None or not self.has_view_permission(request, patient):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return redirect("admin:kneeapp_user_change", patient.pk)

    @admin.action(description=_("Mark as reviewed"), permissions=["view"])
    def mark_reviewed(self, request, queryset):
        patients = list(queryset)
        for patient in patients:
            attention.mark_reviewed([patient], self.reviewer(request, patient))
        self.message_user(
            request,
            ngettext(
                "%(n)d patient marked as reviewed: they come back when something new happens.",
                "%(n)d patients marked as reviewed: they come back when something new happens.",
                len(patients),
            )
            % {"n": len(patients)},
        )

    @admin.display(description=_("patient"))
    def patient_page(self, patient):
        url = reverse("admin:kneeapp_user_change", args=[patient.pk])
        return format_html('<a href="{}">{}</a>', url, patient)

    def get_list_display(self, request):
        @admin.display(description=_("why"))
        def why(patient):
            # Found by get_queryset, which the list runs before it shows a row.
            reasons = request.attention_reasons.get(patient.pk, [])
            items = format_html_join("", "<li>{}</li>", ((reason.text,) for reason in reasons))
            return format_html("<ul>{}</ul>", items)

        return [self.patient_page, why, self.adherence_bar, self.pain_chart, self.psfs]

    @admin.display(description=_("adherence, 14 days"))
    def adherence_bar(self, patient):
        result = attention.fourteen_days(patient)
        if not result.due:
            return _("Nothing due")
        return format_html(
            '<meter min="0" max="100" low="50" optimum="100" value="{}">{} %</meter> {}',
            result.percent,
            result.percent,
            _("%(done)d of %(due)d") % {"done": result.done, "due": result.due},
        )

    @admin.display(description=_("pain, 14 days"))
    def pain_chart(self, patient):
        return render_to_string(
            "diary/_chart_svg.html",
            {"chart": chart.last_days(patient, 14), "chart_id": f"pain-{patient.pk}"},
        )

    @admin.display(description=_("activities (PSFS)"))
    def psfs(self, patient):
        return progress_chart.render(progress_chart.psfs_chart(patient), f"psfs-{patient.pk}")


# The exercise library and plan templates: their own module, registered with the site here.
from reminders import library_admin  # noqa: E402, F401
