"""The audit trail of a board: who did what that shapes it (reveal, lock, settings, promotion, removals, handing
over, phases), who joined as a guest — and not every card or vote, nor any card's text."""

import pytest

from collab.models import AuditEvent
from collab.services import boards as board_services


def op(principal, board, name, **data):
    return board_services.apply(principal=principal, board_id=board.pk, op=name, data=data, op_key=None)


@pytest.mark.django_db
def test_what_shapes_a_board_is_in_the_audit_trail_with_who_did_it(world, board):
    facilitator, member = world.people["facilitator"], world.people["member"]
    zone = board.zones.first().pk
    before = AuditEvent.objects.count()
    card = op(member, board, "card.add", zone=zone, text="A private thought about a child").payload["id"]
    op(facilitator, board, "board.lock", locked=True)
    op(facilitator, board, "board.lock", locked=False)
    op(facilitator, board, "cards.reveal")
    op(facilitator, board, "phase.set", phase="vote")
    op(member, board, "vote.add", card=card)
    op(facilitator, board, "board.settings", title="Renamed")
    op(facilitator, board, "promote", target="priority", card=card)
    op(member, board, "card.remove", card=card)
    trail = list(AuditEvent.objects.order_by("id")[before:])
    board_actions = [(e.action, e.actor) for e in trail if e.target_type == "collab.board"]
    assert board_actions == [
        ("board.board.lock", facilitator),
        ("board.board.lock", facilitator),
        ("board.cards.reveal", facilitator),
        ("board.phase.set", facilitator),
        ("board.board.settings", facilitator),
        ("board.promote", facilitator),
        ("board.card.remove", member),
    ]
    removal = trail[-1]
    assert removal.changes == {"card": [None, card]} and removal.collaborative == world.ours
    # The board's own records name cards by id only (a priority made from a card is titled with it, after the reveal).
    assert not any(
        "private thought" in str(e.changes) + e.target_label for e in trail if e.target_type == "collab.board"
    )


@pytest.mark.django_db
def test_a_guest_joining_and_removing_their_card_is_recorded_under_their_name(world, board):
    link = board_services.guest_link_create(actor=world.people["facilitator"], board=board)
    guest = board_services.guest_join(code=link.code, display_name="Sam (parent)")
    joined = AuditEvent.objects.get(action="guest.join")
    assert joined.actor is None and joined.actor_label == "Guest: Sam (parent)"
    assert joined.collaborative == world.ours and joined.changes["board"] == [None, board.pk]
    card = op(guest, board, "card.add", zone=board.zones.first().pk, text="Mine").payload["id"]
    op(guest, board, "card.remove", card=card)
    removal = AuditEvent.objects.get(action="board.card.remove")
    assert removal.actor is None and removal.actor_label == "Guest: Sam (parent)"
