"""Reads of the action-plan app, scoped by the access policy: priorities and the shared vision.

The vision's pages and API read a fixed number of queries whatever the number of statements, versions, members or
endorsements: counts by sector are one grouped query for any number of versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from actionplans.models import (
    Endorsement,
    EndorsementResponse,
    Priority,
    VisionStatement,
    VisionVersion,
)
from collab.access import Action, can, require, scope_to_collaboratives
from collab.errors import NotFound
from collab.models import Collaborative, Membership, Role, Sector

RESPONSES = [choice.value for choice in EndorsementResponse]
SECTOR_ORDER = {value: index for index, value in enumerate(Sector.values)}


def priorities_visible(user: Any) -> QuerySet[Priority]:
    return scope_to_collaboratives(
        Priority.objects.select_related("collaborative", "source_board__workshop", "created_by").prefetch_related(
            "findings", "evidence"
        ),
        user,
    )


def priorities_of(user: Any, collaborative: Collaborative) -> list[Priority]:
    require(user, Action.VIEW, collaborative)
    return list(priorities_visible(user).filter(collaborative=collaborative))


# --- The vision ----------------------------------------------------------------------------------------------------


def vision_statements_visible(user: Any) -> QuerySet[VisionStatement]:
    """Statements of the drafts (not those taken out) of every Collaborative the person can see."""
    return scope_to_collaboratives(
        VisionStatement.objects.filter(removed_at__isnull=True).select_related(
            "collaborative", "source_board__workshop", "created_by", "updated_by"
        ),
        user,
    ).order_by("collaborative_id", "position", "pk")


def vision_versions_visible(user: Any) -> QuerySet[VisionVersion]:
    return scope_to_collaboratives(VisionVersion.objects.select_related("collaborative", "published_by"), user)


def endorsements_visible(user: Any) -> QuerySet[Endorsement]:
    return scope_to_collaboratives(
        Endorsement.objects.select_related("version__collaborative", "member"), user, field="version__collaborative"
    )


def current_version_ids(version_ids: Iterable[int]) -> set[int]:
    """Which of these versions are the newest of their Collaborative (one query)."""
    ids = list(version_ids)
    if not ids:
        return set()
    rows = VisionVersion.objects.filter(
        collaborative_id__in=VisionVersion.objects.filter(pk__in=ids).values("collaborative_id")
    ).values_list("collaborative_id", "number", "pk")
    newest: dict[int, tuple[int, int]] = {}
    for collaborative_id, number, pk in rows:
        if collaborative_id not in newest or number > newest[collaborative_id][0]:
            newest[collaborative_id] = (number, pk)
    return {pk for _, pk in newest.values()} & set(ids)


@dataclass
class SectorCount:
    sector: str
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESPONSES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, response: str) -> int:
        """The percentage of this sector's responses that were `response`, rounded to a whole number."""
        return round(100 * self.counts[response] / self.total) if self.total else 0

    @property
    def agree(self) -> int:
        return self.counts[EndorsementResponse.AGREE]

    @property
    def reservations(self) -> int:
        return self.counts[EndorsementResponse.RESERVATIONS]

    @property
    def disagree(self) -> int:
        return self.counts[EndorsementResponse.DISAGREE]

    def bar(self) -> list[tuple[str, int, int]]:
        """The stacked bar: (response, start, width) in whole percent of the row, widths adding up to 100 (largest
        remainders round up)."""
        if not self.total:
            return []
        exact = [100 * self.counts[response] / self.total for response in RESPONSES]
        widths = [int(x) for x in exact]
        by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - widths[i], reverse=True)
        for i in by_remainder[: 100 - sum(widths)]:
            widths[i] += 1
        parts, start = [], 0
        for response, width in zip(RESPONSES, widths, strict=True):
            if width:
                parts.append((response, start, width))
            start += width
        return parts


@dataclass
class Counts:
    """Endorsement counts of one version: a row per sector that responded (in the sectors' usual order), and the
    total."""

    sectors: list[SectorCount]
    total: SectorCount


def _counts(rows: Iterable[tuple[str, str, int]]) -> Counts:
    by_sector: dict[str, SectorCount] = {}
    total = SectorCount("", "All sectors")
    labels = dict(Sector.choices)
    for sector, response, count in rows:
        row = by_sector.setdefault(sector, SectorCount(sector, labels.get(sector, sector)))
        if response in row.counts:
            row.counts[response] += count
            total.counts[response] += count
    ordered = sorted(by_sector.values(), key=lambda row: SECTOR_ORDER.get(row.sector, len(SECTOR_ORDER)))
    return Counts(ordered, total)


def endorsement_counts(version_ids: Iterable[int]) -> dict[int, Counts]:
    """Counts by sector for each version, from the sector each endorser had when they responded (one query).
    Callers pass ids they have already read through a scoped selector."""
    ids = list(version_ids)
    grouped: dict[int, list[tuple[str, str, int]]] = {pk: [] for pk in ids}
    if ids:
        rows = (
            Endorsement.objects.filter(version_id__in=ids)
            .values_list("version_id", "sector", "response")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for version_id, sector, response, n in rows:
            grouped[version_id].append((sector, response, n))
    return {pk: _counts(rows) for pk, rows in grouped.items()}


@dataclass
class VisionPage:
    collaborative: Collaborative
    current: VisionVersion | None
    counts: Counts | None
    mine: Endorsement | None
    comments: list[Endorsement]
    earlier: list[VisionVersion]
    members: int  # current members of the Collaborative who may respond (not observers)
    may_edit: bool
    may_endorse: bool
    draft_count: int
    draft_changed: bool  # the draft differs from the current version


def vision_page(user: Any, collaborative: Collaborative) -> VisionPage:
    """The current vision with its counts by sector, the person's own response, comments and earlier versions."""
    require(user, Action.VIEW, collaborative)
    versions = list(vision_versions_visible(user).filter(collaborative=collaborative).order_by("-number"))
    current = versions[0] if versions else None
    counts = mine = None
    comments: list[Endorsement] = []
    if current is not None:
        counts = endorsement_counts([current.pk])[current.pk]
        responses = list(endorsements_visible(user).filter(version=current).order_by("-updated_at", "-pk"))
        mine = next((e for e in responses if e.member_id == user.pk), None)
        comments = [e for e in responses if e.comment]
    drafts = list(
        VisionStatement.objects.filter(collaborative=collaborative, removed_at__isnull=True)
        .order_by("position", "pk")
        .values_list("text", flat=True)
    )
    may_endorse = (
        current is not None
        and can(user, Action.CONTRIBUTE, collaborative)
        and Membership.objects.active().filter(user_id=user.pk, collaborative=collaborative).exists()
    )
    return VisionPage(
        collaborative=collaborative,
        current=current,
        counts=counts,
        mine=mine,
        comments=comments,
        earlier=versions[1:],
        members=Membership.objects.active().filter(collaborative=collaborative).exclude(role=Role.OBSERVER).count(),
        may_edit=can(user, Action.EDIT_PLAN, collaborative),
        may_endorse=may_endorse,
        draft_count=len(drafts),
        draft_changed=bool(drafts) and (current is None or current.texts != drafts),
    )


def vision_drafts(user: Any, collaborative: Collaborative) -> list[VisionStatement]:
    require(user, Action.VIEW, collaborative)
    return list(vision_statements_visible(user).filter(collaborative=collaborative))


def vision_statement_get(user: Any, collaborative: Collaborative, pk: int) -> VisionStatement:
    require(user, Action.VIEW, collaborative)
    statement = vision_statements_visible(user).filter(collaborative=collaborative, pk=pk).first()
    if statement is None:
        raise NotFound()
    return statement


def vision_versions_of(user: Any, collaborative: Collaborative) -> tuple[list[VisionVersion], dict[int, Counts]]:
    """Every published version, newest first, with their counts by sector."""
    require(user, Action.VIEW, collaborative)
    versions = list(vision_versions_visible(user).filter(collaborative=collaborative).order_by("-number"))
    return versions, endorsement_counts([v.pk for v in versions])


def vision_version_get(user: Any, collaborative: Collaborative, number: int) -> tuple[VisionVersion, Counts, bool]:
    """One version by its number, its counts by sector, and whether it is the current one."""
    require(user, Action.VIEW, collaborative)
    version = vision_versions_visible(user).filter(collaborative=collaborative, number=number).first()
    if version is None:
        raise NotFound()
    is_current = not VisionVersion.objects.filter(collaborative=collaborative, number__gt=number).exists()
    return version, endorsement_counts([version.pk])[version.pk], is_current


def draft_texts(collaborative: Collaborative) -> list[str]:
    return list(
        VisionStatement.objects.filter(collaborative=collaborative, removed_at__isnull=True)
        .order_by("position", "pk")
        .values_list("text", flat=True)
    )
