"""Reads of the core, already scoped by the access policy, with the queries they need and no more.

A selector never returns another locality's rows: scoping happens here, not in the callers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from collab.access import (
    Action,
    can,
    grants_for,
    may_grant,
    require,
    scope_organisations,
    scope_to_collaboratives,
    scope_to_programmes,
)
from collab.audit import as_seen_by
from collab.errors import NotFound
from collab.models import (
    COLLABORATIVE_ROLES,
    AuditEvent,
    Collaborative,
    Invitation,
    Membership,
    Organisation,
    Programme,
    Role,
    Sector,
    User,
)
from collab.selectors.workshops import upcoming_workshops

# Sectors a Collaborative is expected to draw on; the facilitating organisation is not a local sector.
LOCAL_SECTORS = [s for s in Sector if s != Sector.FACILITATION]
INVITATION_EXPIRY_WARNING = timedelta(days=3)


# --- Scoped querysets (used by the API's base viewset and by pages) ----------------------------------------------


def programmes_visible(user: Any) -> QuerySet[Programme]:
    return scope_to_programmes(Programme.objects.all(), user)


def collaboratives_visible(user: Any) -> QuerySet[Collaborative]:
    return scope_to_collaboratives(
        Collaborative.objects.select_related("programme", "anchor_organisation"), user, field=""
    ).annotate(active_member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))


def organisations_visible(user: Any) -> QuerySet[Organisation]:
    return scope_organisations(Organisation.objects.select_related("programme", "collaborative"), user)


def memberships_visible(user: Any) -> QuerySet[Membership]:
    return scope_to_collaboratives(
        Membership.objects.select_related("user", "organisation", "collaborative", "programme"), user
    )


def invitations_visible(user: Any) -> QuerySet[Invitation]:
    """Invitations of the collaboratives where the person may invite; others' invitations stay private."""
    grants = grants_for(user)
    may_invite = [pk for pk, role in grants.collaborative_roles.items() if role in (Role.FACILITATOR, Role.ANCHOR)]
    return Invitation.objects.select_related("collaborative", "invited_by", "organisation").filter(
        Q(collaborative_id__in=may_invite) | Q(collaborative__programme_id__in=list(grants.programme_team))
    )


def audit_events_visible(user: Any) -> QuerySet[AuditEvent]:
    """The audit trail of collaboratives where the person is facilitator, anchor or on the programme team."""
    grants = grants_for(user)
    readers = [pk for pk, role in grants.collaborative_roles.items() if role in (Role.FACILITATOR, Role.ANCHOR)]
    return (
        AuditEvent.objects.select_related("collaborative")
        .filter(Q(collaborative_id__in=readers) | Q(collaborative__programme_id__in=list(grants.programme_team)))
        .as_seen_by(as_seen_by(user))
    )


def collaborative_get(user: Any, *, slug: str | None = None, pk: int | None = None) -> Collaborative:
    """One collaborative the person can see, or NotFound (the same for missing and not theirs)."""
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    collaborative = collaboratives_visible(user).filter(**lookup).first()
    if collaborative is None:
        raise NotFound()
    return collaborative


# --- Pages -------------------------------------------------------------------------------------------------------


@dataclass
class SectorGroup:
    sector: Sector
    memberships: list[Membership] = field(default_factory=list)


@dataclass
class OrganisationGroup:
    organisation: Organisation | None
    memberships: list[Membership] = field(default_factory=list)


@dataclass
class Overview:
    collaborative: Collaborative
    role: Role
    active: list[Membership]
    by_sector: list[SectorGroup]
    by_organisation: list[OrganisationGroup]
    anchors: list[Membership]
    facilitators: list[Membership]
    missing_sectors: list[Sector]
    upcoming_workshops: list[Any]
    former_member_count: int


def collaborative_overview(user: Any, collaborative: Collaborative) -> Overview:
    """Who is in the collaborative, by sector and organisation, who leads, and where representation is missing."""
    role = require(user, Action.VIEW, collaborative)
    memberships = list(
        Membership.objects.filter(collaborative=collaborative)
        .select_related("user", "organisation")
        .order_by("user__display_name", "user__email")
    )
    active = [m for m in memberships if m.left_on is None]
    sectors: dict[str, SectorGroup] = {s.value: SectorGroup(s) for s in Sector}
    organisations: dict[int | None, OrganisationGroup] = {}
    for membership in active:
        sectors[membership.sector].memberships.append(membership)
        key = membership.organisation_id
        organisations.setdefault(key, OrganisationGroup(membership.organisation)).memberships.append(membership)
    by_organisation = sorted(
        organisations.values(), key=lambda g: (g.organisation is None, g.organisation.name if g.organisation else "")
    )
    return Overview(
        collaborative=collaborative,
        role=role,
        active=active,
        by_sector=[group for group in sectors.values() if group.memberships],
        by_organisation=by_organisation,
        anchors=[m for m in active if m.role == Role.ANCHOR],
        facilitators=[m for m in active if m.role == Role.FACILITATOR],
        missing_sectors=[s for s in LOCAL_SECTORS if not sectors[s.value].memberships],
        upcoming_workshops=upcoming_workshops(user, collaborative),
        former_member_count=len(memberships) - len(active),
    )


@dataclass
class AttentionItem:
    collaborative: Collaborative
    kind: str  # "sector_gap" | "invitations_expiring" | "invitations_pending"
    message: str
    link_name: str


def home_for(user: Any) -> tuple[list[Collaborative], list[AttentionItem]]:
    """My collaboratives, and what needs my attention in them (three queries, however many collaboratives)."""
    collaboratives = list(collaboratives_visible(user).order_by("programme__name", "name"))
    roles = {c.pk: grants_for(user).role_in(c) for c in collaboratives}
    for collaborative in collaboratives:
        collaborative.my_role = roles[collaborative.pk]
    managed = [c for c in collaboratives if can(user, Action.INVITE, c)]
    if not managed:
        return collaboratives, []
    items: list[AttentionItem] = []
    represented: dict[int, set[str]] = defaultdict(set)
    rows = (
        Membership.objects.active()
        .filter(collaborative__in=managed)
        .values_list("collaborative_id", "sector")
        .distinct()
    )
    for collaborative_id, sector in rows:
        represented[collaborative_id].add(sector)
    soon = timezone.now() + INVITATION_EXPIRY_WARNING
    pending = dict(
        Invitation.objects.pending()
        .filter(collaborative__in=managed)
        .values("collaborative_id")
        .annotate(
            total=Count("id"),
            expiring=Count("id", filter=Q(expires_at__lte=soon)),
        )
        .values_list("collaborative_id", "expiring")
    )
    for collaborative in managed:
        missing = [s.label for s in LOCAL_SECTORS if s.value not in represented[collaborative.pk]]
        if missing:
            items.append(
                AttentionItem(
                    collaborative,
                    "sector_gap",
                    f"No active member from: {', '.join(missing)}.",
                    "collaborative-members",
                )
            )
        if pending.get(collaborative.pk):
            count = pending[collaborative.pk]
            items.append(
                AttentionItem(
                    collaborative,
                    "invitations_expiring",
                    f"{count} invitation{'s' if count != 1 else ''} will expire within three days without a reply.",
                    "collaborative-members",
                )
            )
    return collaboratives, items


def member_management(user: Any, collaborative: Collaborative) -> dict[str, Any]:
    """What the member-management page shows: current and former members, pending invitations, organisations."""
    require(user, Action.INVITE, collaborative, what="manage members")
    memberships = list(
        Membership.objects.filter(collaborative=collaborative)
        .select_related("user", "organisation")
        .order_by("user__display_name", "user__email")
    )
    return {
        "active": [m for m in memberships if m.left_on is None],
        "former": [m for m in memberships if m.left_on is not None],
        "invitations": list(
            Invitation.objects.pending()
            .filter(collaborative=collaborative)
            .select_related("invited_by", "organisation")
            .order_by("expires_at")
        ),
        "organisations": list(
            Organisation.objects.filter(
                Q(collaborative=collaborative) | Q(collaborative__isnull=True, programme_id=collaborative.programme_id)
            ).order_by("name")
        ),
        "can_manage": can(user, Action.MANAGE_MEMBERS, collaborative),
        "grantable_roles": grantable_roles(user, collaborative),
    }


def grantable_roles(user: Any, collaborative: Collaborative) -> list[Role]:
    """The roles this person may give others in the collaborative: none above their own."""
    return [role for role in COLLABORATIVE_ROLES if may_grant(user, collaborative, role)]


def membership_for_change(user: Any, collaborative: Collaborative, pk: int) -> Membership:
    """One membership of the collaborative, for someone who may change members' details."""
    require(user, Action.MANAGE_MEMBERS, collaborative, what="change members' details")
    membership = (
        Membership.objects.filter(collaborative=collaborative, pk=pk).select_related("user", "organisation").first()
    )
    if membership is None:
        raise NotFound()
    return membership


def invitation_for_change(user: Any, collaborative: Collaborative, pk: int) -> Invitation:
    """One invitation of the collaborative, for someone who may invite people there."""
    require(user, Action.INVITE, collaborative, what="withdraw invitations")
    invitation = Invitation.objects.filter(collaborative=collaborative, pk=pk).select_related("collaborative").first()
    if invitation is None:
        raise NotFound()
    return invitation


def account_exists_for(email: str) -> bool:
    """Whether someone already has an account with this address (an invitation then asks them to sign in)."""
    return User.objects.filter(email__iexact=email).exists()


def audit_trail(user: Any, collaborative: Collaborative) -> QuerySet[AuditEvent]:
    require(user, Action.READ_AUDIT, collaborative, what="read the audit trail")
    return AuditEvent.objects.filter(collaborative=collaborative).select_related("actor").as_seen_by(as_seen_by(user))
