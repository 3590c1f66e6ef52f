"""Forms of the shared vision's pages. They check the shape of what was typed; the rules live in
actionplans.services, whose errors `add_domain_error` puts back beside the field they concern."""

from __future__ import annotations

from django import forms

from actionplans.models import COMMENT_MAX, NOTE_MAX, STATEMENT_MAX, VERSION_NOTE_MAX, EndorsementResponse
from frontend.forms import too_long

RESPONSE_HINTS = {
    EndorsementResponse.AGREE: "This is a vision you can work towards.",
    EndorsementResponse.RESERVATIONS: "You can work towards it, but something needs saying. Say what in your comment.",
    EndorsementResponse.DISAGREE: "It does not describe what you want for children here. Say why in your comment.",
}


class _HiddenFieldsAtTop(forms.Form):
    """A bad hidden value (one the person never typed) is reported at the top, not beside an invisible field."""

    stale_message = "This form is out of date. Reload the page and try again."

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            if field.widget.is_hidden and name in self.errors:
                self.errors.pop(name)
                self.add_error(None, self.stale_message)
        return data


class StatementForm(_HiddenFieldsAtTop):
    text = forms.CharField(
        label="Statement",
        max_length=STATEMENT_MAX,
        help_text="One aim the Collaborative shares, in a sentence or two, for example “Every child is known and "
        "welcomed in a school near home.”",
        error_messages={"required": "Write the statement.", "max_length": too_long("The statement", STATEMENT_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label="Notes for the drafters (optional)",
        required=False,
        max_length=NOTE_MAX,
        help_text="Not published: where the words came from, what is still to settle.",
        error_messages={"max_length": too_long("The notes", NOTE_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The revision the editor started from: a change made by someone else meanwhile is refused, not overwritten.
    revision = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class PublishForm(forms.Form):
    note = forms.CharField(
        label="What changed (optional)",
        required=False,
        max_length=VERSION_NOTE_MAX,
        help_text="A line for the version history, for example “Reworded after the March workshop”.",
        error_messages={"max_length": too_long("What changed", VERSION_NOTE_MAX)},
    )


class EndorsementForm(_HiddenFieldsAtTop):
    response = forms.ChoiceField(
        label="Do you endorse this vision?",
        choices=EndorsementResponse.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose agree, agree with reservations or disagree.",
            "invalid_choice": "Choose agree, agree with reservations or disagree.",
        },
    )
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=COMMENT_MAX,
        help_text="Others in the Collaborative can read it, with your name.",
        error_messages={"max_length": too_long("The comment", COMMENT_MAX)},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # The version the person read: if a newer one is published meanwhile, their response is not moved onto it.
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.response_hints = {key.value: hint for key, hint in RESPONSE_HINTS.items()}
