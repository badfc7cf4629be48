"""The diary's HTML form: the same checks as the API, for a page that works without JavaScript."""

import datetime
import uuid

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary import extensions, red_flags
from diary.models import (
    NOTES_MAX_LENGTH,
    PAIN_MAX,
    PAIN_MIN,
    PSFS_MAX,
    PSFS_MAX_ACTIVITIES,
    PSFS_MIN,
    PSFS_NAME_MAX_LENGTH,
    DayTaken,
    DiaryEntry,
    PsfsAssessment,
    PsfsError,
    Swelling,
)


class PatientsDay:
    """The check of a form's ``date``, a day of its ``patient``'s: never one still to come
    in their time zone (the API's ``PhoneWriteChecks`` asks the same)."""

    def clean_date(self):
        value = self.cleaned_data["date"]
        if self.patient.is_in_the_future(value):
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class EntryForm(PatientsDay, forms.Form):
    """One diary entry. ``id`` is a hidden UUID, so a form posted twice saves one entry."""

    is_new = False  # a form for an entry not saved yet (diary.js then makes its id)

    id = forms.UUIDField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    pain = forms.TypedChoiceField(
        label=_("Pain now (0 none, 10 worst imaginable)"),
        choices=[(value, str(value)) for value in range(PAIN_MIN, PAIN_MAX + 1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    swelling = forms.ChoiceField(
        label=_("Swelling"), choices=Swelling.choices, widget=forms.RadioSelect, initial="none"
    )
    stiffness = forms.BooleanField(label=_("Stiff knee"), required=False)
    walked_normally = forms.BooleanField(label=_("Walked normally"), required=False, initial=True)
    rice = forms.BooleanField(label=_("Rested, iced or raised it"), required=False)
    pain_relief = forms.BooleanField(label=_("Took pain relief"), required=False)
    stretches_done = forms.TypedMultipleChoiceField(
        label=_("Stretches done"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    red_flags = forms.MultipleChoiceField(
        label=_("Warning signs today"),
        choices=red_flags.choices,  # the symptom checker's, read when a form is made
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        # An entry keeps the signs it was saved with, even one the diary no longer asks.
        saved = self.initial.get("red_flags") or []
        if saved:
            self.fields["red_flags"].choices = red_flags.choices(extra=saved)
        choices = extensions.stretch_choices(patient)
        self.has_plan = bool(choices)
        if choices:
            self.fields["stretches_done"].choices = choices
        else:
            del self.fields["stretches_done"]

    def red_flag_preview(self) -> dict:
        """For diary.js, when it cannot run the symptom checker's engine in the page."""
        return red_flags.preview()

    @classmethod
    def for_new_entry(cls, patient, data=None):
        """Today's form: today's entry to edit when there is one (one entry a day)."""
        today = patient.today()
        entry = DiaryEntry.objects.of(patient).filter(date=today).first()
        if entry is not None:
            return cls.for_entry(entry, data)
        initial = {"id": uuid.uuid4(), "date": today, "walked_normally": True}
        form = cls(data, patient=patient, initial=initial)
        form.is_new = True
        return form

    @classmethod
    def for_entry(cls, entry, data=None):
        initial = entry.content() | {"id": entry.pk}
        return cls(data, patient=entry.patient, initial=initial)

    def save(self):
        """Save through the same last-write-wins path as the API, stamped now."""
        data = dict(self.cleaned_data)
        entry_id = data.pop("id")
        data.setdefault("stretches_done", [])
        data["stretches_done"] = sorted(set(data["stretches_done"]))
        try:
            return DiaryEntry.objects.write(self.patient, entry_id, data, timezone.now())
        except DiaryEntry.DoesNotExist:
            self.add_error(None, _("This entry cannot be saved."))
            return None
        except DayTaken:
            self.add_error(
                "date", _("There is already an entry for this day: change that one instead.")
            )
            return None


# Dates a report can cover: any real diary's, and none so far out that the date arithmetic
# behind the report overflows (the day after 9999-12-31, or 0001-01-01 midnight in Tokyo).
REPORT_DATES = [
    MinValueValidator(datetime.date(1900, 1, 1)),
    MaxValueValidator(datetime.date(2999, 12, 31)),
]


class RangeForm(forms.Form):
    """The dates of the doctor's report and the CSV download (the last 30 days by default)."""

    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}), validators=REPORT_DATES
    )
    end = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}), validators=REPORT_DATES
    )

    @classmethod
    def from_query(cls, query, today: datetime.date):
        defaults = {"start": today - datetime.timedelta(days=29), "end": today}
        form = cls({**{k: v.isoformat() for k, v in defaults.items()}, **query.dict()})
        return form, defaults

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("The end must not be before the start."))
        return cleaned

    def dates(self, defaults):
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return defaults["start"], defaults["end"]


class PsfsForm(PatientsDay, forms.Form):
    """The PSFS as a plain form: up to three rows of an activity and its score. Each row
    has a hidden activity id (a renamed activity stays the same one), and the form a hidden
    UUID, so a form posted twice saves one assessment."""

    id = forms.UUIDField(widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
    rows = range(PSFS_MAX_ACTIVITIES)

    def __init__(self, *args, patient, activities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        for index in self.rows:
            self.fields[f"activity_{index}"] = forms.UUIDField(
                required=False, widget=forms.HiddenInput
            )
            self.fields[f"name_{index}"] = forms.CharField(
                label=_("Activity %(number)d") % {"number": index + 1},
                max_length=PSFS_NAME_MAX_LENGTH,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"score_{index}"] = forms.TypedChoiceField(
                label=_("How well can you do it now?"),
                choices=[(value, str(value)) for value in range(PSFS_MIN, PSFS_MAX + 1)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        for index, activity in enumerate(activities):
            self.initial[f"activity_{index}"] = activity.pk
            self.initial[f"name_{index}"] = activity.name

    @classmethod
    def for_patient(cls, patient, data=None):
        """A new assessment, offering the activities of the last one again."""
        from diary.progress import latest_activities

        initial = {"id": uuid.uuid4(), "date": patient.today()}
        return cls(data, patient=patient, activities=latest_activities(patient), initial=initial)

    def row_list(self) -> list[dict]:
        return [
            {
                "number": index + 1,
                "activity": self[f"activity_{index}"],
                "name": self[f"name_{index}"],
                "score": self[f"score_{index}"],
            }
            for index in self.rows
        ]

    def clean(self):
        cleaned = super().clean()
        ratings = []
        for index in self.rows:
            name = " ".join((cleaned.get(f"name_{index}") or "").split())
            score = cleaned.get(f"score_{index}")
            if not name and score is None:
                continue  # an empty row
            if not name:
                self.add_error(f"name_{index}", _("Say which activity this is."))
            elif score is None:
                self.add_error(f"score_{index}", _("Choose a number from 0 to 10."))
            else:
                activity = cleaned.get(f"activity_{index}")
                ratings.append({"activity": activity, "name": name, "score": score})
        if not ratings and not self.errors:
            self.add_error("name_0", _("Name at least one activity and rate it."))
        cleaned["ratings"] = ratings
        return cleaned

    def save(self):
        """Save through the same path as the API, stamped now; None with an error added."""
        data = self.cleaned_data
        try:
            return PsfsAssessment.objects.record(
                self.patient, data["id"], data["date"], data["ratings"], timezone.now()
            )
        except PsfsAssessment.DoesNotExist:
            self.add_error(None, _("These answers cannot be saved."))
        except PsfsError as error:
            self.add_error(None, error.message)
        return None
