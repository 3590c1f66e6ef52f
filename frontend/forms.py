"""Forms of the pages. They check the shape of what was typed; the rules live in collab.services, whose errors
`add_domain_error` puts back on the form next to the field they concern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest

from collab.client_address import client_address
from collab.errors import DomainError
from collab.limits import password_reset_may_send
from collab.models import Organisation, Role, Sector

EMAIL_FORMAT = "Enter an email address in the right format, like name@example.org."


def too_long(what: str, limit: int) -> str:
    return f"{what} must be {limit:,} characters or fewer (it has %(show_value)d)."


ROLE_HINTS = {
    Role.FACILITATOR: "Runs workshops and manages who is in the collaborative.",
    Role.ANCHOR: "Leads the work locally and can invite people.",
    Role.MEMBER: "Takes part: writes on boards, joins sub-groups, reads everything.",
    Role.OBSERVER: "Can read everything but not contribute.",
}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's complaint on the form: beside the fields it names, otherwise at the top."""
    if not error.fields:
        form.add_error(None, error.message)
        return
    for name, messages in error.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the email address as the username and plainer words."""

    username = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": "Enter your email address.", "invalid": EMAIL_FORMAT},
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": (
            "The email address or password is not right. Check them and try again, or reset your password."
        ),
        "inactive": "This account has been switched off. Ask your facilitator if you need it back.",
    }


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The address you sign in with. We will email you a link to choose a new password.",
        error_messages={"required": "Enter the email address you sign in with.", "invalid": EMAIL_FORMAT},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def save(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        """Sends the link unless the hourly limits are reached; the page says the same either way."""
        email = self.cleaned_data["email"]
        if password_reset_may_send(email=email, client=client_address(request) if request is not None else None):
            super().save(*args, request=request, **kwargs)


class ChoosePasswordForm(SetPasswordForm):
    error_messages = {"password_mismatch": "The two passwords are different. Type the same password twice."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = "At least 10 characters. A few unrelated words make a good one."
        self.fields["new_password1"].error_messages["required"] = "Choose a new password."
        self.fields["new_password2"].label = "Type the new password again"
        self.fields["new_password2"].error_messages["required"] = "Type the new password again."


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Your name",
        max_length=150,
        error_messages={"required": "Enter the name others should see.", "max_length": too_long("Your name", 150)},
        help_text="How others in your collaboratives see you, for example “Sam Patel”.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class NewAccountForm(forms.Form):
    """Accepting an invitation without an account: the account is created by the service."""

    display_name = forms.CharField(
        label="Your name",
        max_length=150,
        error_messages={"required": "Enter the name others should see.", "max_length": too_long("Your name", 150)},
        help_text="How others in the collaborative will see you, for example “Sam Patel”.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        error_messages={"required": "Choose a password."},
        help_text="At least 10 characters. A few unrelated words make a good one.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Type the password again",
        strip=False,
        error_messages={"required": "Type the password again, to be sure it is the one you meant."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords are different. Type the same password twice.")
        return data


def _role_choices(roles: list[Role]) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in roles]


def _organisation_choices(organisations: list[Organisation]) -> list[tuple[str, str]]:
    return [("", "Not listed, or none")] + [(str(o.pk), o.name) for o in organisations]


SECTOR_CHOICES = list(Sector.choices)


class _MembershipFields(forms.Form):
    """Role, organisation, sector and job title: shared by the invitation and the change-details forms.

    The choices are limited to what the person may grant and the organisations of this collaborative; the service
    checks both again.
    """

    role = forms.ChoiceField(
        label="Role",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a role.", "invalid_choice": "Choose one of the roles listed."},
    )
    organisation = forms.TypedChoiceField(
        label="Organisation",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose an organisation from the list."},
    )
    sector = forms.ChoiceField(
        label="Sector",
        error_messages={
            "required": "Choose the sector they represent.",
            "invalid_choice": "Choose a sector from the list.",
        },
    )
    job_title = forms.CharField(
        label="Job title",
        required=False,
        max_length=150,
        error_messages={"max_length": too_long("The job title", 150)},
        help_text="Optional. For example “SENCo” or “Head of Year 7”.",
    )

    def __init__(self, *args, roles: list[Role], organisations: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {o.pk: o for o in organisations}
        self.fields["role"].choices = _role_choices(roles)
        self.role_hints = {role.value: ROLE_HINTS.get(role, "") for role in roles}
        self.fields["organisation"].choices = _organisation_choices(organisations)
        self.fields["sector"].choices = SECTOR_CHOICES

    def clean_organisation(self) -> Organisation | None:
        pk = self.cleaned_data.get("organisation")
        return self.organisations.get(pk) if pk is not None else None


class InvitationForm(_MembershipFields):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter the email address to send the invitation to.",
            "invalid": EMAIL_FORMAT,
            "max_length": too_long("The email address", 254),
        },
        help_text="The invitation is sent here, and only this address can accept it.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    message = forms.CharField(
        label="Message",
        required=False,
        max_length=2000,
        error_messages={"max_length": too_long("The message", 2000)},
        help_text="Optional. Added to the invitation email, for example why you are inviting them.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    field_order = ["email", "role", "organisation", "sector", "job_title", "message"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].required = False
        self.fields["sector"].choices = [("", "The same as their organisation's")] + SECTOR_CHOICES
        self.fields["sector"].help_text = "The sector they represent. Needed if their organisation is not listed."
        self.fields["organisation"].help_text = "Their school, service or body, if it is listed."
        if not self.is_bound:
            self.initial.setdefault("role", Role.MEMBER.value)


class MembershipForm(_MembershipFields):
    """Change a current member's role, organisation, sector or job title."""
