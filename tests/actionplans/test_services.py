"""The shared vision's services on PostgreSQL: drafting together, publishing numbered versions that keep their words,
and endorsing the current version once per member, with the rights of each role."""

import threading

import pytest
from django.db import connection

from actionplans import services
from actionplans.models import Endorsement, EndorsementResponse, VisionStatement, VisionVersion
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import AuditEvent, Membership, Sector
from tests.actionplans import builders as b

pytestmark = pytest.mark.django_db


def draft(world, collaborative=None):
    collaborative = collaborative or world.ours
    return list(
        VisionStatement.objects.filter(collaborative=collaborative, removed_at__isnull=True)
        .order_by("position")
        .values_list("text", "position")
    )


# --- Drafting --------------------------------------------------------------------------------------------------------


def test_facilitators_and_anchors_draft_statements_in_order(world):
    b.statement(world, "Every child is known.", who="facilitator")
    b.statement(world, "Families are partners.", who="anchor")
    assert draft(world) == [("Every child is known.", 1), ("Families are partners.", 2)]
    event = AuditEvent.objects.filter(action="vision_statement.create").latest("pk")
    assert event.collaborative == world.ours and event.changes["text"] == [None, "Families are partners."]


@pytest.mark.parametrize(
    ("who", "error"), [("member", Forbidden), ("lead", Forbidden), ("observer", Forbidden), ("outsider", NotFound)]
)
def test_others_cannot_draft_and_nothing_is_written(world, who, error):
    with pytest.raises(error):
        services.vision_statement_create(actor=world.people[who], collaborative=world.ours, text="Our vision.")
    assert not VisionStatement.objects.exists() and not AuditEvent.objects.exists()


def test_a_statement_needs_words_within_the_limit(world):
    facilitator = world.people["facilitator"]
    with pytest.raises(DomainError) as empty:
        services.vision_statement_create(actor=facilitator, collaborative=world.ours, text="   ")
    assert empty.value.fields == {"text": ["Write the statement."]}
    with pytest.raises(DomainError) as long:
        services.vision_statement_create(actor=facilitator, collaborative=world.ours, text="x" * 1001)
    assert "1,000 characters" in long.value.fields["text"][0]
    assert not VisionStatement.objects.exists()


def test_an_edit_from_an_older_revision_is_refused_not_overwritten(world):
    statement = b.statement(world, "Every child is known.")
    services.vision_statement_update(
        actor=world.people["anchor"],
        statement=statement,
        text="Every child is known and welcomed.",
        expected_revision=1,
    )
    with pytest.raises(Conflict, match="Every child is known and welcomed"):
        services.vision_statement_update(
            actor=world.people["facilitator"], statement=statement, text="Every pupil counts.", expected_revision=1
        )
    statement.refresh_from_db()
    assert statement.text == "Every child is known and welcomed." and statement.revision == 2
    assert statement.updated_by == world.people["anchor"]


def test_taking_a_statement_out_closes_the_gap_and_it_cannot_be_edited_after(world):
    first, second, third = (b.statement(world, text) for text in ("One.", "Two.", "Three."))
    services.vision_statement_remove(actor=world.people["facilitator"], statement=second)
    assert draft(world) == [("One.", 1), ("Three.", 2)]
    with pytest.raises(NotFound):
        services.vision_statement_update(actor=world.people["facilitator"], statement=second, text="Back?")
    assert VisionStatement.objects.get(pk=second.pk).removed_by == world.people["facilitator"]


def test_reordering_needs_every_statement_of_the_draft_once(world):
    one, two, three = (b.statement(world, text) for text in ("One.", "Two.", "Three."))
    theirs = b.statement(world, "Brindle's.", collaborative=world.theirs)
    facilitator = world.people["facilitator"]
    for order, message in [
        ([one.pk, two.pk], "missing"),
        ([one.pk, two.pk, three.pk, theirs.pk], "not in this draft"),
        ([one.pk, one.pk, two.pk, three.pk], "each statement once"),
    ]:
        with pytest.raises(DomainError, match=message) as error:
            services.vision_statements_reorder(actor=facilitator, collaborative=world.ours, order=order)
        assert "order" in error.value.fields
    assert draft(world) == [("One.", 1), ("Two.", 2), ("Three.", 3)]
    services.vision_statements_reorder(actor=facilitator, collaborative=world.ours, order=[three.pk, one.pk, two.pk])
    assert draft(world) == [("Three.", 1), ("One.", 2), ("Two.", 3)]
    assert AuditEvent.objects.filter(action="vision_statement.reorder").count() == 1


def test_moving_up_and_down_one_place_at_a_time(world):
    one, two, three = (b.statement(world, text) for text in ("One.", "Two.", "Three."))
    anchor = world.people["anchor"]
    services.vision_statement_move(actor=anchor, statement=three, direction="up")
    assert draft(world) == [("One.", 1), ("Three.", 2), ("Two.", 3)]
    services.vision_statement_move(actor=anchor, statement=one, direction="down")
    assert draft(world) == [("Three.", 1), ("One.", 2), ("Two.", 3)]
    with pytest.raises(Conflict, match="already the first"):
        services.vision_statement_move(actor=anchor, statement=three, direction="up")
    with pytest.raises(DomainError, match="up or down"):
        services.vision_statement_move(actor=anchor, statement=three, direction="sideways")
    with pytest.raises(Forbidden):
        services.vision_statement_move(actor=world.people["member"], statement=two, direction="up")


# --- Publishing ------------------------------------------------------------------------------------------------------


def test_a_published_version_keeps_its_words_when_the_draft_changes(world):
    one = b.statement(world, "Every child is known.")
    b.statement(world, "Families are partners.")
    first = services.vision_publish(actor=world.people["anchor"], collaborative=world.ours, note="After workshop 2.")
    assert first.number == 1 and first.published_by == world.people["anchor"]
    assert first.texts == ["Every child is known.", "Families are partners."]
    services.vision_statement_update(actor=world.people["facilitator"], statement=one, text="Every child belongs.")
    second = services.vision_publish(actor=world.people["facilitator"], collaborative=world.ours)
    first.refresh_from_db()
    assert first.texts == ["Every child is known.", "Families are partners."], "earlier versions are kept as published"
    assert second.number == 2 and second.texts == ["Every child belongs.", "Families are partners."]
    assert [item["statement"] for item in second.statements] == list(
        VisionStatement.objects.order_by("position").values_list("pk", flat=True)
    )
    assert AuditEvent.objects.filter(action="vision.publish").count() == 2


def test_publishing_needs_a_draft_that_differs_from_the_current_version(world):
    facilitator = world.people["facilitator"]
    with pytest.raises(DomainError, match="at least one statement"):
        services.vision_publish(actor=facilitator, collaborative=world.ours)
    b.publish(world)
    with pytest.raises(Conflict, match="same as version 1"):
        services.vision_publish(actor=facilitator, collaborative=world.ours)
    assert VisionVersion.objects.count() == 1


@pytest.mark.parametrize(("who", "error"), [("member", Forbidden), ("observer", Forbidden), ("outsider", NotFound)])
def test_only_facilitators_and_anchors_publish(world, who, error):
    b.statement(world)
    with pytest.raises(error):
        services.vision_publish(actor=world.people[who], collaborative=world.ours)
    assert not VisionVersion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_people_publishing_at_once_make_one_version(world):
    """The facilitator and the anchor press "publish" at the same moment, on separate database connections."""
    b.statement(world, "Every child is known.")
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def publish(who):
        start.wait()
        try:
            services.vision_publish(actor=world.people[who], collaborative=world.ours)
            outcomes.append("published")
        except Conflict as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(who,)) for who in ("facilitator", "anchor")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["The draft is the same as version 1, which is already published.", "published"]
    assert list(VisionVersion.objects.values_list("number", flat=True)) == [1]


@pytest.mark.django_db(transaction=True)
def test_statements_added_at_once_get_distinct_places(world):
    start = threading.Barrier(6)

    def add(n):
        start.wait()
        try:
            b.statement(world, f"Statement {n}.", who="facilitator" if n % 2 else "anchor")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(position for _, position in draft(world)) == [1, 2, 3, 4, 5, 6]


# --- Endorsing -------------------------------------------------------------------------------------------------------


def test_a_member_endorses_once_and_can_change_their_response(world):
    version = b.publish(world)
    member = world.people["member"]
    endorsement, created = services.endorsement_give(
        actor=member, version=version, response="agree_with_reservations", comment="Capacity in CAMHS."
    )
    assert created and endorsement.sector == Sector.PRIMARY_SCHOOL
    again, created = services.endorsement_give(actor=member, version=version, response="agree")
    assert not created and again.pk == endorsement.pk
    assert Endorsement.objects.get().response == EndorsementResponse.AGREE
    assert Endorsement.objects.get().comment == ""
    actions = list(AuditEvent.objects.filter(target_type="actionplans.endorsement").values_list("action", flat=True))
    assert sorted(actions) == ["endorsement.create", "endorsement.update"]


def test_the_sector_is_the_one_held_when_responding(world):
    version = b.publish(world)
    member = world.people["member"]
    b.endorse(world, version, "member")
    Membership.objects.filter(user=member, collaborative=world.ours).update(sector=Sector.HEALTH)
    assert Endorsement.objects.get().sector == Sector.PRIMARY_SCHOOL, "a later move does not rewrite the response"
    b.endorse(world, version, "member", response="disagree")
    assert Endorsement.objects.get().sector == Sector.HEALTH, "responding again records the sector then"


@pytest.mark.parametrize(
    ("who", "error", "message"),
    [
        ("observer", Forbidden, "observer"),
        ("programme_team", Forbidden, "Only members of Ashford Collaborative endorse its vision"),
        ("outsider", NotFound, "Not found"),
    ],
)
def test_observers_the_programme_team_and_other_localities_do_not_endorse(world, who, error, message):
    version = b.publish(world)
    with pytest.raises(error, match=message):
        services.endorsement_give(actor=world.people[who], version=version, response="agree")
    assert not Endorsement.objects.exists()


def test_an_earlier_version_takes_no_more_responses(world):
    first = b.publish(world, texts=["One."])
    endorsement = b.endorse(world, first, "member")
    b.publish(world, texts=["One, reworded."])
    with pytest.raises(Conflict, match="replaced by version 2"):
        services.endorsement_give(actor=world.people["anchor"], version=first, response="agree")
    with pytest.raises(Conflict, match="replaced by version 2"):
        services.endorsement_change(actor=world.people["member"], endorsement=endorsement, response="disagree")
    assert list(Endorsement.objects.values_list("response", flat=True)) == ["agree"]


def test_only_the_person_who_responded_changes_a_response(world):
    version = b.publish(world)
    endorsement = b.endorse(world, version, "member", comment="Yes.")
    with pytest.raises(Forbidden, match="Only the person who gave a response"):
        services.endorsement_change(actor=world.people["facilitator"], endorsement=endorsement, response="disagree")
    changed = services.endorsement_change(actor=world.people["member"], endorsement=endorsement, comment="Yes, mostly.")
    assert (changed.response, changed.comment) == ("agree", "Yes, mostly.")


def test_a_response_must_be_one_of_the_three_and_a_comment_within_the_limit(world):
    version = b.publish(world)
    member = world.people["member"]
    with pytest.raises(DomainError) as bad:
        services.endorsement_give(actor=member, version=version, response="maybe")
    assert "response" in bad.value.fields
    with pytest.raises(DomainError) as long:
        services.endorsement_give(actor=member, version=version, response="agree", comment="x" * 2001)
    assert "comment" in long.value.fields
    assert not Endorsement.objects.exists()
