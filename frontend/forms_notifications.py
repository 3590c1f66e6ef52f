"""Forms of the notification pages: a person's preferences."""

from __future__ import annotations

from django import forms

from collab.models import DIGEST_KINDS, DigestFrequency, NotificationKind

MUTABLE_KINDS = [(kind.value, kind.label) for kind in NotificationKind if kind not in DIGEST_KINDS]


class PreferenceForm(forms.Form):
    digest_frequency = forms.ChoiceField(
        label="How often do you want the digest of what the sub-groups are doing?",
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        help_text="Digests go out on Monday mornings (UK time).",
    )
    email = forms.BooleanField(label="By email", required=False)
    in_app = forms.BooleanField(label="In the notification centre of the workspace", required=False)
    email_muted_kinds = forms.MultipleChoiceField(
        label="Reminders you do not want by email",
        choices=MUTABLE_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="They still appear in your notification centre.",
    )
