"""Forms of the system map pages (the maps list, the table view, presentations). They check the shape of what was
typed; the rules live in systemmap.services, whose errors `add_domain_error` puts back beside the field concerned."""

from __future__ import annotations

from django import forms

from collab.models import Sector
from frontend.forms import too_long
from systemmap.models import (
    DESCRIPTION_MAX,
    LABEL_MAX,
    NOTE_MAX,
    STEP_CAPTION_MAX,
    STEP_TITLE_MAX,
    TITLE_MAX,
    ConnectionType,
    ElementType,
    Polarity,
)

NO_SECTOR = [("", "No particular sector")]


class MapForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX,
        help_text="For example “Eastmere system map, year 1”.",
        error_messages={"required": "Give the map a title.", "max_length": too_long("The title", TITLE_MAX)},
    )
    description = forms.CharField(
        label="What it shows (optional)",
        required=False,
        max_length=DESCRIPTION_MAX,
        error_messages={"max_length": too_long("The description", DESCRIPTION_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ElementForm(forms.Form):
    label = forms.CharField(
        label="Label",
        max_length=LABEL_MAX,
        error_messages={"required": "Give the element a label.", "max_length": too_long("The label", LABEL_MAX)},
    )
    type = forms.ChoiceField(
        label="Type",
        choices=ElementType.choices,
        error_messages={"required": "Choose a type.", "invalid_choice": "Choose a type from the list."},
    )
    sector = forms.ChoiceField(
        label="Sector",
        required=False,
        choices=NO_SECTOR + list(Sector.choices),
        error_messages={"invalid_choice": "Choose a sector from the list."},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=DESCRIPTION_MAX,
        error_messages={"max_length": too_long("The description", DESCRIPTION_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tags = forms.CharField(
        label="Tags (optional)",
        required=False,
        max_length=1000,
        help_text="Separate tags with commas, for example “year 1, transitions”.",
    )
    journey_step = forms.IntegerField(
        label="Step in the child's journey (optional)",
        required=False,
        min_value=1,
        max_value=1000,
        help_text="Only for a stage of the child's journey: 1 is the first stage.",
        error_messages={
            "invalid": "Give the step as a whole number, such as 3.",
            "min_value": "Give the step as a whole number from 1.",
            "max_value": "Give the step as a whole number up to 1,000.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class ConnectionForm(forms.Form):
    source = forms.TypedChoiceField(
        label="From",
        coerce=int,
        error_messages={"required": "Choose where the connection starts.", "invalid_choice": "Choose an element."},
    )
    target = forms.TypedChoiceField(
        label="To",
        coerce=int,
        error_messages={"required": "Choose where the connection ends.", "invalid_choice": "Choose an element."},
    )
    type = forms.ChoiceField(
        label="Type of connection",
        choices=ConnectionType.choices,
        initial=ConnectionType.INFLUENCE,
        error_messages={"required": "Choose a type.", "invalid_choice": "Choose a type from the list."},
    )
    polarity = forms.ChoiceField(
        label="Polarity",
        choices=Polarity.choices,
        initial=Polarity.SAME,
        help_text="+ when more at the start brings more at the end; − when it brings less.",
        error_messages={"required": "Choose + or −.", "invalid_choice": "Choose + or −."},
    )
    strength = forms.TypedChoiceField(
        label="Strength",
        coerce=int,
        initial=3,
        choices=[(n, f"{n}{' (weak)' if n == 1 else ' (strong)' if n == 5 else ''}") for n in range(1, 6)],
        error_messages={"required": "Choose a strength.", "invalid_choice": "Choose a strength from 1 to 5."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": too_long("The note", NOTE_MAX)},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, elements=(), **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", "Choose an element")] + [(e.pk, e.label) for e in elements]
        self.fields["source"].choices = options
        self.fields["target"].choices = options

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("target"):
            self.add_error("target", "A connection joins two different elements: choose another one.")
        return data


class PresentationForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX,
        help_text="For example “Second workshop: where the pressures are”.",
        error_messages={
            "required": "Give the presentation a title.",
            "max_length": too_long("The title", TITLE_MAX),
        },
    )


class StepForm(forms.Form):
    title = forms.CharField(
        label="Step title",
        max_length=STEP_TITLE_MAX,
        error_messages={"required": "Give the step a title.", "max_length": too_long("The title", STEP_TITLE_MAX)},
    )
    caption = forms.CharField(
        label="Caption (optional)",
        required=False,
        max_length=STEP_CAPTION_MAX,
        help_text="What to say while this step is shown.",
        error_messages={"max_length": too_long("The caption", STEP_CAPTION_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    elements = forms.TypedMultipleChoiceField(
        label="Elements shown",
        coerce=int,
        required=False,
        help_text="Connections between two shown elements are shown too.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose elements of this map."},
    )
    focus = forms.TypedChoiceField(
        label="Zoom in on (optional)",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose an element of this map."},
    )

    def __init__(self, *args, elements=(), **kwargs):
        super().__init__(*args, **kwargs)
        options = [(e.pk, e.label) for e in elements]
        self.fields["elements"].choices = options
        self.fields["focus"].choices = [("", "The whole step")] + options


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=2000,
        error_messages={"required": "Write your comment.", "max_length": too_long("The comment", 2000)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
