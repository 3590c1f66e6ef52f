"""Forms of the sub-group pages. They check the shape of what was typed; the rules live in subgroups.services, whose
errors `add_domain_error` puts back beside the field they concern."""

from __future__ import annotations

from typing import Any

from django import forms

from collab.models import Membership, Organisation, User, Workshop
from frontend.forms import too_long
from subgroups.models import (
    LONG_TEXT,
    NAME_MAX,
    ConcernState,
    Mandate,
    MandateSetting,
    Milestone,
    MilestoneState,
    ProgressUpdate,
    ReviewDecision,
    Status,
    SubGroup,
    SubGroupRole,
    SupportKind,
    SupportState,
)
from subgroups.services import PREVIOUS_LEAD_CHOICES

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_INVALID = "Enter a real date, for example 23/11/2026."

STATUS_HINTS = {
    Status.NOT_STARTED: "The work has not begun yet.",
    Status.ON_TRACK: "Going to plan.",
    Status.AT_RISK: "Could slip without help or a decision.",
    Status.BLOCKED: "Cannot move until something changes.",
    Status.COMPLETED: "The project has done what it set out to do.",
    Status.CHANGED_DIRECTION: "Doing something different from the plan. Say why below.",
}
MANDATE_HINTS = {
    Mandate.AGREED: "Say when and where below.",
    Mandate.SELF_APPOINTED: "They stepped forward; the group still needs to agree it.",
}


def _text(
    label: str, *, required: bool = True, limit: int = LONG_TEXT, rows: int = 3, **kwargs: Any
) -> forms.CharField:
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


def _date(label: str, *, required: bool = False, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_INVALID, "required": kwargs.pop("required_message", "Enter a date.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class _PickFromList(forms.TypedChoiceField):
    """A choice of rows given to the form (people, organisations, milestones…), cleaned to the row itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


def _person_choices(memberships: list[Membership], empty: str | None = None) -> list[tuple[str, str]]:
    choices = [("", empty)] if empty is not None else []
    for m in memberships:
        where = m.organisation.name if m.organisation else m.get_sector_display()
        choices.append((str(m.user_id), f"{m.user} ({where})"))
    return choices


class _MandateFields(forms.Form):
    mandate = forms.ChoiceField(
        label="Has the group agreed who leads?",
        choices=Mandate.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose whether the group agreed who leads."},
    )
    mandate_agreed_on = _date("When did the group agree it?")
    mandate_setting = forms.ChoiceField(
        label="Where was it agreed?",
        choices=[("", "Choose where")] + list(MandateSetting.choices),
        required=False,
        error_messages={"invalid_choice": "Choose where it was agreed from the list."},
    )
    mandate_workshop = _PickFromList(
        label="Which workshop?",
        required=False,
        help_text="Optional, if it was agreed at one of the collaborative's workshops.",
        error_messages={"invalid_choice": "Choose a workshop from the list."},
    )
    mandate_note = forms.CharField(
        label="Anything to add about where",
        required=False,
        max_length=300,
        help_text="Optional. For example “Sub-group meeting at the Learning Centre”.",
        error_messages={"max_length": too_long("The note", 300)},
    )

    def __init__(self, *args: Any, workshops: list[Workshop] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workshops = {w.pk: w for w in workshops}
        self.fields["mandate_workshop"].choices = [("", "None of these")] + [(str(w.pk), str(w)) for w in workshops]
        self.mandate_hints = {k.value: v for k, v in MANDATE_HINTS.items()}
        if not self.is_bound:
            self.initial.setdefault("mandate", Mandate.SELF_APPOINTED.value)

    def clean_mandate_workshop(self) -> Workshop | None:
        pk = self.cleaned_data.get("mandate_workshop")
        return self.workshops.get(pk) if pk is not None else None

    def mandate_data(self, prefix: str = "") -> dict[str, Any]:
        data = self.cleaned_data
        return {
            f"{prefix}mandate": data.get("mandate") or "",
            f"{prefix}mandate_agreed_on": data.get("mandate_agreed_on"),
            f"{prefix}mandate_setting": data.get("mandate_setting") or "",
            f"{prefix}mandate_note": data.get("mandate_note") or "",
            f"{prefix}mandate_workshop": data.get("mandate_workshop"),
        }


class SubGroupForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX,
        help_text="What people call the workstream, for example “Transitions pilot”.",
        error_messages={"required": "Give the sub-group a name.", "max_length": too_long("The name", NAME_MAX)},
    )
    aims = _text("Aims", required=False, rows=4, help_text="What it sets out to change, in a sentence or two.")
    delivers = _text(
        "Action-plan items it delivers",
        required=False,
        rows=2,
        help_text="Which items of the action plan this sub-group delivers.",
    )
    partners = forms.TypedMultipleChoiceField(
        label="Partner organisations",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional. The schools, services and bodies taking part.",
        error_messages={"invalid_choice": "Choose partner organisations from the list."},
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {o.pk: o for o in organisations}
        self.fields["partners"].choices = [(str(o.pk), f"{o.name} ({o.get_sector_display()})") for o in organisations]

    def clean_partners(self) -> list[Organisation]:
        return [self.organisations[pk] for pk in self.cleaned_data.get("partners") or [] if pk in self.organisations]


class SubGroupCreateForm(SubGroupForm, _MandateFields):
    lead = _PickFromList(
        label="Lead",
        required=False,
        help_text="Optional. A current member of the collaborative; you can add one later.",
        error_messages={"invalid_choice": "Choose the lead from the list of members."},
    )

    field_order = ["name", "aims", "delivers", "lead", "mandate", "mandate_agreed_on", "mandate_setting"]

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {m.user_id: m.user for m in members}
        self.fields["lead"].choices = _person_choices(members, "No lead yet")

    def clean_lead(self) -> User | None:
        pk = self.cleaned_data.get("lead")
        return self.people.get(pk) if pk is not None else None


class SubGroupEditForm(SubGroupForm):
    update_every_days = forms.TypedChoiceField(
        label="How often does it post a progress update?",
        coerce=int,
        required=False,  # left out: unchanged
        empty_value=None,
        choices=[
            (7, "Every week"),
            (14, "Every two weeks"),
            (21, "Every three weeks"),
            (28, "Every four weeks"),
            (42, "Every six weeks"),
            (56, "Every eight weeks"),
            (91, "Every thirteen weeks"),
        ],
        help_text="Its leads get a reminder when the next is due; the facilitators are told when it is two weeks late.",
        error_messages={"invalid_choice": "Choose how often from the list."},
    )
    closed_on = _date(
        "Closed on", help_text="Only when the sub-group has finished its work. Its history stays available."
    )


class UpdateForm(forms.Form):
    """The progress update: one column, plain questions, most of it filled in from last time."""

    status = forms.ChoiceField(
        label="How is it going?",
        choices=Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it is going.", "invalid_choice": "Choose a status from the list."},
    )
    direction_reason = _text(
        "Why did the direction change?",
        required=False,
        help_text="Needed if you chose “Changed direction”.",
    )
    done = _text("What was done?", required_message="Say what was done since the last update.")
    next_steps = _text("What is next?", required_message="Say what is next.")
    blockers = _text("Anything blocking the work?", required=False, rows=2, help_text="Optional.")
    support_needed = _text(
        "Support you need", required=False, rows=2, help_text="Optional. From the facilitators or anyone else."
    )
    children_voice = _text(
        "How were children's and families' views considered?",
        required=False,
        help_text="For example a parent carer forum review, pupils' comments, or a survey.",
    )
    children_voice_not_yet = forms.BooleanField(
        label="Not yet: their views were not considered in this period", required=False
    )
    confirm = forms.BooleanField(
        label="I have checked: it names no child, family member or anyone else, and holds no identifier",
        required=False,
    )
    milestones_completed = forms.TypedMultipleChoiceField(
        label="Milestones reached",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional. Ticked milestones are marked done.",
        error_messages={"invalid_choice": "Choose milestones of this sub-group."},
    )
    stage = forms.CharField(
        label="Stage",
        required=False,
        max_length=100,
        help_text="Optional. For example “Pilot in four schools”.",
        error_messages={"max_length": too_long("The stage", 100)},
    )
    percent_complete = forms.IntegerField(
        label="Per cent complete",
        required=False,
        min_value=0,
        max_value=100,
        help_text="Optional. A number from 0 to 100.",
        error_messages={
            "invalid": "Give the percentage as a whole number, like 40.",
            "min_value": "Give a percentage from 0 to 100.",
            "max_value": "Give a percentage from 0 to 100.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, milestones: list[Milestone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.milestones = {m.pk: m for m in milestones}
        self.fields["milestones_completed"].choices = [
            (str(m.pk), f"{m.title} (due {m.due_on.day} {m.due_on:%B %Y})") for m in milestones
        ]
        self.status_hints = {k.value: v for k, v in STATUS_HINTS.items()}

    def clean_milestones_completed(self) -> list[Milestone]:
        return [self.milestones[pk] for pk in self.cleaned_data.get("milestones_completed") or []]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("status") == Status.CHANGED_DIRECTION and not (data.get("direction_reason") or "").strip():
            self.add_error(
                "direction_reason", "Say why the direction changed: others need to know what is different now, and why."
            )
        voice = (data.get("children_voice") or "").strip()
        if not voice and not data.get("children_voice_not_yet"):
            self.add_error(
                "children_voice",
                "Say how children's and families' views were considered, or tick “Not yet” if they were not.",
            )
        elif voice and data.get("children_voice_not_yet"):
            self.add_error(
                "children_voice", "Either say how their views were considered, or tick “Not yet” — not both."
            )
        return data

    @staticmethod
    def initial_from(previous: ProgressUpdate | None, draft: dict[str, Any] | None) -> dict[str, Any]:
        """A saved draft wins; otherwise start from the previous update (what was planned then is likely what was
        done now)."""
        if draft:
            return dict(draft)
        if previous is None:
            return {"status": Status.NOT_STARTED.value}
        return {
            "status": previous.status if previous.status != Status.CHANGED_DIRECTION else Status.ON_TRACK.value,
            "done": previous.next_steps,
            "next_steps": previous.next_steps,
            "blockers": previous.blockers,
            "support_needed": previous.support_needed,
            "children_voice": previous.children_voice,
            "children_voice_not_yet": previous.children_voice_not_yet,
            "stage": previous.stage,
            "percent_complete": previous.percent_complete,
        }


class AddPersonForm(_MandateFields):
    user = _PickFromList(
        label="Person",
        error_messages={"required": "Choose who to add.", "invalid_choice": "Choose someone from the list of members."},
    )
    role = forms.ChoiceField(
        label="Role in the sub-group",
        choices=SubGroupRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their role.", "invalid_choice": "Choose lead, co-lead or member."},
    )

    field_order = ["user", "role", "mandate", "mandate_agreed_on", "mandate_setting"]

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {m.user_id: m.user for m in members}
        self.fields["user"].choices = _person_choices(members, "Choose a member")
        self.fields["mandate"].help_text = "Only for a lead or co-lead."

    def clean_user(self) -> User | None:
        return self.people.get(self.cleaned_data.get("user"))
        if not self.is_bound:
            self.initial.setdefault("role", SubGroupRole.MEMBER.value)


class ChangePartForm(_MandateFields):
    role = forms.ChoiceField(
        label="Role in the sub-group",
        choices=[c for c in SubGroupRole.choices if c[0] != SubGroupRole.LEAD],
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose co-lead or member. To change the lead, hand the lead over."},
    )

    field_order = ["role", "mandate", "mandate_agreed_on", "mandate_setting"]


class HandoverForm(_MandateFields):
    to_user = _PickFromList(
        label="New lead",
        error_messages={
            "required": "Choose who takes over as lead.",
            "invalid_choice": "Choose the new lead from the list of members.",
        },
    )
    previous_lead = forms.ChoiceField(
        label="What happens to the current lead?",
        choices=PREVIOUS_LEAD_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happens to the current lead."},
    )

    field_order = ["to_user", "previous_lead", "mandate", "mandate_agreed_on", "mandate_setting"]

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {m.user_id: m.user for m in members}
        self.fields["to_user"].choices = _person_choices(members, "Choose a member")

    def clean_to_user(self) -> User | None:
        return self.people.get(self.cleaned_data.get("to_user"))
        if not self.is_bound:
            self.initial.setdefault("previous_lead", "member")


class MilestoneForm(forms.Form):
    title = forms.CharField(
        label="Milestone",
        max_length=NAME_MAX,
        help_text="Something others can see has happened, for example “First clinic held”.",
        error_messages={"required": "Say what the milestone is.", "max_length": too_long("The milestone", NAME_MAX)},
    )
    due_on = _date("Due on", required=True, required_message="Give the date it is due.")
    state = forms.ChoiceField(
        label="State",
        choices=MilestoneState.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose its state.", "invalid_choice": "Choose a state from the list."},
    )
    description = _text("More detail", required=False, rows=2, help_text="Optional.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("state", MilestoneState.PLANNED.value)


class CommentForm(forms.Form):
    body = _text("Comment", rows=2, required_message="Write a comment.")


class SupportRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of support",
        choices=SupportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of support.", "invalid_choice": "Choose from the list."},
    )
    description = _text("What would help?", required_message="Say what support would help.")


class SupportRecordForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of support",
        choices=SupportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of support.", "invalid_choice": "Choose from the list."},
    )
    description = _text("What support was given?", required_message="Say what support was given.")
    given_on = _date("Given on", help_text="Leave empty for today.")
    notes = _text("Notes", required=False, rows=2, help_text="Optional. What came of it.")


class SupportChangeForm(forms.Form):
    state = forms.ChoiceField(
        label="Where has it got to?",
        choices=SupportState.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where it has got to.", "invalid_choice": "Choose from the list."},
    )
    notes = _text("Notes", required=False, rows=3, help_text="What happened, or why it is not being taken forward.")


class LinkForm(forms.Form):
    to_subgroup = _PickFromList(
        label="Link with",
        error_messages={"required": "Choose a sub-group to link with.", "invalid_choice": "Choose from the list."},
    )
    note = forms.CharField(
        label="How they are linked",
        required=False,
        max_length=300,
        help_text="Optional. For example “Both use the same early-identification checklist”.",
        error_messages={"max_length": too_long("The note", 300)},
    )

    def __init__(self, *args: Any, targets: list[SubGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {s.pk: s for s in targets}
        self.fields["to_subgroup"].choices = [("", "Choose a sub-group")] + [
            (str(s.pk), f"{s.name} ({s.collaborative.locality})") for s in targets
        ]

    def clean_to_subgroup(self) -> SubGroup | None:
        pk = self.cleaned_data.get("to_subgroup")
        return self.targets.get(pk) if pk is not None else None


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the decision.", "invalid_choice": "Choose a decision from the list."},
    )
    reasons = _text("Reasons", rows=4, required_message="Give the reasons for the decision.")
    forward_plan = _text("Forward plan", rows=5, required_message="Write the forward plan.")
    reviewed_on = _date("Reviewed on", help_text="Leave empty for today.")


class ConcernForm(forms.Form):
    subject = forms.CharField(
        label="What is it about?",
        max_length=NAME_MAX,
        help_text="A short title.",
        error_messages={"required": "Give the concern a short title.", "max_length": too_long("The title", NAME_MAX)},
    )
    details = _text("Tell us more", rows=6, required_message="Say what the concern is.")


class ConcernNoteForm(forms.Form):
    body = _text("Message", rows=3, required_message="Write a message.")


class ConcernStateForm(forms.Form):
    state = forms.ChoiceField(
        label="Where has it got to?",
        choices=ConcernState.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where it has got to.", "invalid_choice": "Choose from the list."},
    )
    resolution = _text(
        "How was it resolved?",
        required=False,
        rows=3,
        help_text="Needed when you mark it resolved. The person who raised it sees this.",
    )
