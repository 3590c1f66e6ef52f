"""Private writing and anonymity, per viewer: until a board is revealed, no text of a hidden card reaches anyone but its
author and the facilitator, and nobody but the facilitator learns who wrote an anonymous card or a hidden one —
through any event, replay, snapshot, workshop record or promotion.

The property test drives random sequences of every board operation by a facilitator, two members and a guest, and
after each step looks at everything each of them could be sent: every stored event as the one outgoing filter
(`live.for_viewer`) passes it (live frames, acks and replays all go through it), a fresh snapshot, and the workshop
record."""

import itertools
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionplans.models import Priority
from collab import live
from collab.errors import Conflict, DomainError
from collab.models import Board, Card, LiveEvent, Promotion, Workshop
from collab.selectors.boards import board_get, board_state, workshop_record
from collab.services import boards as board_services


def op(principal, board, name, **data):
    return board_services.apply(principal=principal, board_id=board.pk, op=name, data=data, op_key=None)


def add(principal, board, text, anonymous=False):
    zone = board.zones.first().pk
    return op(principal, board, "card.add", zone=zone, text=text, anonymous=anonymous).payload["id"]


def wires(board):
    stream = board_services.LiveStream.objects.get(kind=board_services.KIND, object_id=board.pk)
    return [live.event_to_wire(e) for e in LiveEvent.objects.filter(stream=stream).order_by("seq")]


def viewer_of(principal, board):
    return board_get(principal, board.pk)[1]


@pytest.mark.django_db
def test_a_hidden_card_cannot_be_promoted_and_nothing_is_copied(world, board):
    facilitator = world.people["facilitator"]
    secret = add(world.people["member"], board, "My head teacher excludes too quickly")
    group = op(facilitator, board, "group.create", zone=board.zones.first().pk, title="Exclusions", cards=[secret])
    for source in ({"card": secret}, {"group": group.payload["id"]}):
        with pytest.raises(Conflict, match="Reveal the cards before promoting"):
            op(facilitator, board, "promote", target="priority", **source)
    assert not Priority.objects.exists() and not Promotion.objects.exists()
    assert not any("excludes" in json.dumps(w) for w in wires(board) if w["type"] == "promoted")

    op(facilitator, board, "cards.reveal")
    op(facilitator, board, "promote", target="priority", card=secret)
    assert Priority.objects.get().title == "My head teacher excludes too quickly"


@pytest.mark.django_db
def test_cards_never_revealed_can_be_revealed_after_the_workshop_to_be_promoted(world, board):
    facilitator = world.people["facilitator"]
    secret = add(world.people["member"], board, "Written before the end")
    Workshop.objects.filter(pk=board.workshop_id).update(ended_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict, match="Reveal the cards"):
        op(facilitator, board, "promote", target="priority", card=secret)
    op(facilitator, board, "cards.reveal")
    op(facilitator, board, "promote", target="priority", card=secret)
    assert Priority.objects.get().title == "Written before the end"


@pytest.mark.django_db
def test_nobody_but_the_facilitator_and_the_author_is_told_who_wrote_an_anonymous_card(world, board):
    facilitator, author, other = (world.people[r] for r in ("facilitator", "member", "anchor"))
    op(facilitator, board, "cards.reveal")
    card = add(author, board, "Parents are not asked", anonymous=True)
    op(author, board, "card.edit", card=card, text="Parents are not asked early enough")
    op(author, board, "card.move", card=card, position=5.0)
    op(author, board, "card.remove", card=card)
    events = [w for w in wires(board) if w["type"].startswith("card.")]
    assert [w["type"] for w in events] == ["card.added", "card.updated", "card.moved", "card.removed"]
    for wire in events:
        assert live.for_viewer(viewer_of(other, board), wire)["actor"] is None
        assert live.for_viewer(viewer_of(author, board), wire)["actor"] == f"u:{author.pk}"
        assert live.for_viewer(viewer_of(facilitator, board), wire)["actor"] == f"u:{author.pk}"
    # A named card's author is no secret.
    named = add(author, board, "Signed")
    [added] = [w for w in wires(board) if w["type"] == "card.added" and w["payload"]["id"] == named]
    assert live.for_viewer(viewer_of(other, board), added)["actor"] == f"u:{author.pk}"


@pytest.mark.django_db
def test_a_hidden_cards_placeholder_does_not_say_who_wrote_it(world, board):
    author, other = world.people["member"], world.people["anchor"]
    add(author, board, "Private for now")
    [added] = [w for w in wires(board) if w["type"] == "card.added"]
    seen = live.for_viewer(viewer_of(other, board), added)
    assert seen["data"]["hidden"] is True and seen["actor"] is None


@pytest.mark.django_db
def test_turning_private_writing_off_reveals_the_cards_as_a_reveal_does(world, board):
    facilitator, author, other = (world.people[r] for r in ("facilitator", "member", "anchor"))
    add(author, board, "Transitions start too late")
    op(facilitator, board, "board.settings", private_writing=False)
    board.refresh_from_db()
    assert board.revealed_at is not None
    last = wires(board)[-1]
    seen = live.for_viewer(viewer_of(other, board), last)
    assert seen["type"] == "cards.revealed"
    assert [c["text"] for c in seen["data"]["cards"]] == ["Transitions start too late"]
    with pytest.raises(Conflict, match="cannot be turned back on"):
        op(facilitator, board, "board.settings", private_writing=True)


# --- The property: whatever happens, nothing hidden leaves the server ---------------------------------------------

OPERATIONS = [
    "card.add",
    "card.add.anonymous",
    "card.edit",
    "card.move",
    "card.remove",
    "group.create",
    "group.rename",
    "group.remove",
    "vote.add",
    "vote.remove",
    "phase.set.vote",
    "phase.set.discuss",
    "cards.reveal",
    "private_writing.off",
    "promote.card",
    "promote.group",
    "spotlight.card",
    "board.lock",
    "timer.set",
    "spotlight.group",
    "card.move.group",
    "zone.add",
    "zone.update",
    "breakout.join",
    "breakouts.converge",
    "facilitator.handover",
    "facilitator.take",
]

steps = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(OPERATIONS), st.integers(0, 20)), min_size=1, max_size=14)


class Walk:
    """One board and four people acting on it at random; every text written is unique, so it can be searched for."""

    texts = itertools.count(1)

    def __init__(self, world, workshop):
        facilitator = world.people["facilitator"]
        self.board = board_services.board_create(actor=facilitator, workshop=workshop, title="Walk", vote_budget=3)
        link = board_services.guest_link_create(actor=facilitator, board=self.board)
        guest = board_services.guest_join(code=link.code, display_name="Sam (parent)")
        self.people = [facilitator, world.people["member"], world.people["anchor"], guest]
        self.zone = self.board.zones.first().pk
        self.written: dict[str, str] = {}  # every text a card has carried → its author's key

    def card_ids(self):
        return list(Card.objects.filter(board=self.board).order_by("pk").values_list("pk", flat=True))

    def group_ids(self):
        return list(self.board.groups.order_by("pk").values_list("pk", flat=True))

    def act(self, who: int, name: str, pick: int) -> None:
        person = self.people[who]
        cards, groups = self.card_ids(), self.group_ids()
        card = cards[pick % len(cards)] if cards else 1
        group = groups[pick % len(groups)] if groups else 1
        text = f"secret-{next(self.texts)}-words"
        calls = {
            "card.add": ("card.add", {"zone": self.zone, "text": text}),
            "card.add.anonymous": ("card.add", {"zone": self.zone, "text": text, "anonymous": True}),
            "card.edit": ("card.edit", {"card": card, "text": text}),
            "card.move": ("card.move", {"card": card, "position": float(pick)}),
            "card.remove": ("card.remove", {"card": card}),
            "group.create": ("group.create", {"zone": self.zone, "title": f"Group {pick}", "cards": cards[:pick]}),
            "group.rename": ("group.rename", {"group": group, "title": f"Renamed {pick}"}),
            "group.remove": ("group.remove", {"group": group}),
            "vote.add": ("vote.add", {"card": card}),
            "vote.remove": ("vote.remove", {"card": card}),
            "phase.set.vote": ("phase.set", {"phase": "vote"}),
            "phase.set.discuss": ("phase.set", {"phase": "discuss"}),
            "cards.reveal": ("cards.reveal", {}),
            "private_writing.off": ("board.settings", {"private_writing": False}),
            "promote.card": ("promote", {"target": "priority", "card": card}),
            "promote.group": ("promote", {"target": "priority", "group": group}),
            "spotlight.card": ("spotlight.set", {"kind": "card", "id": card}),
            "board.lock": ("board.lock", {"locked": bool(pick % 2)}),
            "timer.set": ("timer.set", {"action": "start", "seconds": pick + 1}),
            "spotlight.group": ("spotlight.set", {"kind": "group", "id": group}),
            "card.move.group": ("card.move", {"card": card, "group": group}),
            "zone.add": ("zone.add", {"title": f"Zone {pick}", "breakout": "Room A" if pick % 2 else ""}),
            "zone.update": ("zone.update", {"zone": self.zone, "breakout": "Room A" if pick % 2 else ""}),
            "breakout.join": ("breakout.join", {"breakout": "Room A" if pick % 2 else ""}),
            "breakouts.converge": ("breakouts.converge", {}),
            "facilitator.handover": ("facilitator.handover", {"to": f"u:{self.people[pick % 3].pk}"}),
            "facilitator.take": ("facilitator.take", {}),
        }
        op_name, data = calls[name]
        try:
            op(person, self.board, op_name, **data)
        except DomainError:
            return
        if op_name in ("card.add", "card.edit"):  # the text is its card's author's (the facilitator may edit it)
            self.written[text] = Card.objects.get(board=self.board, text=text).author.key

    def check(self) -> None:
        board = Board.objects.get(pk=self.board.pk)
        anonymous = dict(Card.objects.filter(board=board, anonymous=True).values_list("pk", "author__key"))
        hidden = not board.is_revealed
        events = wires(board)
        for person in self.people:
            viewer = viewer_of(person, board)
            others = [text for text, author in self.written.items() if author != viewer.key]
            frames = [live.for_viewer(viewer, wire) for wire in events]
            state = board_state(viewer, board)
            if hidden and not viewer.moderator:
                seen = json.dumps([frames, state])
                if viewer.user_id:
                    seen += json.dumps(_record_texts(person, board.workshop))
                leaked = [text for text in others if text in seen]
                assert not leaked, f"{viewer.display_name} was sent hidden text {leaked}"
            if viewer.moderator:
                continue
            for frame in frames:
                actor = frame["actor"]
                if actor is None or actor == viewer.key:
                    continue
                data = frame["data"] or {}
                assert not data.get("hidden"), f"{viewer.display_name} learnt who wrote a hidden card: {frame}"
                about = data.get("id") if frame["type"].startswith("card.") else None
                assert anonymous.get(about) != actor, f"{viewer.display_name} learnt an anonymous author: {frame}"
            for card in state["cards"]:
                if card.get("anonymous") or card.get("hidden"):
                    assert not card.get("author") and not card.get("author_key")


def _record_texts(user, workshop) -> list:
    record = workshop_record(user, workshop)
    return [
        [[c.text, c.author] for c in b.ranked] + [b.ungrouped, b.groups, [p.target_label for p in b.promotions]]
        for b in record.boards
    ]


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_no_hidden_text_nor_anonymous_author_reaches_anyone_whatever_happens(world, workshop, steps):
    walk = Walk(world, workshop)
    for who, name, pick in steps:
        walk.act(who, name, pick)
        walk.check()
