"""Forms of the workshop pages. Dates and times are UK ones, as people type them; the services turn them into
moments and decide what may be done."""

from __future__ import annotations

from datetime import date, datetime

from django import forms

from collab.models import WorkshopFormat, WorkshopLength
from frontend.forms import too_long

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%A %d %B %Y"]
TIME_HINT = "24-hour UK time, for example 10:00."
MAX_DATE_LINES = 24


def parse_uk_date(text: str) -> date | None:
    """A date as people write it in the UK: 12/01/2027, 12/1/27, 2027-01-12 or 12 January 2027."""
    text = " ".join(text.replace(",", " ").split())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class _WorkshopDetailsForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={
            "required": "Give the workshop a title, for example “Agreeing our priorities”.",
            "max_length": too_long("The title", 200),
        },
    )
    start_time = forms.TimeField(
        label="Starts at",
        help_text=TIME_HINT,
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Enter the start time.", "invalid": "Enter the start time like 10:00."},
    )
    end_time = forms.TimeField(
        label="Ends at",
        help_text="For example 13:00 for a half day, or 15:30 for a full day.",
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Enter the end time.", "invalid": "Enter the end time like 13:00."},
    )
    format = forms.ChoiceField(
        label="Format",
        choices=WorkshopFormat.choices,
        widget=forms.RadioSelect,
        initial=WorkshopFormat.IN_PERSON,
        error_messages={"required": "Choose the format.", "invalid_choice": "Choose in person, online or hybrid."},
    )
    length = forms.ChoiceField(
        label="Length",
        choices=WorkshopLength.choices,
        widget=forms.RadioSelect,
        initial=WorkshopLength.HALF_DAY,
        error_messages={"required": "Choose half day or full day.", "invalid_choice": "Choose half day or full day."},
    )
    venue = forms.CharField(
        label="Venue",
        required=False,
        max_length=300,
        help_text="Optional. The address, or how to join online.",
        error_messages={"max_length": too_long("The venue", 300)},
    )
    accessibility_notes = forms.CharField(
        label="Accessibility",
        required=False,
        max_length=2000,
        help_text="Optional. Step-free access, hearing loop, quiet room, parking, captions online…",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": too_long("The accessibility notes", 2000)},
    )
    agenda = forms.CharField(
        label="Agenda",
        required=False,
        max_length=10000,
        help_text="Optional. You can add or change it nearer the time.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": too_long("The agenda", 10000)},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The end time must be after the start time.")
        return data


class ScheduleForm(_WorkshopDetailsForm):
    """The year's workshop dates in one go, with the same times and details for each."""

    dates = forms.CharField(
        label="Dates",
        help_text="One date per line, as day/month/year, for example 12/01/2027. Up to 24 dates within one year.",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        error_messages={"required": "Enter at least one date."},
    )
    cross_locality = forms.BooleanField(
        label="For every locality of the programme (a cross-locality workshop)",
        required=False,
        help_text="Everyone in the programme can see it and book a place.",
    )

    field_order = ["title", "dates", "start_time", "end_time", "format", "length", "venue", "accessibility_notes"]

    def __init__(self, *args, may_schedule_cross_locality: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_schedule_cross_locality:
            del self.fields["cross_locality"]

    def clean_dates(self) -> list[date]:
        lines = [line.strip() for line in self.cleaned_data["dates"].replace(";", "\n").splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError("Enter at least one date.")
        if len(lines) > MAX_DATE_LINES:
            raise forms.ValidationError(f"Enter at most {MAX_DATE_LINES} dates ({len(lines)} were given).")
        days, wrong = [], []
        for line in lines:
            day = parse_uk_date(line)
            if day is None:
                wrong.append(f"“{line[:40]}”")
            else:
                days.append(day)
        if wrong:
            raise forms.ValidationError(
                f"{', '.join(wrong)} {'is not a date' if len(wrong) == 1 else 'are not dates'}: "
                "write each as day/month/year, like 12/01/2027."
            )
        return days


class WorkshopForm(_WorkshopDetailsForm):
    """One workshop's date, times and details."""

    date = forms.DateField(
        label="Date",
        help_text="For example 12/01/2027.",
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date.", "invalid": "Enter a real date, like 12/01/2027."},
    )

    field_order = ["title", "date", "start_time", "end_time", "format", "length", "venue", "accessibility_notes"]


class RegisterForm(forms.Form):
    access_needs = forms.CharField(
        label="Access needs (optional)",
        required=False,
        max_length=500,
        help_text=(
            "Anything the facilitators should arrange so you can take part, for example step-free access or a "
            "hearing loop. Only they see it."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": too_long("Access needs", 500)},
    )


class RegisterSomeoneForm(RegisterForm):
    """A facilitator books a place for someone who could come."""

    user = forms.TypedChoiceField(
        label="Person",
        coerce=int,
        error_messages={"required": "Choose who to book a place for.", "invalid_choice": "Choose someone listed."},
    )

    field_order = ["user", "access_needs"]

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a person")] + [(str(p.pk), p.display_name) for p in people]
        self.fields["access_needs"].label = "Their access needs (optional)"
        self.fields["access_needs"].help_text = "Only the facilitators see this."


class AttendanceForm(forms.Form):
    """Who came: a box for each person with a place, and boxes for anyone who came without one."""

    came = forms.TypedMultipleChoiceField(
        label="Came",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Tick only people listed."},
    )
    also_came = forms.TypedMultipleChoiceField(
        label="Also came, without a place",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Tick only people listed."},
    )

    def __init__(self, *args, booked=(), others=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.booked = [p.pk for p in booked]
        self.fields["came"].choices = [(p.pk, p.display_name) for p in booked]
        self.fields["also_came"].choices = [(p.pk, p.display_name) for p in others]

    def _ticked(self, name: str) -> set[int]:
        values = self.data.getlist(self.add_prefix(name)) if self.is_bound else self.initial.get(name, [])
        ticked = set()
        for value in values:
            try:
                ticked.add(int(value))
            except (TypeError, ValueError):
                continue
        return ticked

    @property
    def ticked_came(self) -> set[int]:
        """Who shows as ticked: what was sent back, or what was recorded before."""
        return self._ticked("came")

    @property
    def ticked_also_came(self) -> set[int]:
        return self._ticked("also_came")

    def attendance(self) -> dict[int, bool]:
        """Person id → came, for everyone with a place (ticked or not) and everyone ticked without one."""
        came = set(self.cleaned_data["came"])
        result = {pk: pk in came for pk in self.booked}
        result.update(dict.fromkeys(self.cleaned_data["also_came"], True))
        return result

    def clean(self):
        data = super().clean()
        if not self.booked and not data.get("also_came"):
            raise forms.ValidationError("Tick who came.")
        return data
