"""Reads of workshop boards: a board as one viewer may see it, and the workshop record."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from collab import live
from collab.access import Action, board_viewer, require_workshop, scope_workshops
from collab.errors import NotFound
from collab.live import Viewer
from collab.models import Board, Card, CardGroup, GuestLink, Participant, Promotion, Registration, Vote, Workshop, Zone
from collab.services.boards import (
    KIND,
    PRESENCE_TIMEOUT,
    board_payload,
    card_payload,
    group_payload,
    hidden_card_payload,
    participant_payload,
    tallies,
    zone_payload,
)


def boards_visible(user: Any) -> QuerySet[Board]:
    return scope_workshops(
        Board.objects.select_related("workshop__collaborative", "workshop__programme", "facilitator"),
        user,
        field="workshop",
    )


def board_get(principal: Any, board_id: int) -> tuple[Board, Viewer]:
    """A board and what the principal (a person or a guest) may do on it; NotFound when it is not theirs to see."""
    board = (
        Board.objects.select_related("workshop__collaborative__programme", "workshop__programme", "facilitator")
        .filter(pk=board_id)
        .first()
    )
    if board is None:
        raise NotFound()
    return board, board_viewer(principal, board)


def board_state(viewer: Viewer, board: Board) -> dict[str, Any]:
    """The whole board as `viewer` may see it, and the sequence number it is current to.

    The number is read first: anything committed after it arrives as events the client applies on top, and
    events carry resulting state, so one already reflected here does no harm when applied again.
    """
    seq = live.current_seq(KIND, board.pk)
    board.refresh_from_db()
    hidden = not board.is_revealed
    cards = list(Card.objects.filter(board=board, removed_at__isnull=True).select_related("author"))
    me = Participant.objects.filter(board=board, key=viewer.key).first()
    state_cards = []
    for card in cards:
        if hidden and not (viewer.moderator or card.author.key == viewer.key):
            state_cards.append(hidden_card_payload(card))
        else:
            state_cards.append({**card_payload(card), "mine": card.author.key == viewer.key})
    votes: dict[str, Any] = {"round": board.voting_round, "mine": {}, "remaining": board.vote_budget, "cast": 0}
    if board.voting_round:
        in_round = Vote.objects.filter(board=board, round=board.voting_round)
        votes["cast"] = in_round.count()
        if me is not None:
            mine = in_round.filter(voter=me).values("card_id").annotate(n=Count("id")).values_list("card_id", "n")
            votes["mine"] = {str(card_id): n for card_id, n in mine}
            votes["remaining"] = board.vote_budget - sum(votes["mine"].values())
        if viewer.moderator or not board.voting_open:
            votes["tallies"] = tallies(board, board.voting_round)
    online_since = timezone.now() - PRESENCE_TIMEOUT
    participants = Participant.objects.filter(board=board, connections__gt=0, last_seen__gt=online_since)
    return {
        "seq": seq,
        "board": board_payload(board),
        "zones": [zone_payload(z) for z in Zone.objects.filter(board=board)],
        "groups": [group_payload(g) for g in CardGroup.objects.filter(board=board, removed_at__isnull=True)],
        "cards": state_cards,
        "votes": votes,
        "participants": [{**participant_payload(p), "online": True} for p in participants],
        "promotions": [
            {
                "id": p.pk,
                "card": p.card_id,
                "group": p.group_id,
                "target": p.target,
                # Promoting waits for the reveal now; a promotion made before that rule holds a hidden card's text.
                "label": p.target_label if viewer.moderator or not hidden else "",
            }
            for p in Promotion.objects.filter(board=board)
        ],
        "me": {
            "key": viewer.key,
            "name": viewer.display_name,
            "can_write": viewer.can_write,
            "moderator": viewer.moderator,
            "may_take_over": bool(viewer.extra.get("may_take_over")),
            "breakout": me.breakout if me else "",
        },
    }


def workshop_boards(user: Any, workshop: Workshop) -> list[Board]:
    require_workshop(user, Action.VIEW, workshop)
    return list(workshop.boards.select_related("facilitator").order_by("position", "id"))


def guest_links(user: Any, board: Board) -> list[GuestLink]:
    require_workshop(user, Action.RUN_WORKSHOPS, board.workshop, what="see guest links")
    return list(board.guest_links.order_by("-created_at"))


# --- The workshop record --------------------------------------------------------------------------------------------


@dataclass
class RankedCard:
    text: str
    zone: str
    group: str
    votes: int
    author: str


@dataclass
class BoardRecord:
    board: Board
    ranked: list[RankedCard]
    groups: list[tuple[str, list[str]]]  # group title → its cards' texts
    ungrouped: list[str]
    promotions: list[Promotion]


@dataclass
class WorkshopRecord:
    workshop: Workshop
    boards: list[BoardRecord]
    attended: list[Registration]
    registered_absent: list[Registration]


def workshop_record(user: Any, workshop: Workshop) -> WorkshopRecord:
    """What a workshop produced: per board, the cards ranked by the last round's votes, the groups, what was
    promoted; and who came. Private cards that were never revealed stay out of the record."""
    require_workshop(user, Action.VIEW, workshop)
    boards = list(
        workshop.boards.prefetch_related(
            Prefetch("zones", queryset=Zone.objects.order_by("position")),
            Prefetch("groups", queryset=CardGroup.objects.filter(removed_at__isnull=True)),
            Prefetch("promotions", queryset=Promotion.objects.order_by("promoted_at")),
        ).order_by("position", "id")
    )
    cards_by_board: dict[int, list[Card]] = defaultdict(list)
    for card in Card.objects.filter(board__in=boards, removed_at__isnull=True).select_related(
        "author", "zone", "group"
    ):
        cards_by_board[card.board_id].append(card)
    vote_counts: dict[int, int] = {}
    for board in boards:
        if board.voting_round:
            vote_counts.update({int(k): v for k, v in tallies(board, board.voting_round).items()})
    records = []
    for board in boards:
        cards = cards_by_board[board.pk] if board.is_revealed else []
        ranked = sorted(
            (
                RankedCard(
                    text=c.text,
                    zone=c.zone.title,
                    group=c.group.title if c.group_id else "",
                    votes=vote_counts.get(c.pk, 0),
                    author="Anonymous" if c.anonymous else c.author.display_name,
                )
                for c in cards
            ),
            key=lambda r: (-r.votes, r.zone, r.text),
        )
        groups = [(g.title, [c.text for c in cards if c.group_id == g.pk]) for g in board.groups.all()]
        ungrouped = [c.text for c in cards if not c.group_id]
        records.append(BoardRecord(board, ranked, groups, ungrouped, list(board.promotions.all())))
    registrations = list(workshop.registrations.select_related("user").order_by("user__display_name"))
    return WorkshopRecord(
        workshop=workshop,
        boards=records,
        attended=[r for r in registrations if r.attended],
        registered_absent=[r for r in registrations if r.attended is False],
    )
