"""The access policy: the one place that says who may see and do what.

Every selector scopes its reads with `scope_*`; every service checks `require`; the API, pages and websocket
consumers go through those. A person's grants are loaded once per request (one query) and kept on the user object.

Objects of a collaborative you cannot see do not exist for you: `require` raises `NotFound` for them, exactly as for
a missing id, so ids from another locality leak nothing. Only once you can see a collaborative does a missing right
give `Forbidden`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Q, QuerySet

from collab.errors import Forbidden, NotFound
from collab.live import Viewer
from collab.models import Collaborative, Guest, Membership, Role

if TYPE_CHECKING:
    from collab.models import Board, Programme, Workshop

T = TypeVar("T")


class Action(StrEnum):
    VIEW = "view"  # read the collaborative and everything in it
    CONTRIBUTE = "contribute"  # write on boards, comment, endorse, update what one leads
    INVITE = "invite"  # invite people by email
    MANAGE_MEMBERS = "manage_members"  # change roles, mark people as having left
    MANAGE_ORGANISATIONS = "manage_organisations"
    EDIT_COLLABORATIVE = "edit_collaborative"
    READ_AUDIT = "read_audit"
    MANAGE_PROGRAMME = "manage_programme"  # programme-level: edit it, start collaboratives
    RUN_WORKSHOPS = "run_workshops"  # schedule workshops, take attendance, facilitate boards
    EDIT_PLAN = "edit_plan"  # the system map, vision, priorities and action plan
    SUPPORT = "support"  # coach sub-groups: record support given, answer requests, record their reviews
    VIEW_ENGAGEMENT = "view_engagement"  # who comes to workshops: attendance per member and per sector
    VIEW_SENSITIVE = "view_sensitive"  # evidence marked sensitive, and small counts about children unsuppressed


_ALL = frozenset(Action)
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.PROGRAMME_TEAM: _ALL,
    Role.FACILITATOR: _ALL - {Action.MANAGE_PROGRAMME},
    Role.ANCHOR: frozenset(
        {
            Action.VIEW,
            Action.CONTRIBUTE,
            Action.INVITE,
            Action.MANAGE_ORGANISATIONS,
            Action.READ_AUDIT,
            Action.VIEW_ENGAGEMENT,
            Action.EDIT_PLAN,
        }
    ),  # anchors lead locally and edit the map, vision and plan with the facilitators, but do not run the
    # Collaborative's workshops: that stays with its facilitators
    Role.SUBGROUP_LEAD: frozenset({Action.VIEW, Action.CONTRIBUTE}),
    Role.MEMBER: frozenset({Action.VIEW, Action.CONTRIBUTE}),
    Role.OBSERVER: frozenset({Action.VIEW}),
}

# Used to stop anyone granting a role above their own.
RANK: dict[Role, int] = {
    Role.OBSERVER: 1,
    Role.MEMBER: 2,
    Role.SUBGROUP_LEAD: 2,
    Role.ANCHOR: 3,
    Role.FACILITATOR: 4,
    Role.PROGRAMME_TEAM: 5,
}


@dataclass(frozen=True)
class Grants:
    """Where one person holds which role: their active memberships, read once."""

    collaborative_roles: dict[int, Role]  # collaborative id → role held there
    collaborative_programmes: dict[int, int]  # collaborative id → its programme id
    programme_team: frozenset[int]  # programme ids where the person is on the programme team

    @property
    def programmes(self) -> frozenset[int]:
        return self.programme_team | frozenset(self.collaborative_programmes.values())

    def role_in(self, collaborative: Collaborative) -> Role | None:
        if collaborative.programme_id in self.programme_team:
            return Role.PROGRAMME_TEAM
        return self.collaborative_roles.get(collaborative.pk)


_NO_GRANTS = Grants({}, {}, frozenset())
_CACHE_ATTR = "_collab_grants"


def grants_for(user: Any) -> Grants:
    """The person's grants, cached on the user object for the life of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return _NO_GRANTS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    refresh_grants([user])
    return getattr(user, _CACHE_ATTR)


def refresh_grants(users: Iterable[Any]) -> None:
    """Read the grants of several people afresh, in one query. A live connection lasts the whole workshop and keeps
    its user object: each operation it sends refreshes them, so a membership ended meanwhile takes effect at once."""
    people = {user.pk: user for user in users}
    rows: dict[int, list[tuple[int, int, str]]] = {pk: [] for pk in people}
    # No ordering: the default one (by name) would join and sort for nothing.
    active = Membership.objects.active().filter(user_id__in=people, user__is_active=True).order_by()
    for user_id, collaborative_id, programme_id, role in active.values_list(
        "user_id", "collaborative_id", "programme_id", "role"
    ):
        rows[user_id].append((collaborative_id, programme_id, role))
    for pk, user in people.items():
        roles: dict[int, Role] = {}
        programmes: dict[int, int] = {}
        team: set[int] = set()
        for collaborative_id, programme_id, role in rows[pk]:
            if role == Role.PROGRAMME_TEAM:
                team.add(programme_id)
            else:
                roles[collaborative_id] = Role(role)
                programmes[collaborative_id] = programme_id
        setattr(user, _CACHE_ATTR, Grants(roles, programmes, frozenset(team)))


def forget_grants(user: Any) -> None:
    """Drop the cached grants after a change to the person's own memberships."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def role_in(user: Any, collaborative: Collaborative) -> Role | None:
    return grants_for(user).role_in(collaborative)


def can(user: Any, action: Action, collaborative: Collaborative) -> bool:
    role = role_in(user, collaborative)
    return role is not None and action in PERMISSIONS[role]


def can_in_programme(user: Any, action: Action, programme: Programme) -> bool:
    return programme.pk in grants_for(user).programme_team and action in PERMISSIONS[Role.PROGRAMME_TEAM]


def require(user: Any, action: Action, collaborative: Collaborative, *, what: str = "that") -> Role:
    """The person's role in the collaborative if they may do `action` there; otherwise NotFound (cannot see it)
    or Forbidden (can see it, but not do this)."""
    role = role_in(user, collaborative)
    if role is None:
        raise NotFound()
    if action not in PERMISSIONS[role]:
        raise Forbidden(f"As {_article(role)} {role.label.lower()} you cannot {what} in {collaborative.name}.")
    return role


def require_any(*checks: Callable[[], T]) -> T:
    """For something more than one rule may allow (a link between two sub-groups: the leads of one end, or the
    facilitators of either): the first check that passes. When none does, `Forbidden` if any check could see the
    object — readable but not writable — and `NotFound` only if none could."""
    forbidden: Forbidden | None = None
    missing: NotFound | None = None
    for check in checks:
        try:
            return check()
        except Forbidden as error:
            forbidden = forbidden or error
        except NotFound as error:
            missing = missing or error
    raise forbidden or missing or NotFound()


def require_in_programme(user: Any, action: Action, programme: Programme, *, what: str = "that") -> None:
    grants = grants_for(user)
    if programme.pk not in grants.programmes:
        raise NotFound()
    if not can_in_programme(user, action, programme):
        raise Forbidden(f"Only the programme team can {what} in {programme.name}.")


def require_leader(
    user: Any, collaborative: Collaborative, leader_ids: Iterable[int], *, what: str = "change this"
) -> Role:
    """For things led by named people (a sub-group and its leads): facilitators and the programme team may always;
    a lead may if they can still contribute in the collaborative; everyone else who can see it is Forbidden.

    Apps above the core pass the ids of the leaders, so the rule stays here without the core knowing those apps.
    """
    role = require(user, Action.VIEW, collaborative)
    if Action.MANAGE_MEMBERS in PERMISSIONS[role]:
        return role
    if Action.CONTRIBUTE in PERMISSIONS[role] and user.pk in set(leader_ids):
        return Role.SUBGROUP_LEAD
    raise Forbidden(f"Only its leads and the facilitators can {what}.")


def scope_confidential(
    queryset: QuerySet, user: Any, *, author_field: str = "raised_by", programme_field: str = "programme"
) -> QuerySet:
    """Confidential rows, such as a concern raised with the programme team: each person sees the ones they wrote, and
    the programme team sees every one of its programmes. Nobody else does, not even the locality's facilitators or
    anchor."""
    grants = grants_for(user)
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return queryset.none()
    return queryset.filter(
        Q(**{f"{author_field}_id": user.pk}) | Q(**{f"{programme_field}_id__in": list(grants.programme_team)})
    )


def require_confidential(user: Any, programme: Programme, author_id: int | None) -> str:
    """May the person act on a confidential row? "author" for the one who wrote it, "programme_team" for the
    programme team; anyone else gets NotFound, as if it did not exist."""
    grants = grants_for(user)
    if programme.pk in grants.programme_team:
        return "programme_team"
    if user is not None and getattr(user, "is_authenticated", False) and author_id == user.pk:
        return "author"
    raise NotFound()


def programme_role(user: Any, programme: Programme) -> Role | None:
    """The person's standing in a programme as a whole: programme team, or their highest role in any of its
    collaboratives. This is what counts at a cross-locality workshop."""
    grants = grants_for(user)
    if programme.pk in grants.programme_team:
        return Role.PROGRAMME_TEAM
    roles = [
        role
        for collaborative_id, role in grants.collaborative_roles.items()
        if grants.collaborative_programmes[collaborative_id] == programme.pk
    ]
    return max(roles, key=RANK.__getitem__) if roles else None


def workshop_role(user: Any, workshop: Workshop) -> Role | None:
    """The person's role at a workshop. At a collaborative's workshop, their role there. At a cross-locality
    workshop, their standing in the programme (see `programme_role`), except that only its organisers run it — the
    programme team and the facilitator who scheduled it (`organises`): every other facilitator takes part like a
    member (books their own place, writes on its boards) and sees neither the others' places nor their access needs."""
    if workshop.collaborative_id is None:
        role = programme_role(user, workshop.programme)
        if role is not None and Action.RUN_WORKSHOPS in PERMISSIONS[role] and not organises(user, workshop):
            return Role.MEMBER
        return role
    return role_in(user, workshop.collaborative)


def organises(user: Any, workshop: Workshop) -> bool:
    """Who organises a cross-locality workshop: the programme team of its programme, and the facilitator who scheduled
    it while they still run workshops somewhere in the programme. A collaborative's own workshop is organised by
    whoever runs workshops there."""
    if workshop.collaborative_id is not None:
        return can(user, Action.RUN_WORKSHOPS, workshop.collaborative)
    grants = grants_for(user)
    if workshop.programme_id in grants.programme_team:
        return True
    return workshop.created_by_id == getattr(user, "pk", None) and workshop.programme_id in _runs_in(grants)


def _runs_in(grants: Grants) -> set[int]:
    """Programmes where the person runs workshops in at least one collaborative."""
    return {
        grants.collaborative_programmes[pk]
        for pk, role in grants.collaborative_roles.items()
        if Action.RUN_WORKSHOPS in PERMISSIONS[role]
    }


def require_workshop(user: Any, action: Action, workshop: Workshop, *, what: str = "that") -> Role:
    """Like `require`, for a workshop of a collaborative or of the whole programme."""
    role = workshop_role(user, workshop)
    if role is None:
        raise NotFound()
    if action not in PERMISSIONS[role]:
        raise Forbidden(f"As {_article(role)} {role.label.lower()} you cannot {what} at this workshop.")
    return role


def scope_workshops(queryset: QuerySet, user: Any, *, field: str = "") -> QuerySet:
    """Workshops of the collaboratives the person can see, and cross-locality workshops of their programmes."""
    grants = grants_for(user)
    if not grants.programmes:
        return queryset.none()
    prefix = f"{field}__" if field else ""
    cross_locality = Q(**{f"{prefix}collaborative__isnull": True, f"{prefix}programme_id__in": list(grants.programmes)})
    return queryset.filter(_visible_q(user, f"{prefix}collaborative") | cross_locality)


def scope_workshops_run(queryset: QuerySet, user: Any, *, field: str = "") -> QuerySet:
    """Workshops the person may run: those of collaboratives where their role runs workshops, and the cross-locality
    workshops they organise (see `organises`)."""
    grants = grants_for(user)
    prefix = f"{field}__" if field else ""
    runs = [pk for pk, role in grants.collaborative_roles.items() if Action.RUN_WORKSHOPS in PERMISSIONS[role]]
    if not runs and not grants.programme_team:
        return queryset.none()
    return queryset.filter(
        Q(**{f"{prefix}collaborative_id__in": runs})
        | Q(**{f"{prefix}collaborative__programme_id__in": list(grants.programme_team)})
        | Q(**{f"{prefix}collaborative__isnull": True, f"{prefix}programme_id__in": list(grants.programme_team)})
        | Q(
            **{
                f"{prefix}collaborative__isnull": True,
                f"{prefix}programme_id__in": list(_runs_in(grants)),
                f"{prefix}created_by_id": user.pk,
            }
        )
    )


def board_viewer(principal: Any, board: Board) -> Viewer:
    """What a signed-in person or a guest may do on one board. Guests see their own board and nothing else;
    observers read only; the board's facilitator moderates (sees private cards, runs the phases)."""
    if isinstance(principal, Guest):
        if principal.board_id != board.pk or not principal.can_take_part:
            raise NotFound()
        return Viewer(
            key=f"g:{principal.pk}",
            display_name=principal.display_name,
            can_write=True,
            moderator=False,
            guest_id=principal.pk,
        )
    role = require_workshop(principal, Action.VIEW, board.workshop)
    return Viewer(
        key=f"u:{principal.pk}",
        display_name=principal.display_name,
        can_write=Action.CONTRIBUTE in PERMISSIONS[role],
        moderator=board.facilitator_id == principal.pk,
        user_id=principal.pk,
        extra={"may_take_over": Action.RUN_WORKSHOPS in PERMISSIONS[role]},
    )


def may_grant(user: Any, collaborative: Collaborative, role: Role) -> bool:
    """Nobody grants a role above their own."""
    own = role_in(user, collaborative)
    return own is not None and RANK[role] <= RANK[own]


def _visible_q(user: Any, field: str) -> Q:
    grants = grants_for(user)
    prefix = f"{field}__" if field else ""
    return Q(**{f"{prefix}pk__in": list(grants.collaborative_roles)}) | Q(
        **{f"{prefix}programme_id__in": list(grants.programme_team)}
    )


def scope_to_collaboratives(queryset: QuerySet, user: Any, *, field: str = "collaborative") -> QuerySet:
    """Keep only rows whose collaborative (reached through `field`) the person can see.

    `field=""` scopes a queryset of collaboratives themselves.
    """
    grants = grants_for(user)
    if not grants.collaborative_roles and not grants.programme_team:
        return queryset.none()
    return queryset.filter(_visible_q(user, field))


def scope_to_programmes(queryset: QuerySet, user: Any, *, field: str = "") -> QuerySet:
    """Keep only rows of programmes the person takes part in (through any collaborative or the programme team)."""
    programmes = grants_for(user).programmes
    if not programmes:
        return queryset.none()
    return queryset.filter(**{f"{field}__pk__in" if field else "pk__in": list(programmes)})


def scope_where_allowed(queryset: QuerySet, user: Any, action: Action, *, field: str = "collaborative") -> QuerySet:
    """Keep only rows whose collaborative (reached through `field`) is one where the person may do `action`."""
    grants = grants_for(user)
    allowed = [pk for pk, role in grants.collaborative_roles.items() if action in PERMISSIONS[role]]
    team = list(grants.programme_team) if action in PERMISSIONS[Role.PROGRAMME_TEAM] else []
    if not allowed and not team:
        return queryset.none()
    prefix = f"{field}__" if field else ""
    return queryset.filter(Q(**{f"{prefix}pk__in": allowed}) | Q(**{f"{prefix}programme_id__in": team}))


def scope_organisations(queryset: QuerySet, user: Any) -> QuerySet:
    """Organisations of the collaboratives the person can see, and programme-wide ones of their programmes."""
    grants = grants_for(user)
    if not grants.programmes:
        return queryset.none()
    programme_wide = Q(collaborative__isnull=True, programme_id__in=list(grants.programmes))
    return queryset.filter(_visible_q(user, "collaborative") | programme_wide)


def _article(role: Role) -> str:
    return "an" if role.label[0].lower() in "aeiou" else "a"
