"""Forms of the action-plan pages: items, recording a version, strategies and objectives, alignment, outcomes and
learning notes. They check the shape of what was typed; the rules live in actionplans.services (and
subgroups.plan_items), whose errors `add_domain_error` puts back beside the field they concern."""

from __future__ import annotations

from typing import Any

from django import forms

from actionplans.models import (
    ALIGNMENT_NOTE_MAX,
    VERSION_NOTE_MAX,
    ItemStatus,
    Objective,
    Outcome,
    OutcomeLevel,
    PlanItem,
    PlanStatus,
    Priority,
    StrategyKind,
    Theme,
)
from collab.models import Sector, Workshop
from frontend.forms import too_long
from subgroups.models import SubGroup

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_INVALID = "Enter a real date, for example 23/11/2026."
PARTNER_SECTORS = [(value, label) for value, label in Sector.choices if value != Sector.FACILITATION]


def _text(label: str, *, required: bool = False, limit: int = 5000, rows: int = 3, **kwargs: Any) -> forms.CharField:
    messages = {"max_length": too_long(label, limit)}
    if required:
        messages["required"] = kwargs.pop("required_message", f"Enter {label.lower()}.")
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        error_messages=messages,
        widget=forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(),
        **kwargs,
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_INVALID},
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class _Choices(forms.ModelMultipleChoiceField):
    def __init__(self, *args: Any, what: str, **kwargs: Any) -> None:
        super().__init__(
            *args,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": f"Choose {what} from the list.",
                "invalid_pk_value": f"Choose {what} from the list.",
                "list": f"Choose {what} from the list.",
            },
            **kwargs,
        )


class PlanItemForm(forms.Form):
    title = _text("What", required=True, limit=200, rows=0, required_message="Say what the activity is.")
    why = _text("Why", help_text="The need it answers, from the system map and the priorities.")
    intended_outcomes = _text("Intended outcomes", help_text="What will be different, and for whom.")
    theme = forms.ChoiceField(
        label="Theme",
        choices=Theme.choices,
        initial=Theme.OTHER,
        help_text="A common theme, so the programme can set similar work in different localities side by side.",
        error_messages={"invalid_choice": "Choose one of the listed themes."},
    )
    status = forms.ChoiceField(
        label="Status of the item",
        choices=ItemStatus.choices,
        initial=ItemStatus.PLANNED,
        error_messages={"invalid_choice": "Choose one of the listed statuses."},
    )
    subgroup = forms.ModelChoiceField(
        label="Owning sub-group",
        queryset=SubGroup.objects.none(),
        required=False,
        empty_label="No sub-group yet",
        error_messages={"invalid_choice": "Choose one of this Collaborative's open sub-groups."},
    )
    starts_on = _date("Start")
    ends_on = _date("End")
    partners = forms.MultipleChoiceField(
        label="Partners needed, by sector",
        choices=PARTNER_SECTORS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose partners from the listed sectors."},
    )
    priorities = _Choices(queryset=Priority.objects.none(), what="priorities", label="Priorities it takes forward")
    outcomes = _Choices(queryset=Outcome.objects.none(), what="outcomes", label="Outcomes it serves")

    def __init__(self, *args: Any, collaborative: Any, subgroups: list[SubGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subgroup"].queryset = SubGroup.objects.filter(pk__in=[s.pk for s in subgroups])
        self.fields["priorities"].queryset = Priority.objects.filter(collaborative=collaborative)
        self.fields["outcomes"].queryset = Outcome.objects.filter(
            framework__programme_id=collaborative.programme_id, retired_at__isnull=True
        )
        self.fields["outcomes"].label_from_instance = lambda o: f"{o.get_level_display()}: {o.title}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The end date must be on or after the start date.")
        return data

    @staticmethod
    def initial_for(item: PlanItem, subgroup: SubGroup | None) -> dict[str, Any]:
        return {
            "title": item.title,
            "why": item.why,
            "intended_outcomes": item.intended_outcomes,
            "theme": item.theme,
            "status": item.status,
            "subgroup": subgroup.pk if subgroup else None,
            "starts_on": item.starts_on,
            "ends_on": item.ends_on,
            "partners": [p.sector for p in item.partners.all()],
            "priorities": [p.pk for p in item.priorities.all()],
            "outcomes": [o.pk for o in item.outcomes.all()],
        }


class PlanVersionForm(forms.Form):
    status = forms.ChoiceField(
        label="What happened",
        choices=[(PlanStatus.AGREED, "Agreed at a workshop"), (PlanStatus.REVISED, "Revised at the year-2 review")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the plan was agreed or revised.", "invalid_choice": "Choose one."},
    )
    workshop = forms.ModelChoiceField(
        label="Workshop",
        queryset=Workshop.objects.none(),
        required=False,
        empty_label="Not at a workshop",
        help_text="Needed when the plan was agreed: the workshop where it was agreed.",
        error_messages={"invalid_choice": "Choose one of this Collaborative's workshops."},
    )
    note = _text("Note", limit=VERSION_NOTE_MAX, rows=0, help_text="What changed, in a line.")

    def __init__(self, *args: Any, collaborative: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = Workshop.objects.filter(
            collaborative=collaborative, cancelled_at__isnull=True
        ).order_by("-starts_at")
        self.fields["workshop"].label_from_instance = lambda w: f"{w.title} ({w.starts_at:%d/%m/%Y})"


class AlignmentForm(forms.Form):
    objective = forms.ModelChoiceField(
        label="Objective",
        queryset=Objective.objects.none(),
        error_messages={
            "required": "Choose the objective it serves.",
            "invalid_choice": "Choose an objective of this Collaborative's strategies.",
        },
    )
    note = _text(
        "How it serves it",
        required=True,
        limit=ALIGNMENT_NOTE_MAX,
        rows=2,
        required_message="Say in a line how the item serves the objective.",
    )

    def __init__(self, *args: Any, collaborative: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = Objective.objects.filter(
            collaborative=collaborative, removed_at__isnull=True, strategy__removed_at__isnull=True
        ).select_related("strategy")
        self.fields["objective"].label_from_instance = lambda o: f"{o.strategy.title}: {o}"


class StrategyForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=StrategyKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say what kind of strategy it is.", "invalid_choice": "Choose one."},
    )
    title = _text("Title", required=True, limit=200, rows=0, required_message="Name the strategy.")
    owner = _text("Owned by", limit=200, rows=0, help_text="For example the council's children's services.")
    period = _text("Period", limit=100, rows=0, help_text="For example 2024 to 2027.")
    url = forms.URLField(
        label="Web address",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address, for example https://www.example.gov.uk/send-strategy."},
    )
    summary = _text("Summary")


class ObjectiveForm(forms.Form):
    reference = _text("Reference", limit=20, rows=0, help_text="Its number in the strategy, for example 2.3.")
    title = _text("Objective", required=True, limit=300, rows=0, required_message="State the objective.")
    description = _text("Description", limit=2000, rows=2)


class OutcomeForm(forms.Form):
    level = forms.ChoiceField(
        label="Level", choices=OutcomeLevel.choices, error_messages={"invalid_choice": "Choose one of the levels."}
    )
    title = _text("Outcome", required=True, limit=200, rows=0, required_message="Name the outcome.")
    description = _text("Description", limit=2000, rows=2)


class LearningNoteForm(forms.Form):
    title = _text("Title", required=True, limit=200, rows=0, required_message="Give the note a title.")
    body = _text("What was learnt", required=True, rows=4)
    shared = forms.BooleanField(
        label="Share with the other localities of the programme",
        required=False,
        help_text="Only what you choose to share leaves this Collaborative.",
    )
