"""A card or a group on a workshop board becomes a plan item through the board's own "promote" operation, keeping
the link back to the board, and the item's page shows where it came from."""

import pytest
from django.urls import reverse

from actionplans.models import PlanItem
from collab.errors import Forbidden
from collab.models import Promotion
from collab.promotion import available_targets
from collab.services import boards as board_services

pytestmark = pytest.mark.django_db


def op(principal, board, name, **data):
    return board_services.apply(principal=principal, board_id=board.pk, op=name, data=data, op_key=None)


def card(world, board, text, who="member"):
    return op(world.people[who], board, "card.add", zone=board.zones.first().pk, text=text).payload["id"]


def test_plan_item_is_a_promotion_target():
    assert {t.name: t.label for t in available_targets()}["plan_item"] == "Plan item"


def test_a_group_becomes_a_plan_item_with_its_cards_as_why_and_a_link_back(world, board, client):
    facilitator = world.people["facilitator"]
    ids = [card(world, board, text) for text in ("Year 6 checklist", "Secondary SENCos visit")]
    op(facilitator, board, "cards.reveal")
    group = op(facilitator, board, "group.create", zone=board.zones.first().pk, title="Transitions pilot", cards=ids)
    event = op(facilitator, board, "promote", target="plan_item", group=group.payload["id"])
    item = PlanItem.objects.get()
    assert item.title == "Transitions pilot"
    assert item.why == "- Year 6 checklist\n- Secondary SENCos visit"
    assert (item.collaborative, item.source_board, item.source_group_id) == (world.ours, board, group.payload["id"])
    assert event.payload["url"] == reverse("plan-item", args=["ashford", item.pk])
    assert Promotion.objects.get().target == "plan_item"
    client.force_login(world.people["member"])
    page = client.get(event.payload["url"]).content.decode()
    assert "Transitions pilot" in page and board.title in page


def test_a_member_cannot_promote_to_a_plan_item(world, board):
    card_id = card(world, board, "Drop-in clinics")
    op(world.people["facilitator"], board, "cards.reveal")
    with pytest.raises(Forbidden):
        op(world.people["member"], board, "promote", target="plan_item", card=card_id)
    assert not PlanItem.objects.exists()
