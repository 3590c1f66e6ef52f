"""Every write of sub-groups. Each service checks the access policy (`collab.access`), validates, saves in one
transaction and records the change in the audit trail.

Who may do what:
- facilitators and the programme team start sub-groups (the collaborative's structure);
- a sub-group's leads and co-leads change their own sub-group: details, people, milestones, updates, support requests,
  links — and so may facilitators and the programme team (`require_leader`);
- anyone who can contribute in the collaborative comments on updates and raises concerns;
- facilitators and the programme team record support given, answer requests and record the year-2 review;
- a concern is seen and answered only by the person who raised it and the programme team.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from collab.access import Action, can, require, require_any, require_confidential, require_leader
from collab.audit import audit_record, changes_between, snapshot
from collab.errors import Conflict, DomainError, Forbidden
from collab.identifiers import require_confirmed
from collab.models import Collaborative, Membership, Organisation, Role, User, Workshop
from subgroups.models import (
    LEAD_ROLES,
    LONG_TEXT,
    NAME_MAX,
    Concern,
    ConcernNote,
    ConcernState,
    Mandate,
    MandateSetting,
    Milestone,
    MilestoneState,
    ProgressUpdate,
    Review,
    ReviewDecision,
    Status,
    SubGroup,
    SubGroupLink,
    SubGroupMember,
    SubGroupRole,
    SupportEntry,
    SupportKind,
    SupportState,
    UpdateComment,
    UpdateDraft,
)
from subgroups.selectors import lead_ids

# What the update form keeps in a draft.
DRAFT_FIELDS = (
    "status",
    "done",
    "next_steps",
    "blockers",
    "support_needed",
    "direction_reason",
    "stage",
    "percent_complete",
    "children_voice",
    "children_voice_not_yet",
    "milestones_completed",
)


# --- Sub-groups --------------------------------------------------------------------------------------------------


@transaction.atomic
def subgroup_create(
    *,
    actor: User,
    collaborative: Collaborative,
    name: str,
    aims: str = "",
    delivers: str = "",
    partners: Iterable[Organisation] = (),
    lead: User | None = None,
    lead_mandate: str = "",
    lead_mandate_agreed_on: date | None = None,
    lead_mandate_setting: str = "",
    lead_mandate_note: str = "",
    lead_mandate_workshop: Workshop | None = None,
) -> SubGroup:
    """Start a sub-group, optionally with its lead (self-appointed unless the group's agreement is recorded)."""
    require(actor, Action.EDIT_COLLABORATIVE, collaborative, what="start sub-groups")
    name = _required_text(name, "name", "Give the sub-group a name.", NAME_MAX)
    partners = list(partners)
    for organisation in partners:
        _check_organisation_belongs(organisation, collaborative)
    mandate = {}
    if lead is not None:
        _check_person(collaborative, lead, SubGroupRole.LEAD, field="lead")
        mandate = _mandate(
            collaborative,
            SubGroupRole.LEAD,
            mandate=lead_mandate,
            agreed_on=lead_mandate_agreed_on,
            setting=lead_mandate_setting,
            note=lead_mandate_note,
            workshop=lead_mandate_workshop,
            field_prefix="lead_",
        )
        if mandate.get("mandate") == Mandate.AGREED:
            mandate["mandate_recorded_by"] = actor
    subgroup = SubGroup(
        collaborative=collaborative,
        name=name,
        aims=aims.strip(),
        delivers=delivers.strip(),
        created_by=actor,
    )
    _save_unique_name(subgroup)
    subgroup.partners.set(partners)
    changes = changes_between({}, snapshot(subgroup, ["name", "aims", "delivers"]))
    if partners:
        changes["partners"] = [[], sorted(o.pk for o in partners)]
    if lead is not None:
        part = SubGroupMember.objects.create(
            subgroup=subgroup, user=lead, role=SubGroupRole.LEAD, added_by=actor, **mandate
        )
        changes["lead"] = [None, lead.pk]
        changes["mandate"] = [None, part.mandate]
    audit_record(actor=actor, action="subgroup.create", target=subgroup, collaborative=collaborative, changes=changes)
    return subgroup


SUBGROUP_EDITABLE = ["name", "aims", "delivers", "partners", "closed_on", "update_every_days"]
UPDATE_EVERY_DAYS = (7, 91)  # how often a progress update is due: from weekly to every thirteen weeks


@transaction.atomic
def subgroup_update(*, actor: User, subgroup: SubGroup, **fields: Any) -> SubGroup:
    subgroup = _lock(subgroup)
    collaborative = subgroup.collaborative
    _require_lead(actor, subgroup, what="change this sub-group")
    _reject_unknown(fields, SUBGROUP_EDITABLE)
    partners = fields.pop("partners", None)
    if "name" in fields:
        fields["name"] = _required_text(fields["name"], "name", "Give the sub-group a name.", NAME_MAX)
    for name in ("aims", "delivers"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if "update_every_days" in fields:
        every = fields["update_every_days"]
        if not isinstance(every, int) or not UPDATE_EVERY_DAYS[0] <= every <= UPDATE_EVERY_DAYS[1]:
            raise DomainError.for_field(
                "update_every_days", "Choose how often it posts an update: between every week and every 13 weeks."
            )
    closed_on = fields.get("closed_on")
    if closed_on is not None and closed_on > timezone.localdate():
        raise DomainError.for_field("closed_on", "The closing date cannot be in the future.")
    before = snapshot(subgroup, list(fields))
    for name, value in fields.items():
        setattr(subgroup, name, value)
    _save_unique_name(subgroup)
    changes = changes_between(before, snapshot(subgroup, list(fields)))
    if partners is not None:
        partners = list(partners)
        for organisation in partners:
            _check_organisation_belongs(organisation, collaborative)
        old = sorted(subgroup.partners.values_list("pk", flat=True))
        new = sorted(o.pk for o in partners)
        if old != new:
            subgroup.partners.set(partners)
            changes["partners"] = [old, new]
    audit_record(actor=actor, action="subgroup.update", target=subgroup, collaborative=collaborative, changes=changes)
    return subgroup


# --- People, leads and their mandate -----------------------------------------------------------------------------


@transaction.atomic
def subgroup_member_add(
    *,
    actor: User,
    subgroup: SubGroup,
    user: User,
    role: str = SubGroupRole.MEMBER,
    mandate: str = "",
    mandate_agreed_on: date | None = None,
    mandate_setting: str = "",
    mandate_note: str = "",
    mandate_workshop: Workshop | None = None,
) -> SubGroupMember:
    """Add a person to a sub-group with a role. A sub-group has one lead; hand over to change who it is."""
    subgroup = _lock(subgroup)
    collaborative = subgroup.collaborative
    _require_lead(actor, subgroup, what="change who is in this sub-group")
    role = _check_role(role)
    _check_person(collaborative, user, role, field="user")
    current = SubGroupMember.objects.active().filter(subgroup=subgroup, user=user).first()
    if current is not None:
        raise DomainError.for_field(
            "user",
            f"{user} is already in this sub-group as {current.get_role_display().lower()}; change their role instead.",
        )
    if role == SubGroupRole.LEAD:
        lead = _current_lead(subgroup)
        if lead is not None:
            raise DomainError.for_field(
                "role", f"{lead.user} already leads this sub-group. Hand the lead over instead, or add a co-lead."
            )
    fields = _mandate(
        collaborative,
        role,
        mandate=mandate,
        agreed_on=mandate_agreed_on,
        setting=mandate_setting,
        note=mandate_note,
        workshop=mandate_workshop,
    )
    if fields.get("mandate") == Mandate.AGREED:
        fields["mandate_recorded_by"] = actor
    part = SubGroupMember.objects.create(subgroup=subgroup, user=user, role=role, added_by=actor, **fields)
    audit_record(
        actor=actor,
        action="subgroup_member.add",
        target=part,
        collaborative=collaborative,
        changes=changes_between({}, snapshot(part, ["user", "role", "mandate", "mandate_agreed_on"])),
    )
    return part


MANDATE_FIELDS = ["mandate", "mandate_agreed_on", "mandate_setting", "mandate_note", "mandate_workshop"]


@transaction.atomic
def subgroup_member_change(*, actor: User, part: SubGroupMember, **fields: Any) -> SubGroupMember:
    """Change a person's role in a sub-group, or record the mandate of a lead or co-lead.

    A new role closes this row and opens another (the history of who led when is kept); the row returned is the
    current one. Making someone the lead is a handover: use `subgroup_lead_handover`.
    """
    subgroup = _lock(part.subgroup)
    part = SubGroupMember.objects.select_for_update(of=("self",)).select_related("user").get(pk=part.pk)
    collaborative = subgroup.collaborative
    _require_lead(actor, subgroup, what="change who is in this sub-group")
    _reject_unknown(fields, ["role", *MANDATE_FIELDS])
    if not part.is_active:
        raise Conflict(f"{part.user} is no longer in {subgroup.name}; their past part cannot be changed.")
    role = _check_role(fields.pop("role", part.role))
    if role == SubGroupRole.LEAD and part.role != SubGroupRole.LEAD:
        raise DomainError.for_field("role", "To make someone the lead, hand the lead over to them.")
    mandate_given = {name: fields[name] for name in MANDATE_FIELDS if name in fields}
    if role != part.role:
        _check_person(collaborative, part.user, role, field="role")
        today = timezone.localdate()
        part.ended_on = today
        part.save(update_fields=["ended_on"])
        new_mandate = _mandate(
            collaborative,
            role,
            mandate=mandate_given.get("mandate", ""),
            agreed_on=mandate_given.get("mandate_agreed_on"),
            setting=mandate_given.get("mandate_setting", ""),
            note=mandate_given.get("mandate_note", ""),
            workshop=mandate_given.get("mandate_workshop"),
        )
        if new_mandate.get("mandate") == Mandate.AGREED:
            new_mandate["mandate_recorded_by"] = actor
        new = SubGroupMember.objects.create(
            subgroup=subgroup, user=part.user, role=role, started_on=today, added_by=actor, **new_mandate
        )
        audit_record(
            actor=actor,
            action="subgroup_member.change_role",
            target=new,
            collaborative=collaborative,
            changes={"role": [part.role, role]},
        )
        return new
    if not mandate_given:
        return part
    if not part.is_lead:
        raise DomainError.for_field("mandate", "Only leads and co-leads have a mandate to record.")
    merged = {name: mandate_given.get(name, getattr(part, name)) for name in MANDATE_FIELDS}
    new_mandate = _mandate(
        collaborative,
        role,
        mandate=merged["mandate"],
        agreed_on=merged["mandate_agreed_on"],
        setting=merged["mandate_setting"],
        note=merged["mandate_note"],
        workshop=merged["mandate_workshop"],
    )
    before = snapshot(part, MANDATE_FIELDS)
    for name, value in new_mandate.items():
        setattr(part, name, value)
    changes = changes_between(before, snapshot(part, MANDATE_FIELDS))
    if not changes:
        return part
    part.mandate_recorded_by = actor
    part.save()
    audit_record(
        actor=actor, action="subgroup_member.mandate", target=part, collaborative=collaborative, changes=changes
    )
    return part


@transaction.atomic
def subgroup_member_end(*, actor: User, part: SubGroupMember) -> SubGroupMember:
    """Someone stops taking part in a sub-group. The row stays, closed, so the history is kept. People may leave a
    sub-group themselves."""
    subgroup = _lock(part.subgroup)
    part = SubGroupMember.objects.select_for_update(of=("self",)).select_related("user").get(pk=part.pk)
    collaborative = subgroup.collaborative
    if part.user_id == actor.pk:
        require(actor, Action.VIEW, collaborative)
    else:
        _require_lead(actor, subgroup, what="change who is in this sub-group")
    if not part.is_active:
        raise Conflict(f"{part.user} has already left {subgroup.name}.")
    part.ended_on = timezone.localdate()
    part.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        action="subgroup_member.end",
        target=part,
        collaborative=collaborative,
        changes={"ended_on": [None, part.ended_on.isoformat()]},
    )
    return part


PREVIOUS_LEAD_CHOICES = [
    ("member", "Stays in the sub-group as a member"),
    ("co_lead", "Stays on as co-lead"),
    ("leaves", "Leaves the sub-group"),
]


@transaction.atomic
def subgroup_lead_handover(
    *,
    actor: User,
    subgroup: SubGroup,
    to_user: User,
    previous_lead: str = "member",
    mandate: str = "",
    mandate_agreed_on: date | None = None,
    mandate_setting: str = "",
    mandate_note: str = "",
    mandate_workshop: Workshop | None = None,
) -> SubGroupMember:
    """Hand the lead role to someone (or appoint the first lead). The previous lead's row is closed, not changed."""
    subgroup = _lock(subgroup)
    collaborative = subgroup.collaborative
    _require_lead(actor, subgroup, what="hand over the lead of this sub-group")
    if previous_lead not in dict(PREVIOUS_LEAD_CHOICES):
        raise DomainError.for_field("previous_lead", "Choose what happens to the current lead.")
    _check_person(collaborative, to_user, SubGroupRole.LEAD, field="to_user")
    lead = _current_lead(subgroup)
    if lead is not None and lead.user_id == to_user.pk:
        raise DomainError.for_field("to_user", f"{to_user} already leads this sub-group.")
    fields = _mandate(
        collaborative,
        SubGroupRole.LEAD,
        mandate=mandate,
        agreed_on=mandate_agreed_on,
        setting=mandate_setting,
        note=mandate_note,
        workshop=mandate_workshop,
    )
    if fields.get("mandate") == Mandate.AGREED:
        fields["mandate_recorded_by"] = actor
    today = timezone.localdate()
    SubGroupMember.objects.active().filter(subgroup=subgroup, user=to_user).update(ended_on=today)
    if lead is not None:
        lead.ended_on = today
        lead.save(update_fields=["ended_on"])
        if previous_lead != "leaves":
            SubGroupMember.objects.create(
                subgroup=subgroup, user_id=lead.user_id, role=previous_lead, started_on=today, added_by=actor
            )
    new = SubGroupMember.objects.create(
        subgroup=subgroup, user=to_user, role=SubGroupRole.LEAD, started_on=today, added_by=actor, **fields
    )
    audit_record(
        actor=actor,
        action="subgroup.handover",
        target=subgroup,
        collaborative=collaborative,
        changes={"lead": [lead.user_id if lead else None, to_user.pk], "mandate": [None, new.mandate]},
    )
    return new


# --- Milestones --------------------------------------------------------------------------------------------------

MILESTONE_EDITABLE = ["title", "description", "due_on", "state"]


@transaction.atomic
def milestone_create(
    *,
    actor: User,
    subgroup: SubGroup,
    title: str,
    due_on: date,
    description: str = "",
    state: str = MilestoneState.PLANNED,
) -> Milestone:
    subgroup = _lock(subgroup)
    _require_lead(actor, subgroup, what="add milestones")
    title = _required_text(title, "title", "Say what the milestone is.", NAME_MAX)
    state = _check_choice(state, MilestoneState, "state", "Choose a state from the list.")
    milestone = Milestone(
        subgroup=subgroup,
        title=title,
        description=description.strip(),
        due_on=due_on,
        state=state,
        completed_on=timezone.localdate() if state == MilestoneState.DONE else None,
        created_by=actor,
    )
    milestone.save()
    audit_record(
        actor=actor,
        action="milestone.create",
        target=milestone,
        collaborative=subgroup.collaborative,
        changes=changes_between({}, snapshot(milestone, ["title", "due_on", "state"])),
    )
    return milestone


@transaction.atomic
def milestone_update(*, actor: User, milestone: Milestone, **fields: Any) -> Milestone:
    subgroup = _lock(milestone.subgroup)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    _require_lead(actor, subgroup, what="change milestones")
    _reject_unknown(fields, MILESTONE_EDITABLE)
    if "title" in fields:
        fields["title"] = _required_text(fields["title"], "title", "Say what the milestone is.", NAME_MAX)
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    if "state" in fields:
        fields["state"] = _check_choice(fields["state"], MilestoneState, "state", "Choose a state from the list.")
        if fields["state"] == MilestoneState.DONE and milestone.state != MilestoneState.DONE:
            fields["completed_on"] = timezone.localdate()
        elif fields["state"] != MilestoneState.DONE:
            fields["completed_on"] = None
    before = snapshot(milestone, list(fields))
    for name, value in fields.items():
        setattr(milestone, name, value)
    milestone.save()
    audit_record(
        actor=actor,
        action="milestone.update",
        target=milestone,
        collaborative=subgroup.collaborative,
        changes=changes_between(before, snapshot(milestone, list(fields))),
    )
    return milestone


# --- Progress updates, comments and drafts -----------------------------------------------------------------------


@transaction.atomic
def update_post(
    *,
    actor: User,
    subgroup: SubGroup,
    status: str,
    done: str,
    next_steps: str,
    blockers: str = "",
    support_needed: str = "",
    direction_reason: str = "",
    stage: str = "",
    percent_complete: int | None = None,
    children_voice: str = "",
    children_voice_not_yet: bool = False,
    milestones_completed: Iterable[Milestone] = (),
    confirm: bool = False,
) -> ProgressUpdate:
    """Post a progress update. It becomes the sub-group's current status; milestones it names are marked done; the
    author's draft is discarded. Children's and families' voice that looks like it names someone or holds an
    identifier (`collab.identifiers`) is refused with a warning until `confirm` says it was checked."""
    subgroup = _lock(subgroup)
    collaborative = subgroup.collaborative
    _require_lead(actor, subgroup, what="post progress updates")
    if subgroup.closed_on is not None:
        raise Conflict(f"{subgroup.name} closed on {subgroup.closed_on:%d/%m/%Y}; it takes no more updates.")
    errors: dict[str, list[str]] = {}
    if status not in Status.values:
        errors["status"] = ["Choose a status from the list."]
    done = (done or "").strip()
    next_steps = (next_steps or "").strip()
    direction_reason = (direction_reason or "").strip()
    children_voice = (children_voice or "").strip()
    if not done:
        errors["done"] = ["Say what was done since the last update, even if it is “nothing yet”."]
    if not next_steps:
        errors["next_steps"] = ["Say what is next."]
    if status == Status.CHANGED_DIRECTION and not direction_reason:
        errors["direction_reason"] = [
            "Say why the direction changed: others need to know what is different now, and why."
        ]
    if percent_complete is not None and not 0 <= percent_complete <= 100:
        errors["percent_complete"] = ["Give a percentage from 0 to 100, or leave it empty."]
    if not children_voice and not children_voice_not_yet:
        errors["children_voice"] = [
            "Say how children's and families' views were considered, or tick “Not yet” if they were not."
        ]
    elif children_voice and children_voice_not_yet:
        errors["children_voice"] = ["Either say how their views were considered, or tick “Not yet” — not both."]
    milestones = list(milestones_completed)
    strangers = [m for m in milestones if m.subgroup_id != subgroup.pk]
    if strangers:
        errors["milestones_completed"] = [f"“{m.title}” is not a milestone of {subgroup.name}." for m in strangers]
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first if len(errors) == 1 else "Please correct the highlighted fields.", fields=errors)
    require_confirmed({"children_voice": children_voice}, confirmed=confirm)
    update = ProgressUpdate.objects.create(
        subgroup=subgroup,
        author=actor,
        status=status,
        done=done,
        next_steps=next_steps,
        blockers=(blockers or "").strip(),
        support_needed=(support_needed or "").strip(),
        direction_reason=direction_reason if status == Status.CHANGED_DIRECTION else "",
        stage=(stage or "").strip(),
        percent_complete=percent_complete,
        children_voice=children_voice,
        children_voice_not_yet=bool(children_voice_not_yet) and not children_voice,
    )
    today = timezone.localdate()
    reached = [m for m in milestones if m.is_open]
    if milestones:
        update.milestones_completed.set(milestones)
    if reached:
        Milestone.objects.filter(pk__in=[m.pk for m in reached]).update(state=MilestoneState.DONE, completed_on=today)
    previous = subgroup.status
    subgroup.current_update = update
    subgroup.save(update_fields=["current_update", "updated_at"])
    UpdateDraft.objects.filter(subgroup=subgroup, author=actor).delete()
    changes = {"status": [previous, status]}
    if reached:
        changes["milestones_completed"] = [[], sorted(m.pk for m in reached)]
    audit_record(
        actor=actor, action="progress_update.create", target=update, collaborative=collaborative, changes=changes
    )
    return update


@transaction.atomic
def comment_add(*, actor: User, update: ProgressUpdate, body: str) -> UpdateComment:
    collaborative = update.subgroup.collaborative
    require(actor, Action.CONTRIBUTE, collaborative, what="comment on updates")
    body = _required_text(body, "body", "Write a comment.", LONG_TEXT)
    comment = UpdateComment.objects.create(update=update, author=actor, body=body)
    audit_record(actor=actor, action="update_comment.create", target=comment, collaborative=collaborative)
    return comment


@transaction.atomic
def draft_save(*, actor: User, subgroup: SubGroup, data: dict[str, Any]) -> UpdateDraft:
    """Keep a half-written update for its author. A draft is private scratch, not a record: it is not audited, and
    posting the update (or discarding the draft) removes it."""
    _require_lead(actor, subgroup, what="post progress updates")
    kept: dict[str, Any] = {}
    for name in DRAFT_FIELDS:
        value = data.get(name)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            kept[name] = [str(v)[:20] for v in value[:50]]
        elif isinstance(value, bool):
            kept[name] = value
        else:
            kept[name] = str(value)[:LONG_TEXT]
    draft, _ = UpdateDraft.objects.update_or_create(
        subgroup=subgroup, author=actor, defaults={"data": kept, "saved_at": timezone.now()}
    )
    return draft


@transaction.atomic
def draft_discard(*, actor: User, subgroup: SubGroup) -> None:
    _require_lead(actor, subgroup, what="post progress updates")
    UpdateDraft.objects.filter(subgroup=subgroup, author=actor).delete()


# --- Support log -------------------------------------------------------------------------------------------------


@transaction.atomic
def support_request(*, actor: User, subgroup: SubGroup, kind: str, description: str) -> SupportEntry:
    """A lead asks the facilitators for support; it is tracked until done."""
    subgroup = _lock(subgroup)
    _require_lead(actor, subgroup, what="request support for this sub-group")
    kind = _check_choice(kind, SupportKind, "kind", "Choose the kind of support from the list.")
    description = _required_text(description, "description", "Say what support would help.", LONG_TEXT)
    entry = SupportEntry.objects.create(
        subgroup=subgroup,
        kind=kind,
        state=SupportState.REQUESTED,
        description=description,
        requested_by=actor,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="support.request",
        target=entry,
        collaborative=subgroup.collaborative,
        changes=changes_between({}, snapshot(entry, ["kind", "state"])),
    )
    return entry


@transaction.atomic
def support_record(
    *,
    actor: User,
    subgroup: SubGroup,
    kind: str,
    description: str,
    given_on: date | None = None,
    notes: str = "",
) -> SupportEntry:
    """A facilitator or advisor logs support they gave."""
    subgroup = _lock(subgroup)
    require(actor, Action.SUPPORT, subgroup.collaborative, what="record support given")
    kind = _check_choice(kind, SupportKind, "kind", "Choose the kind of support from the list.")
    description = _required_text(description, "description", "Say what support was given.", LONG_TEXT)
    given_on = given_on or timezone.localdate()
    if given_on > timezone.localdate():
        raise DomainError.for_field("given_on", "Support is logged once given: the date cannot be in the future.")
    entry = SupportEntry.objects.create(
        subgroup=subgroup,
        kind=kind,
        state=SupportState.DONE,
        description=description,
        given_by=actor,
        given_on=given_on,
        notes=notes.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="support.record",
        target=entry,
        collaborative=subgroup.collaborative,
        changes=changes_between({}, snapshot(entry, ["kind", "state", "given_on"])),
    )
    return entry


@transaction.atomic
def support_update(*, actor: User, entry: SupportEntry, **fields: Any) -> SupportEntry:
    """A facilitator moves a request on (in progress, done, not taken forward) and notes what happened."""
    entry = (
        SupportEntry.objects.select_for_update(of=("self",)).select_related("subgroup__collaborative").get(pk=entry.pk)
    )
    collaborative = entry.subgroup.collaborative
    require(actor, Action.SUPPORT, collaborative, what="answer support requests")
    _reject_unknown(fields, ["state", "notes", "given_on", "kind", "description"])
    if "state" in fields:
        fields["state"] = _check_choice(fields["state"], SupportState, "state", "Choose a state from the list.")
        if fields["state"] == SupportState.REQUESTED and not entry.is_request:
            raise DomainError.for_field("state", "Support that was given, not requested, cannot be “requested”.")
    if "kind" in fields:
        fields["kind"] = _check_choice(fields["kind"], SupportKind, "kind", "Choose the kind of support.")
    if "description" in fields:
        fields["description"] = _required_text(fields["description"], "description", "Say what support.", LONG_TEXT)
    if "notes" in fields:
        fields["notes"] = (fields["notes"] or "").strip()
    state = fields.get("state", entry.state)
    if state == SupportState.DECLINED and not fields.get("notes", entry.notes):
        raise DomainError.for_field("notes", "Say why it is not being taken forward, so the lead knows.")
    given_on = fields.get("given_on")
    if given_on is not None and given_on > timezone.localdate():
        raise DomainError.for_field("given_on", "The date support was given cannot be in the future.")
    if state == SupportState.DONE and entry.state != SupportState.DONE:
        fields.setdefault("given_on", given_on or timezone.localdate())
        fields["given_by"] = actor
    before = snapshot(entry, list(fields))
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save()
    audit_record(
        actor=actor,
        action="support.update",
        target=entry,
        collaborative=collaborative,
        changes=changes_between(before, snapshot(entry, list(fields))),
    )
    return entry


# --- Links between sub-groups ------------------------------------------------------------------------------------


@transaction.atomic
def link_create(*, actor: User, from_subgroup: SubGroup, to_subgroup: SubGroup, note: str = "") -> SubGroupLink:
    """Link a sub-group with another, here or in another locality. The other must be one the person can see: a lead
    links within their collaborative, the programme team across localities."""
    from_subgroup = _lock(from_subgroup)
    _require_lead(actor, from_subgroup, what="link this sub-group with others")
    if not can(actor, Action.VIEW, to_subgroup.collaborative):
        raise DomainError.for_field("to_subgroup", f"There is no sub-group with id {to_subgroup.pk} that you can see.")
    if to_subgroup.pk == from_subgroup.pk:
        raise DomainError.for_field("to_subgroup", "A sub-group cannot be linked with itself.")
    pair = [from_subgroup.pk, to_subgroup.pk]
    if SubGroupLink.objects.current().filter(from_subgroup_id__in=pair, to_subgroup_id__in=pair).exists():
        raise DomainError.for_field("to_subgroup", f"{from_subgroup.name} is already linked with {to_subgroup.name}.")
    link = SubGroupLink.objects.create(
        from_subgroup=from_subgroup, to_subgroup=to_subgroup, note=note.strip(), created_by=actor
    )
    audit_record(
        actor=actor,
        action="subgroup_link.create",
        target=link,
        collaborative=from_subgroup.collaborative,
        changes={"to_subgroup": [None, to_subgroup.pk]},
    )
    return link


@transaction.atomic
def link_remove(*, actor: User, link: SubGroupLink) -> SubGroupLink:
    """Remove a link (it is stamped as removed, not deleted). The leads of the sub-group it starts from may, as may
    facilitators of either end."""
    link = (
        SubGroupLink.objects.select_for_update(of=("self",))
        .select_related("from_subgroup__collaborative", "to_subgroup__collaborative")
        .get(pk=link.pk)
    )
    require_any(
        lambda: _require_lead(actor, link.from_subgroup, what="remove this link"),
        lambda: require(actor, Action.SUPPORT, link.to_subgroup.collaborative, what="remove this link"),
    )
    if link.removed_at is not None:
        raise Conflict("This link has already been removed.")
    link.removed_at, link.removed_by = timezone.now(), actor
    link.save(update_fields=["removed_at", "removed_by"])
    audit_record(
        actor=actor,
        action="subgroup_link.remove",
        target=link,
        collaborative=link.from_subgroup.collaborative,
        changes={"removed_at": [None, link.removed_at.isoformat()]},
    )
    return link


# --- The year-2 review -------------------------------------------------------------------------------------------


@transaction.atomic
def review_record(
    *,
    actor: User,
    subgroup: SubGroup,
    decision: str,
    reasons: str,
    forward_plan: str,
    reviewed_on: date | None = None,
) -> Review:
    subgroup = _lock(subgroup)
    require(actor, Action.SUPPORT, subgroup.collaborative, what="record reviews")
    fields = _review_fields(decision=decision, reasons=reasons, forward_plan=forward_plan, reviewed_on=reviewed_on)
    review = Review.objects.create(subgroup=subgroup, recorded_by=actor, **fields)
    audit_record(
        actor=actor,
        action="review.create",
        target=review,
        collaborative=subgroup.collaborative,
        changes=changes_between({}, snapshot(review, ["decision", "reviewed_on"])),
    )
    return review


@transaction.atomic
def review_update(*, actor: User, review: Review, **fields: Any) -> Review:
    review = Review.objects.select_for_update(of=("self",)).select_related("subgroup__collaborative").get(pk=review.pk)
    collaborative = review.subgroup.collaborative
    require(actor, Action.SUPPORT, collaborative, what="change reviews")
    _reject_unknown(fields, ["decision", "reasons", "forward_plan", "reviewed_on"])
    merged = {name: fields.get(name, getattr(review, name)) for name in ("decision", "reasons", "forward_plan")}
    checked = _review_fields(reviewed_on=fields.get("reviewed_on", review.reviewed_on), **merged)
    before = snapshot(review, list(checked))
    for name, value in checked.items():
        setattr(review, name, value)
    review.save()
    audit_record(
        actor=actor,
        action="review.update",
        target=review,
        collaborative=collaborative,
        changes=changes_between(before, snapshot(review, list(checked))),
    )
    return review


# --- Concerns ----------------------------------------------------------------------------------------------------
# Concerns are confidential. Their audit records carry the programme but no collaborative, so they never appear in
# a locality's audit trail, and say nothing of what the concern is about.


@transaction.atomic
def concern_raise(*, actor: User, collaborative: Collaborative, subject: str, details: str) -> Concern:
    require(actor, Action.CONTRIBUTE, collaborative, what="raise concerns")
    subject = _required_text(subject, "subject", "Give the concern a short title.", NAME_MAX)
    details = _required_text(details, "details", "Say what the concern is.", LONG_TEXT)
    concern = Concern.objects.create(
        programme_id=collaborative.programme_id,
        collaborative=collaborative,
        raised_by=actor,
        subject=subject,
        details=details,
    )
    audit_record(
        actor=actor,
        action="concern.raise",
        target=concern,
        programme=collaborative.programme,
        changes={"state": [None, concern.state]},
    )
    return concern


@transaction.atomic
def concern_add_note(*, actor: User, concern: Concern, body: str) -> ConcernNote:
    concern = Concern.objects.select_for_update(of=("self",)).select_related("programme").get(pk=concern.pk)
    require_confidential(actor, concern.programme, concern.raised_by_id)
    body = _required_text(body, "body", "Write a message.", LONG_TEXT)
    note = ConcernNote.objects.create(concern=concern, author=actor, body=body)
    concern.save(update_fields=["updated_at"])
    audit_record(actor=actor, action="concern.note", target=concern, programme=concern.programme)
    return note


@transaction.atomic
def concern_update(*, actor: User, concern: Concern, **fields: Any) -> Concern:
    """The programme team moves a concern on, and records how it was resolved."""
    concern = Concern.objects.select_for_update(of=("self",)).select_related("programme").get(pk=concern.pk)
    if require_confidential(actor, concern.programme, concern.raised_by_id) != "programme_team":
        raise Forbidden("Only the programme team can change where a concern has got to.")
    _reject_unknown(fields, ["state", "resolution"])
    if "state" in fields:
        fields["state"] = _check_choice(fields["state"], ConcernState, "state", "Choose a state from the list.")
    if "resolution" in fields:
        fields["resolution"] = (fields["resolution"] or "").strip()
    state = fields.get("state", concern.state)
    if state == ConcernState.RESOLVED and not fields.get("resolution", concern.resolution):
        raise DomainError.for_field("resolution", "Say how the concern was resolved, for the person who raised it.")
    if state == ConcernState.RESOLVED and concern.state != ConcernState.RESOLVED:
        fields["resolved_at"], fields["resolved_by"] = timezone.now(), actor
    elif state != ConcernState.RESOLVED:
        fields["resolved_at"], fields["resolved_by"] = None, None
    before = snapshot(concern, ["state"])
    for name, value in fields.items():
        setattr(concern, name, value)
    concern.save()
    audit_record(
        actor=actor,
        action="concern.update",
        target=concern,
        programme=concern.programme,
        changes=changes_between(before, snapshot(concern, ["state"])),
    )
    return concern


# --- Helpers -----------------------------------------------------------------------------------------------------


def _require_lead(actor: User, subgroup: SubGroup, *, what: str) -> Role:
    return require_leader(actor, subgroup.collaborative, lead_ids(subgroup), what=what)


def _lock(subgroup: SubGroup) -> SubGroup:
    return (
        SubGroup.objects.select_for_update(of=("self",)).select_related("collaborative__programme").get(pk=subgroup.pk)
    )


def _current_lead(subgroup: SubGroup) -> SubGroupMember | None:
    return (
        SubGroupMember.objects.active().filter(subgroup=subgroup, role=SubGroupRole.LEAD).select_related("user").first()
    )


def _check_person(collaborative: Collaborative, user: User, role: str, *, field: str) -> Membership:
    """Everyone in a sub-group is a current member of its collaborative; leads must be able to contribute."""
    membership = Membership.objects.active().filter(collaborative=collaborative, user=user).first()
    if membership is None:
        raise DomainError.for_field(
            field, f"{user} is not a member of {collaborative.name}. Invite them to the collaborative first."
        )
    if role in LEAD_ROLES and membership.role == Role.OBSERVER:
        raise DomainError.for_field(
            field, f"{user} is an observer in {collaborative.name}; observers cannot lead a sub-group."
        )
    return membership


def _check_role(role: str) -> str:
    return _check_choice(role, SubGroupRole, "role", "Choose lead, co-lead or member.")


def _mandate(
    collaborative: Collaborative,
    role: str,
    *,
    mandate: str,
    agreed_on: date | None,
    setting: str,
    note: str,
    workshop: Workshop | None,
    field_prefix: str = "",
) -> dict[str, Any]:
    """The mandate fields of a new or changed row: none for members; for leads, agreed (when and where) or
    self-appointed until the group agrees."""
    if role not in LEAD_ROLES:
        return {}
    mandate = mandate or Mandate.SELF_APPOINTED
    prefix = field_prefix
    if mandate not in Mandate.values:
        raise DomainError.for_field(f"{prefix}mandate", "Choose whether the group agreed who leads.")
    if mandate == Mandate.SELF_APPOINTED:
        return {
            "mandate": mandate,
            "mandate_agreed_on": None,
            "mandate_setting": "",
            "mandate_note": "",
            "mandate_workshop": None,
        }
    errors: dict[str, list[str]] = {}
    if agreed_on is None:
        errors[f"{prefix}mandate_agreed_on"] = ["Say when the group agreed who leads."]
    elif agreed_on > timezone.localdate():
        errors[f"{prefix}mandate_agreed_on"] = ["The date the group agreed cannot be in the future."]
    if setting not in MandateSetting.values:
        errors[f"{prefix}mandate_setting"] = [
            "Say where it was agreed: at a workshop, a sub-group meeting or another way."
        ]
    if workshop is not None and workshop.collaborative_id != collaborative.pk:
        errors[f"{prefix}mandate_workshop"] = [f"That workshop is not one of {collaborative.name}'s."]
    if errors:
        raise DomainError("Say when and where the group agreed who leads.", fields=errors)
    return {
        "mandate": mandate,
        "mandate_agreed_on": agreed_on,
        "mandate_setting": setting,
        "mandate_note": (note or "").strip()[:300],
        "mandate_workshop": workshop,
    }


def _review_fields(*, decision: str, reasons: str, forward_plan: str, reviewed_on: date | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if decision not in ReviewDecision.values:
        errors["decision"] = ["Choose a decision: continue, taper support, close or change direction."]
    reasons = (reasons or "").strip()
    forward_plan = (forward_plan or "").strip()
    if not reasons:
        errors["reasons"] = ["Give the reasons for the decision."]
    if not forward_plan:
        errors["forward_plan"] = ["Write the forward plan, even if it is how the work will close."]
    reviewed_on = reviewed_on or timezone.localdate()
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = ["The review date cannot be in the future."]
    if errors:
        raise DomainError("Please correct the highlighted fields.", fields=errors)
    return {"decision": decision, "reasons": reasons, "forward_plan": forward_plan, "reviewed_on": reviewed_on}


def _check_organisation_belongs(organisation: Organisation, collaborative: Collaborative) -> None:
    local = organisation.collaborative_id == collaborative.pk
    programme_wide = organisation.collaborative_id is None and organisation.programme_id == collaborative.programme_id
    if not (local or programme_wide):
        raise DomainError.for_field("partners", f"{organisation.name} is not part of {collaborative.name}.")


def _check_choice(value: Any, choices: type, field: str, message: str) -> str:
    if value not in choices.values:
        raise DomainError.for_field(field, message)
    return value


def _required_text(value: Any, field: str, message: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError.for_field(field, message)
    if len(text) > limit:
        raise DomainError.for_field(field, f"Keep it to {limit:,} characters or fewer (it has {len(text):,}).")
    return text


def _reject_unknown(fields: dict[str, Any], allowed: list[str]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(unknown)}.")


def _save_unique_name(subgroup: SubGroup) -> None:
    try:
        with transaction.atomic():
            subgroup.save()
    except IntegrityError:
        raise DomainError.for_field(
            "name", f"{subgroup.collaborative.name} already has a sub-group called “{subgroup.name}”."
        ) from None
