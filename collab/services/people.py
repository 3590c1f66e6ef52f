"""Every write of the core. Each service validates, checks the access policy, saves in one transaction and records
the change in the audit trail; anything that reaches outside (email) happens after the transaction commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from collab import live
from collab.access import (
    Action,
    forget_grants,
    may_grant,
    require,
    require_in_programme,
)
from collab.audit import audit_record, changes_between, snapshot
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import (
    COLLABORATIVE_ROLES,
    Collaborative,
    Invitation,
    Membership,
    Organisation,
    Programme,
    Role,
    Sector,
    User,
)
from collab.services.notifications import email_compose

INVITATION_SALT = "collab.invitation"


# --- Programmes and collaboratives -------------------------------------------------------------------------------

PROGRAMME_EDITABLE = ["name", "description", "starts_on", "ends_on"]


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, **fields: Any) -> Programme:
    require_in_programme(actor, Action.MANAGE_PROGRAMME, programme, what="change the programme")
    _reject_unknown(fields, PROGRAMME_EDITABLE)
    before = snapshot(programme, list(fields))
    for name, value in fields.items():
        setattr(programme, name, value)
    if programme.starts_on and programme.ends_on and programme.ends_on < programme.starts_on:
        raise DomainError.for_field("ends_on", "The programme cannot end before it starts.")
    _save_unique(programme, "name", "A programme with this name already exists.")
    audit_record(
        actor=actor,
        action="programme.update",
        target=programme,
        programme=programme,
        changes=changes_between(before, snapshot(programme, list(fields))),
    )
    return programme


@transaction.atomic
def collaborative_create(
    *, actor: User, programme: Programme, name: str, locality: str, description: str = ""
) -> Collaborative:
    require_in_programme(actor, Action.MANAGE_PROGRAMME, programme, what="start a collaborative")
    if Collaborative.objects.filter(programme=programme, locality__iexact=locality).exists():
        raise DomainError.for_field("locality", f"{programme.name} already has a collaborative in {locality}.")
    collaborative = Collaborative(
        programme=programme,
        name=name,
        locality=locality,
        description=description,
        slug=_unique_slug(name),
    )
    collaborative.save()
    audit_record(
        actor=actor,
        action="collaborative.create",
        target=collaborative,
        collaborative=collaborative,
        changes=changes_between({}, snapshot(collaborative, ["name", "locality", "description"])),
    )
    return collaborative


COLLABORATIVE_EDITABLE = ["name", "locality", "description", "anchor_organisation"]


@transaction.atomic
def collaborative_update(*, actor: User, collaborative: Collaborative, **fields: Any) -> Collaborative:
    require(actor, Action.EDIT_COLLABORATIVE, collaborative, what="change the collaborative's details")
    _reject_unknown(fields, COLLABORATIVE_EDITABLE)
    anchor = fields.get("anchor_organisation")
    if anchor is not None:
        _check_organisation_belongs(anchor, collaborative, field="anchor_organisation")
    locality = fields.get("locality")
    if (
        locality
        and Collaborative.objects.filter(programme_id=collaborative.programme_id, locality__iexact=locality)
        .exclude(pk=collaborative.pk)
        .exists()
    ):
        raise DomainError.for_field("locality", f"There is already a collaborative in {locality}.")
    before = snapshot(collaborative, list(fields))
    for name, value in fields.items():
        setattr(collaborative, name, value)
    collaborative.save()
    audit_record(
        actor=actor,
        action="collaborative.update",
        target=collaborative,
        collaborative=collaborative,
        changes=changes_between(before, snapshot(collaborative, list(fields))),
    )
    return collaborative


# --- Organisations -----------------------------------------------------------------------------------------------


@transaction.atomic
def organisation_create(*, actor: User, collaborative: Collaborative, name: str, sector: str) -> Organisation:
    require(actor, Action.MANAGE_ORGANISATIONS, collaborative, what="add organisations")
    _check_sector(sector)
    organisation = Organisation(
        programme_id=collaborative.programme_id, collaborative=collaborative, name=name.strip(), sector=sector
    )
    _save_unique(organisation, "name", f"{collaborative.name} already has an organisation called “{name}”.")
    audit_record(
        actor=actor,
        action="organisation.create",
        target=organisation,
        collaborative=collaborative,
        changes=changes_between({}, snapshot(organisation, ["name", "sector"])),
    )
    return organisation


@transaction.atomic
def organisation_update(*, actor: User, organisation: Organisation, **fields: Any) -> Organisation:
    if organisation.collaborative is None:
        require_in_programme(
            actor, Action.MANAGE_PROGRAMME, organisation.programme, what="change programme-wide organisations"
        )
    else:
        require(actor, Action.MANAGE_ORGANISATIONS, organisation.collaborative, what="change organisations")
    _reject_unknown(fields, ["name", "sector"])
    if "sector" in fields:
        _check_sector(fields["sector"])
    before = snapshot(organisation, list(fields))
    for name, value in fields.items():
        setattr(organisation, name, value.strip() if name == "name" else value)
    _save_unique(organisation, "name", f"There is already an organisation called “{organisation.name}”.")
    audit_record(
        actor=actor,
        action="organisation.update",
        target=organisation,
        collaborative=organisation.collaborative,
        programme=organisation.programme,
        changes=changes_between(before, snapshot(organisation, list(fields))),
    )
    return organisation


# --- Memberships -------------------------------------------------------------------------------------------------

MEMBERSHIP_EDITABLE = ["role", "organisation", "sector", "job_title"]


@transaction.atomic
def membership_update(*, actor: User, membership: Membership, **fields: Any) -> Membership:
    """Change a member's role, organisation, sector or job title."""
    membership = _lock_membership(membership)
    collaborative = _collaborative_of(membership)
    require(actor, Action.MANAGE_MEMBERS, collaborative, what="change members' details")
    _reject_unknown(fields, MEMBERSHIP_EDITABLE)
    if not membership.is_active:
        raise Conflict(f"{membership.user} has left {collaborative.name}; their past membership cannot be changed.")
    if "role" in fields:
        role = _check_collaborative_role(fields["role"])
        if not may_grant(actor, collaborative, role) or not may_grant(actor, collaborative, Role(membership.role)):
            raise Forbidden("You cannot give or take away a role above your own.")
        if membership.role == Role.FACILITATOR and role != Role.FACILITATOR:
            _keep_a_facilitator(membership, collaborative)
        fields["role"] = role
    if fields.get("organisation") is not None:
        _check_organisation_belongs(fields["organisation"], collaborative, field="organisation")
    if "sector" in fields:
        _check_sector(fields["sector"])
    before = snapshot(membership, list(fields))
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.save()
    forget_grants(membership.user)
    if "role" in fields:
        live.access_changed(membership.user_id, collaborative.pk)
    audit_record(
        actor=actor,
        action="membership.update",
        target=membership,
        collaborative=collaborative,
        changes=changes_between(before, snapshot(membership, list(fields))),
    )
    return membership


@transaction.atomic
def membership_leave(*, actor: User, membership: Membership, left_on: date | None = None) -> Membership:
    """Mark a membership as ended. The row stays: history is kept, never deleted. People may leave themselves."""
    membership = _lock_membership(membership)
    collaborative = _collaborative_of(membership)
    if membership.user_id != actor.pk:
        require(actor, Action.MANAGE_MEMBERS, collaborative, what="mark members as having left")
        if not may_grant(actor, collaborative, Role(membership.role)):
            raise Forbidden("You cannot remove someone whose role is above your own.")
    else:
        require(actor, Action.VIEW, collaborative)
    if not membership.is_active:
        raise Conflict(f"{membership.user} has already left {collaborative.name}.")
    left_on = left_on or timezone.localdate()
    if left_on < membership.joined_on:
        raise DomainError.for_field(
            "left_on", f"The leaving date cannot be before they joined ({membership.joined_on:%d/%m/%Y})."
        )
    if left_on > timezone.localdate():
        raise DomainError.for_field("left_on", "The leaving date cannot be in the future.")
    if membership.role == Role.FACILITATOR:
        _keep_a_facilitator(membership, collaborative)
    membership.left_on = left_on
    membership.save(update_fields=["left_on", "updated_at"])
    forget_grants(membership.user)
    live.access_changed(membership.user_id, collaborative.pk)
    audit_record(
        actor=actor,
        action="membership.leave",
        target=membership,
        collaborative=collaborative,
        changes={"left_on": [None, left_on.isoformat()]},
    )
    return membership


# --- Invitations -------------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    collaborative: Collaborative,
    email: str,
    role: str,
    sector: str | None = None,
    organisation: Organisation | None = None,
    job_title: str = "",
    message: str = "",
) -> Invitation:
    """Invite a person by email. A newer invitation to the same address replaces any still pending."""
    require(actor, Action.INVITE, collaborative, what="invite people")
    role = _check_collaborative_role(role)
    if not may_grant(actor, collaborative, role):
        raise Forbidden(f"You cannot invite someone as {role.label.lower()}: that role is above your own.")
    email = email.strip().lower()
    if organisation is not None:
        _check_organisation_belongs(organisation, collaborative, field="organisation")
        sector = sector or organisation.sector
    if not sector:
        raise DomainError.for_field("sector", "Choose the sector this person represents, or their organisation.")
    _check_sector(sector)
    if Membership.objects.active().filter(collaborative=collaborative, user__email__iexact=email).exists():
        raise DomainError.for_field("email", f"{email} is already a member of {collaborative.name}.")
    now = timezone.now()
    Invitation.objects.pending().filter(collaborative=collaborative, email__iexact=email).update(revoked_at=now)
    invitation = Invitation.objects.create(
        collaborative=collaborative,
        email=email,
        role=role,
        sector=sector,
        organisation=organisation,
        job_title=job_title.strip(),
        message=message.strip(),
        invited_by=actor,
        created_at=now,
        expires_at=now + settings.INVITATION_MAX_AGE,
    )
    audit_record(
        actor=actor,
        action="invitation.create",
        target=invitation,
        collaborative=collaborative,
        changes=changes_between({}, snapshot(invitation, ["email", "role", "sector", "organisation"])),
    )
    transaction.on_commit(lambda: _send_invitation_email(invitation.pk))
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    require(actor, Action.INVITE, invitation.collaborative, what="withdraw invitations")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise Conflict(f"This invitation is already {invitation.status}.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="invitation.revoke",
        target=invitation,
        collaborative=invitation.collaborative,
        changes={"revoked_at": [None, invitation.revoked_at.isoformat()]},
    )
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    return reverse("invitation-accept", kwargs={"token": invitation_token(invitation)})


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation behind a link, or a DomainError saying plainly why the link no longer works."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE.total_seconds())
    except signing.SignatureExpired:
        raise DomainError("This invitation link has expired. Ask whoever invited you to send a new one.") from None
    except signing.BadSignature:
        raise NotFound("This invitation link is not valid. Check that you copied all of it.") from None
    invitation = (
        Invitation.objects.select_related("collaborative__programme", "invited_by", "organisation")
        .filter(pk=payload.get("invitation"))
        .first()
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid. Check that you copied all of it.")
    reasons = {
        "accepted": "This invitation has already been accepted. Sign in to continue.",
        "revoked": "This invitation has been withdrawn or replaced by a newer one. Check your email for the latest.",
        "expired": "This invitation link has expired. Ask whoever invited you to send a new one.",
    }
    if invitation.status in reasons:
        raise DomainError(reasons[invitation.status])
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    display_name: str = "",
    password: str = "",
) -> Membership:
    """Accept an invitation: as the signed-in person (whose email must match), or by creating an account."""
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise Conflict("This invitation has just been used. Sign in to continue.")
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            raise Forbidden(
                f"This invitation was sent to {invitation.email}. Sign out and sign in with that address to accept it."
            )
    elif existing is not None:
        raise Forbidden(f"There is already an account for {invitation.email}. Sign in to accept the invitation.")
    else:
        user = _create_account(email=invitation.email, display_name=display_name, password=password)
    assert user is not None
    if Membership.objects.active().filter(user=user, collaborative=invitation.collaborative).exists():
        raise Conflict(f"You are already a member of {invitation.collaborative.name}.")
    membership = Membership.objects.create(
        user=user,
        programme_id=invitation.collaborative.programme_id,
        collaborative=invitation.collaborative,
        organisation=invitation.organisation,
        sector=invitation.sector,
        role=invitation.role,
        job_title=invitation.job_title,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    forget_grants(user)
    audit_record(
        actor=user,
        action="invitation.accept",
        target=membership,
        collaborative=invitation.collaborative,
        changes=changes_between({}, snapshot(membership, ["role", "sector", "organisation", "joined_on"])),
    )
    return membership


# --- People ------------------------------------------------------------------------------------------------------


@transaction.atomic
def user_update_profile(*, user: User, display_name: str) -> User:
    display_name = display_name.strip()
    if not display_name:
        raise DomainError.for_field("display_name", "Enter the name others should see.")
    before = snapshot(user, ["display_name"])
    user.display_name = display_name
    user.save(update_fields=["display_name"])
    audit_record(
        actor=user,
        action="user.update",
        target=user,
        changes=changes_between(before, snapshot(user, ["display_name"])),
    )
    return user


# --- Helpers -----------------------------------------------------------------------------------------------------


def _create_account(*, email: str, display_name: str, password: str) -> User:
    display_name = display_name.strip()
    errors: dict[str, list[str]] = {}
    if not display_name:
        errors["display_name"] = ["Enter the name others should see, for example “Sam Patel”."]
    candidate = User(email=email, display_name=display_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise DomainError("Please correct the details below.", fields=errors)
    return User.objects.create_user(email=email, password=password, display_name=display_name)


def _send_invitation_email(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("collaborative", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "accept_url": settings.SITE_URL.rstrip("/") + invitation_url(invitation),
    }
    email_compose(
        subject=f"{invitation.invited_by} invites you to join {invitation.collaborative.name}",
        to=[invitation.email],
        template="collab/email/invitation",
        context=context,
    ).send()


def _lock_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "collaborative__programme")
        .get(pk=membership.pk)
    )


def _collaborative_of(membership: Membership) -> Collaborative:
    if membership.collaborative is None:
        raise NotFound()  # programme-team memberships are managed in the admin site
    return membership.collaborative


def _keep_a_facilitator(membership: Membership, collaborative: Collaborative) -> None:
    others = (
        Membership.objects.active()
        .filter(collaborative=collaborative, role=Role.FACILITATOR)
        .exclude(pk=membership.pk)
        .select_for_update(of=("self",))
    )
    if not others.exists():
        raise Conflict(f"{collaborative.name} needs at least one facilitator; make someone else facilitator first.")


def _check_collaborative_role(role: str) -> Role:
    if role not in COLLABORATIVE_ROLES:
        choices = ", ".join(r.label.lower() for r in COLLABORATIVE_ROLES)
        raise DomainError.for_field("role", f"Choose one of: {choices}.")
    return Role(role)


def _check_sector(sector: str) -> None:
    if sector not in Sector.values:
        raise DomainError.for_field("sector", "Choose a sector from the list.")


def _check_organisation_belongs(organisation: Organisation, collaborative: Collaborative, *, field: str) -> None:
    local = organisation.collaborative_id == collaborative.pk
    programme_wide = organisation.collaborative_id is None and organisation.programme_id == collaborative.programme_id
    if not (local or programme_wide):
        raise DomainError.for_field(field, f"That organisation is not part of {collaborative.name}.")


def _reject_unknown(fields: dict[str, Any], allowed: list[str]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(unknown)}.")


def _save_unique(instance: Any, field: str, message: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise DomainError.for_field(field, message) from None


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "collaborative"
    slug, n = base, 2
    while Collaborative.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
