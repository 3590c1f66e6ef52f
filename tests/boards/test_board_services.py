"""Board operations as services on PostgreSQL: defined outcomes of concurrent edits, and promotion to a priority."""

import dataclasses
import threading

import pytest
from django.db import connection

from actionplans.models import Priority
from collab import services
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import Card, LiveEvent, LiveStream, Membership, Promotion, Vote
from collab.services import boards as board_services


def op(principal, board, name, op_key=None, **data):
    return board_services.apply(principal=principal, board_id=board.pk, op=name, data=data, op_key=op_key)


def card(world, board, text, who="member"):
    event = op(world.people[who], board, "card.add", zone=board.zones.first().pk, text=text)
    return event.payload["id"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_from_two_tabs_never_exceed_the_budget(world, board):
    """Two browser tabs of one person vote at the same moment, on separate database connections."""
    facilitator, voter = world.people["facilitator"], world.people["member"]
    options = [card(world, board, f"Option {n}", who="facilitator") for n in range(3)]
    op(facilitator, board, "cards.reveal")
    op(facilitator, board, "phase.set", phase="vote")
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def vote(n):
        start.wait()
        try:
            op(voter, board, "vote.add", card=options[n % 3])
            outcomes.append("ok")
        except Conflict as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 3
    assert Vote.objects.filter(board=board).count() == 3
    seqs = list(LiveEvent.objects.filter(stream__object_id=board.pk).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)), "numbers are gap-free and in order"


@pytest.mark.django_db
def test_the_later_edit_of_a_card_wins_and_a_removed_card_cannot_be_changed(world, board):
    card_id = card(world, board, "First words")
    facilitator = world.people["facilitator"]
    op(world.people["member"], board, "card.edit", card=card_id, text="Author's edit")
    op(facilitator, board, "card.edit", card=card_id, text="Facilitator's later edit")
    assert Card.objects.get(pk=card_id).text == "Facilitator's later edit"
    op(facilitator, board, "card.remove", card=card_id)
    with pytest.raises(Conflict, match="has been removed"):
        op(world.people["member"], board, "card.edit", card=card_id, text="Too late")


@pytest.mark.django_db
def test_others_cannot_touch_a_private_card_or_edit_someone_elses(world, board):
    card_id = card(world, board, "Mine")
    with pytest.raises(DomainError, match="not on this board"):
        op(world.people["anchor"], board, "card.move", card=card_id, zone=board.zones.last().pk)
    op(world.people["facilitator"], board, "cards.reveal")
    with pytest.raises(Forbidden, match="author or the facilitator"):
        op(world.people["anchor"], board, "card.edit", card=card_id, text="Not mine")
    op(world.people["anchor"], board, "card.move", card=card_id, zone=board.zones.last().pk)  # moving is shared


@pytest.mark.django_db
def test_a_locked_board_takes_only_the_facilitators_changes(world, board):
    op(world.people["facilitator"], board, "board.lock", locked=True)
    with pytest.raises(Conflict, match="locked"):
        card(world, board, "Blocked")
    card(world, board, "The facilitator can still write", who="facilitator")


@pytest.mark.django_db
def test_a_group_becomes_a_priority_with_its_cards_and_a_link_back(world, board):
    facilitator = world.people["facilitator"]
    ids = [card(world, board, text) for text in ("Transition data arrives late", "No shared Year 6 profile")]
    op(facilitator, board, "cards.reveal")
    group = op(facilitator, board, "group.create", zone=board.zones.first().pk, title="Transitions", cards=ids)
    event = op(facilitator, board, "promote", target="priority", group=group.payload["id"])
    priority = Priority.objects.get()
    assert priority.title == "Transitions"
    assert priority.description == "- Transition data arrives late\n- No shared Year 6 profile"
    assert priority.collaborative == world.ours and priority.source_board == board
    assert event.payload["url"].endswith(f"/c/ashford/priorities/#priority-{priority.pk}")
    assert Promotion.objects.get().target_id == priority.pk
    with pytest.raises(Forbidden):
        op(world.people["member"], board, "promote", target="priority", card=ids[0])
    assert Priority.objects.count() == 1


@pytest.mark.django_db
def test_promotion_needs_a_known_target_and_one_source(world, board):
    card_id = card(world, board, "Something")
    facilitator = world.people["facilitator"]
    with pytest.raises(DomainError, match="not something a card can become"):
        op(facilitator, board, "promote", target="spaceship", card=card_id)
    with pytest.raises(DomainError, match="either one card or one group"):
        op(facilitator, board, "promote", target="priority")
    assert not Priority.objects.exists()


@pytest.mark.django_db
def test_handing_over_makes_someone_else_the_facilitator(world, board):
    facilitator, member = world.people["facilitator"], world.people["member"]
    card(world, board, "Joining", who="member")
    op(facilitator, board, "facilitator.handover", to=f"u:{member.pk}")
    board.refresh_from_db()
    assert board.facilitator == member
    op(member, board, "phase.set", phase="group")
    with pytest.raises(Forbidden):
        op(facilitator, board, "phase.set", phase="vote")
    op(facilitator, board, "facilitator.take")  # a Collaborative facilitator can take it back
    board.refresh_from_db()
    assert board.facilitator == facilitator
    with pytest.raises(Forbidden):
        op(world.people["anchor"], board, "facilitator.take")


def sent(principal, name, op_key=None, **data):
    return board_services.submission(principal=principal, op=name, data=data, op_key=op_key)


@pytest.mark.django_db
def test_operations_applied_together_keep_their_order_and_each_its_own_outcome(world, board):
    """What a busy board's lane hands over at once: one refusal does not stop the rest, a retry in the same batch is
    applied once, and the events are numbered in the order the operations came."""
    facilitator, member = world.people["facilitator"], world.people["member"]
    board.vote_budget, board.vote_cap_per_card = 2, 1
    board.save()
    options = [card(world, board, f"Option {n}", who="facilitator") for n in range(2)]
    op(facilitator, board, "cards.reveal")
    op(facilitator, board, "phase.set", phase="vote")
    before = LiveEvent.objects.filter(stream__object_id=board.pk).count()

    results = board_services.apply_many(
        board.pk,
        [
            sent(member, "vote.add", op_key="m:1", card=options[0]),
            sent(member, "vote.add", op_key="m:2", card=options[0]),  # over the cap of 1 a card
            sent(member, "vote.add", op_key="m:1", card=options[0]),  # the first one, retried
            sent(facilitator, "vote.add", op_key="f:1", card=options[0]),
            sent(member, "vote.add", op_key="m:3", card=options[1]),
        ],
    )

    first, capped, retried, facilitators, second = results
    assert isinstance(capped, Conflict) and "at most 1 vote on one card" in capped.message
    assert retried.pk == first.pk
    assert (first.payload["cast"], facilitators.payload["cast"], second.payload["cast"]) == (1, 2, 3)
    assert second.payload["remaining"] == 0
    assert [first.seq, facilitators.seq, second.seq] == [before + 1, before + 2, before + 3]
    assert Vote.objects.filter(board=board).count() == 3


def _write_then_refuse(change, *, card, text=None, colour=None):
    Card.objects.filter(pk=card).update(text=text)
    raise Conflict("Refused after writing")


def _announce_then_refuse(change, *, card, text=None, colour=None):
    change.emit("card.updated", {"id": card, "text": text})
    raise Conflict("Refused after announcing")


@pytest.mark.django_db
@pytest.mark.parametrize("edit_then_refuse", [_write_then_refuse, _announce_then_refuse])
def test_an_operation_refused_after_writing_is_undone_and_the_others_still_apply(
    world, board, monkeypatch, edit_then_refuse
):
    member = world.people["member"]
    zone = board.zones.first().pk
    mine = card(world, board, "Keep these words")

    editing = board_services.OPERATIONS["card.edit"]
    monkeypatch.setitem(board_services.OPERATIONS, "card.edit", dataclasses.replace(editing, fn=edit_then_refuse))

    results = board_services.apply_many(
        board.pk,
        [
            sent(member, "card.add", zone=zone, text="Before"),
            sent(member, "card.edit", card=mine, text="Half-written change"),
            sent(member, "card.add", zone=zone, text="After"),
        ],
    )

    assert [type(result).__name__ for result in results] == ["LiveEvent", "Conflict", "LiveEvent"]
    assert Card.objects.get(pk=mine).text == "Keep these words"
    assert sorted(Card.objects.values_list("text", flat=True)) == ["After", "Before", "Keep these words"]
    events = LiveEvent.objects.filter(stream__object_id=board.pk).order_by("seq")
    assert list(events.values_list("seq", flat=True)) == [1, 2, 3], "the undone operation left no number behind"
    assert not events.filter(payload__text="Half-written change").exists()


@pytest.mark.django_db
def test_an_operation_is_checked_against_memberships_as_they_are_now(world, board):
    """A live connection keeps one user object all workshop: what is cached on it must not outlast a membership."""
    member = world.people["member"]
    zone = board.zones.first().pk
    op(member, board, "card.add", zone=zone, text="While a member")
    services.membership_leave(
        actor=world.people["facilitator"], membership=Membership.objects.get(user=member, collaborative=world.ours)
    )
    with pytest.raises(NotFound):
        op(member, board, "card.add", zone=zone, text="After leaving")
    assert list(Card.objects.values_list("text", flat=True)) == ["While a member"]


@pytest.mark.django_db
def test_a_retry_in_a_later_batch_gets_the_first_result_and_the_rest_still_apply(world, board):
    """The stream lock also finds which operations of a batch were applied before (a client retrying after a lost
    acknowledgement)."""
    member = world.people["member"]
    zone = board.zones.first().pk
    [first] = board_services.apply_many(board.pk, [sent(member, "card.add", op_key="m:1", zone=zone, text="Once")])

    retried, new = board_services.apply_many(
        board.pk,
        [
            sent(member, "card.add", op_key="m:1", zone=zone, text="Once"),
            sent(member, "card.add", op_key="m:2", zone=zone, text="Then this"),
        ],
    )

    assert retried.pk == first.pk and new.seq == first.seq + 1
    assert sorted(Card.objects.values_list("text", flat=True)) == ["Once", "Then this"]


@pytest.mark.django_db
def test_a_board_without_a_stream_gets_one_with_its_first_change_and_an_unknown_board_is_not_found(world, board):
    member = world.people["member"]
    zone = board.zones.first().pk
    LiveStream.objects.filter(kind="board", object_id=board.pk).delete()

    event = op(member, board, "card.add", zone=zone, text="First words")

    assert event.seq == 1 and LiveStream.objects.get(kind="board", object_id=board.pk).seq == 1
    results = board_services.apply_many(
        board.pk + 1000, [sent(member, "card.add", zone=zone, text=f"Nowhere {n}") for n in range(2)]
    )
    assert all(isinstance(result, NotFound) for result in results)
    assert not LiveStream.objects.filter(object_id=board.pk + 1000).exists()
