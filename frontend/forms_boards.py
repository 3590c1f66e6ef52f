"""Forms of the board pages: making a board, opening a guest link, and joining a board as a guest. They check the
shape of what was typed; the rules live in collab.services.boards."""

from __future__ import annotations

from django import forms

from collab.models import TITLE_MAX, BoardTemplate
from collab.services.boards import GUEST_LINK_MAX_HOURS
from frontend.forms import too_long

TEMPLATE_HINTS = {
    BoardTemplate.EXPLORE_MAP: "Three areas: what surprised you on the map, where the pressures are, what is missing.",
    BoardTemplate.VISION: "For children and families, for schools and services, for how we work together.",
    BoardTemplate.PRIORITISE: "One area of ideas to group and vote on.",
    BoardTemplate.ACTION_PLANNING: "What, who, by when, and the support needed.",
    BoardTemplate.REVIEW: "What went well, what was hard, what we would change.",
    BoardTemplate.BLANK: "One area called “Ideas”; add more areas from the board.",
}

GUEST_HOURS = [(1, "1 hour"), (2, "2 hours"), (4, "4 hours"), (8, "8 hours"), (24, "1 day"), (72, "3 days")]


class BoardForm(forms.Form):
    title = forms.CharField(
        label="Board title",
        max_length=TITLE_MAX,
        error_messages={"required": "Give the board a title.", "max_length": too_long("The title", TITLE_MAX)},
    )
    template = forms.ChoiceField(
        label="Start from",
        choices=BoardTemplate.choices,
        initial=BoardTemplate.EXPLORE_MAP,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the board starts from.", "invalid_choice": "Choose a template."},
    )
    prompt = forms.CharField(
        label="Question for everyone (optional)",
        help_text="Shown at the top of the board, for example “What gets in the way of including every child?”",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": too_long("The question", 500)},
    )
    private_writing = forms.BooleanField(
        label="Private writing: each person's cards stay hidden from others until you reveal them",
        required=False,
        initial=True,
    )
    vote_budget = forms.IntegerField(
        label="Votes per person",
        min_value=1,
        max_value=20,
        initial=5,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Say how many votes each person has.",
            "invalid": "Enter the votes per person as a whole number.",
            "min_value": "Give each person at least 1 vote.",
            "max_value": "Give each person at most 20 votes.",
        },
    )
    vote_cap_per_card = forms.IntegerField(
        label="Most votes one person can put on one card",
        min_value=1,
        max_value=20,
        initial=3,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Say how many votes one person can put on one card.",
            "invalid": "Enter the most votes on one card as a whole number.",
            "min_value": "Allow at least 1 vote on a card.",
            "max_value": "Allow at most 20 votes on a card.",
        },
    )

    template_hints = TEMPLATE_HINTS


class GuestLinkForm(forms.Form):
    hours = forms.TypedChoiceField(
        label="Guests can join for",
        choices=GUEST_HOURS,
        coerce=int,
        initial=4,
        error_messages={
            "required": "Choose how long guests can join for.",
            "invalid_choice": f"Choose how long guests can join for, up to {GUEST_LINK_MAX_HOURS} hours.",
        },
    )


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Board code",
        help_text="The 8 letters and numbers on the facilitator's screen, for example K7MP2QXR.",
        max_length=20,
        error_messages={"required": "Enter the code on the facilitator's screen."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "class": "code-input"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()


class GuestNameForm(forms.Form):
    display_name = forms.CharField(
        label="Your name",
        help_text="What others on the board will see. You can add who you are, for example “Sam (parent carer)”.",
        max_length=80,
        error_messages={
            "required": "Enter the name others will see, for example “Sam (parent)”.",
            "max_length": too_long("Your name", 80),
        },
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "spellcheck": "false"}),
    )
