"""A card or group on a workshop board becomes a draft vision statement without retyping, with the link back to
the board kept, through the board's own "promote" operation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from actionplans.models import VisionStatement
from collab.errors import DomainError, Forbidden
from collab.models import Promotion, Workshop
from collab.promotion import available_targets
from collab.services import boards as board_services

pytestmark = pytest.mark.django_db


def op(principal, board, name, **data):
    return board_services.apply(principal=principal, board_id=board.pk, op=name, data=data, op_key=None)


def card(world, board, text, who="member"):
    return op(world.people[who], board, "card.add", zone=board.zones.first().pk, text=text).payload["id"]


def test_vision_statement_is_offered_next_to_priority():
    assert {"priority": "Priority", "vision_statement": "Vision statement"}.items() <= {
        target.name: target.label for target in available_targets()
    }.items()


def test_a_card_becomes_a_draft_statement_with_a_link_back_to_the_board(world, board):
    facilitator = world.people["facilitator"]
    card_id = card(world, board, "Every child feels they belong at school")
    op(facilitator, board, "cards.reveal")
    event = op(facilitator, board, "promote", target="vision_statement", card=card_id)
    statement = VisionStatement.objects.get()
    assert statement.text == "Every child feels they belong at school"
    assert (statement.collaborative, statement.source_board_id, statement.source_card_id) == (
        world.ours,
        board.pk,
        card_id,
    )
    assert statement.position == 1 and statement.created_by == facilitator
    assert event.payload["target"] == "vision_statement"
    assert event.payload["url"].endswith(f"/c/ashford/vision/draft/#statement-{statement.pk}")
    promotion = Promotion.objects.get()
    assert (promotion.target, promotion.target_id, promotion.card_id) == ("vision_statement", statement.pk, card_id)


def test_a_group_becomes_a_statement_with_its_cards_kept_for_the_drafters(world, board):
    facilitator = world.people["facilitator"]
    ids = [card(world, board, text) for text in ("Parents are listened to", "Children's views shape support")]
    op(facilitator, board, "cards.reveal")
    group = op(facilitator, board, "group.create", zone=board.zones.first().pk, title="Families as partners", cards=ids)
    op(facilitator, board, "promote", target="vision_statement", group=group.payload["id"])
    statement = VisionStatement.objects.get()
    assert statement.text == "Families as partners"
    assert statement.note == "- Parents are listened to\n- Children's views shape support"
    assert statement.source_group_id == group.payload["id"] and statement.source_board == board


def test_only_the_board_s_facilitator_promotes(world, board):
    card_id = card(world, board, "Belonging")
    with pytest.raises(Forbidden):
        op(world.people["member"], board, "promote", target="vision_statement", card=card_id)
    assert not VisionStatement.objects.exists() and not Promotion.objects.exists()


def test_a_cross_locality_board_cannot_feed_one_locality_s_vision(world):
    start = timezone.now() - timedelta(minutes=10)
    workshop = Workshop.objects.create(
        programme=world.programme,
        collaborative=None,
        title="All localities",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        created_by=world.people["programme_team"],
    )
    team = world.people["programme_team"]
    board = board_services.board_create(actor=team, workshop=workshop, title="Shared hopes")
    card_id = card(world, board, "Belonging everywhere", who="programme_team")
    op(team, board, "cards.reveal")
    with pytest.raises(DomainError, match="belong to one Collaborative"):
        op(team, board, "promote", target="vision_statement", card=card_id)
    assert not VisionStatement.objects.exists() and not Promotion.objects.exists()
