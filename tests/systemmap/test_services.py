"""Map services on PostgreSQL: who may change what, everything inside one map (also for the database itself),
evidence by role only with sensitive items withheld, versions and their comparison, comments, and promotion from a
workshop board."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from collab.errors import DomainError, Forbidden, NotFound
from collab.models import AuditEvent, LiveEvent, Promotion
from collab.services import boards as board_services
from systemmap import selectors, services
from systemmap.models import Connection, Element, Evidence, Finding, Map, MapComment
from systemmap.rules import clean_attribution
from tests.systemmap import builders as b

pytestmark = pytest.mark.django_db


def events(map_):
    return list(LiveEvent.objects.filter(stream__kind="systemmap", stream__object_id=map_.pk).order_by("seq"))


# --- Who may change a map -------------------------------------------------------------------------------------------


def test_facilitators_anchors_and_the_programme_team_edit_maps_members_and_observers_do_not(world):
    map_ = b.a_map(world)
    for who in ("facilitator", "anchor", "programme_team"):
        services.element_create(actor=world.people[who], map=map_, label=f"By {who}", type="service")
    for who in ("member", "observer", "lead"):
        with pytest.raises(Forbidden):
            services.element_create(actor=world.people[who], map=map_, label="Not allowed", type="service")
    with pytest.raises(NotFound):  # another locality's map does not exist for them
        services.element_create(actor=world.people["outsider"], map=map_, label="Not here", type="service")
    assert sorted(Element.objects.filter(map=map_).values_list("label", flat=True)) == [
        "By anchor",
        "By facilitator",
        "By programme_team",
    ]


def test_every_change_is_audited_and_becomes_a_numbered_event(world):
    map_, (a, b_, c, lonely), (ab, *_) = b.small_map(world)
    services.element_update(actor=world.people["anchor"], element=a, label="Long waiting lists", x=10.0)
    services.connection_update(actor=world.people["anchor"], connection=ab, strength=5)
    types = [e.type for e in events(map_)]
    assert types[-2:] == ["element.updated", "connection.updated"]
    assert [e.seq for e in events(map_)] == list(range(1, len(types) + 1))
    update = AuditEvent.objects.filter(action="systemmap.element.update").get()
    assert update.changes == {"label": ["Waiting lists", "Long waiting lists"], "x": [None, 10.0]}
    assert update.collaborative == world.ours


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_to_one_map_get_gap_free_numbers(world):
    """Several people edit at the same moment, on separate database connections (the stream lock serialises)."""
    map_ = b.a_map(world)
    start = threading.Barrier(6)

    def add(n):
        start.wait()
        try:
            services.element_create(actor=world.people["facilitator"], map=map_, label=f"At once {n}", type="need")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Element.objects.filter(map=map_).count() == 6
    assert [e.seq for e in events(map_)] == list(range(1, 7))


# --- Inside one map -------------------------------------------------------------------------------------------------


def test_a_connection_joins_two_different_elements_of_the_same_map(world):
    map_, (a, *_), _ = b.small_map(world)
    other = b.a_map(world)
    stranger = b.element(world, other, "On another map")
    with pytest.raises(DomainError, match="not on this map"):
        b.connect(world, map_, a, stranger)
    with pytest.raises(DomainError, match="two different elements"):
        b.connect(world, map_, a, a)
    assert not Connection.objects.filter(target=stranger).exists()


def test_the_database_itself_refuses_a_connection_to_another_maps_element(world):
    map_, (a, *_), _ = b.small_map(world)
    stranger = b.element(world, b.a_map(world), "On another map")
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(map=map_, source=a, target=stranger)
        connection.check_constraints()  # the composite foreign key is deferred to the end of the transaction


def test_the_database_refuses_evidence_on_another_maps_element(world):
    map_, _, _ = b.small_map(world)
    stranger = b.element(world, b.a_map(world), "On another map")
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            map=map_,
            element=stranger,
            kind="quote",
            source_kind="parent",
            text="x",
            created_by=world.people["facilitator"],
        )
        connection.check_constraints()


def test_removing_an_element_removes_its_connections_and_evidence_and_says_so(world):
    map_, (a, b_, c, _), (ab, bc, ca) = b.small_map(world)
    on_element = b.quote(world, map_, element=a)
    on_connection = b.quote(world, map_, connection=bc)
    services.element_delete(actor=world.people["facilitator"], element=b_)
    removed = events(map_)[-1]
    assert removed.type == "element.removed"
    assert removed.payload == {"id": b_.pk, "connections": sorted([ab.pk, bc.pk]), "evidence": [on_connection.pk],
                               "comments": []}  # fmt: skip
    assert set(Connection.objects.filter(map=map_).values_list("pk", flat=True)) == {ca.pk}
    assert Evidence.objects.filter(pk=on_element.pk).exists() and not Evidence.objects.filter(pk=on_connection.pk)


def test_a_change_to_something_removed_meanwhile_is_refused(world):
    map_, (a, *_), _ = b.small_map(world)
    stale = Element.objects.get(pk=a.pk)
    services.element_delete(actor=world.people["facilitator"], element=a)
    with pytest.raises(DomainError, match="not on this map"):
        services.element_update(actor=world.people["anchor"], element=stale, label="Too late")


def test_a_finding_links_only_elements_and_evidence_of_its_own_map(world):
    map_, (a, *_), _ = b.small_map(world)
    stranger = b.element(world, b.a_map(world), "On another map")
    with pytest.raises(DomainError, match="Not on this map: element"):
        b.finding(world, map_, "Waits", elements=[a, stranger])
    assert not Finding.objects.exists()
    finding = b.finding(world, map_, "Waits", elements=[a])
    assert list(finding.elements.all()) == [a]


# --- Evidence -----------------------------------------------------------------------------------------------------


ROLES = ["Year 9 pupil", "SENCo", "Parent of a child with an EHCP", "Virtual School Head", "CAMHS clinician",
         "Headteacher", "Grandmother", "Early help practitioner"]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_attribution_by_role_is_accepted(role):
    assert clean_attribution(role, required=True) == role


@pytest.mark.parametrize("name", ["Sarah Jones", "Mrs Patel", "sam@example.org", "Tom", "Dr. Okafor, SENCo",
                                  "07700 900123", "Aisha Khan Begum"])  # fmt: skip
def test_attribution_that_looks_like_a_name_is_refused(name):
    with pytest.raises(DomainError, match="role only"):
        clean_attribution(name, required=True)


def test_a_quote_needs_an_attribution_and_a_count_belongs_to_a_data_point(world):
    map_, (a, *_), _ = b.small_map(world)
    with pytest.raises(DomainError, match="role"):
        b.quote(world, map_, element=a, attribution="")
    with pytest.raises(DomainError, match="Only a data point has a count"):
        b.quote(world, map_, element=a, count=3)
    with pytest.raises(DomainError, match="one element, connection or finding"):
        services.evidence_create(actor=world.people["facilitator"], map=map_, kind="quote", source_kind="child",
                                 text="x", attribution="Year 9 pupil")  # fmt: skip


def test_sensitive_evidence_is_seen_and_handled_only_by_facilitators_and_the_programme_team(world):
    map_, (a, *_), _ = b.small_map(world)
    secret = b.quote(world, map_, element=a, sensitive=True, text="What happened at home.")
    with pytest.raises(Forbidden, match="sensitive"):
        services.evidence_create(
            actor=world.people["anchor"], map=map_, element=a, kind="quote", source_kind="child", text="x",
            attribution="Year 9 pupil", sensitive=True,
        )  # fmt: skip
    with pytest.raises(NotFound):
        services.evidence_update(actor=world.people["anchor"], evidence=secret, text="Changed")
    for who in ("member", "observer", "anchor"):
        visible = selectors.evidence_visible(world.people[who])
        assert not visible.filter(pk=secret.pk).exists(), who
        data = selectors.map_data(world.people[who], map_)
        [stub] = [v for v in data["evidence"] if v["id"] == secret.pk]
        assert stub == {"id": secret.pk, "element": a.pk, "connection": None, "finding": None, "sensitive": True,
                        "hidden": True}  # fmt: skip
        assert "What happened at home." not in str(data)
    for who in ("facilitator", "programme_team"):
        assert selectors.evidence_visible(world.people[who]).filter(pk=secret.pk).exists()
        [full] = [v for v in selectors.map_data(world.people[who], map_)["evidence"] if v["id"] == secret.pk]
        assert full["text"] == "What happened at home."


def test_small_counts_show_as_fewer_than_5_to_everyone_but_facilitators(world):
    map_, (a, *_), _ = b.small_map(world)
    small, large = b.data_point(world, map_, element=a, count=3), b.data_point(world, map_, element=a, count=212)
    as_member = {v["id"]: v for v in selectors.map_data(world.people["member"], map_)["evidence"]}
    assert (as_member[small.pk]["count"], as_member[small.pk]["count_display"]) == (None, "fewer than 5")
    assert as_member[small.pk]["suppressed"] is True
    assert (as_member[large.pk]["count"], as_member[large.pk]["count_display"]) == (212, "212")
    as_facilitator = {v["id"]: v for v in selectors.map_data(world.people["facilitator"], map_)["evidence"]}
    assert (as_facilitator[small.pk]["count"], as_facilitator[small.pk]["suppressed"]) == (3, False)


def test_the_audit_trail_does_not_keep_the_words_of_evidence(world):
    map_, (a, *_), _ = b.small_map(world)
    evidence = b.quote(world, map_, element=a, text="Words that stay with the evidence.")
    services.evidence_update(actor=world.people["facilitator"], evidence=evidence, text="Other words entirely.")
    trail = str(list(AuditEvent.objects.filter(action__startswith="systemmap.evidence").values("changes")))
    assert "Words that stay" not in trail and "Other words" not in trail


# --- Versions -----------------------------------------------------------------------------------------------------


def test_comparing_versions_shows_what_was_added_removed_changed_and_moved(world):
    map_, (a, b_, c, lonely), (ab, bc, ca) = b.small_map(world)
    b.quote(world, map_, element=a, sensitive=True)
    year_one = services.version_create(actor=world.people["facilitator"], map=map_, label="Year 1 map")
    assert (year_one.element_count, year_one.connection_count) == (4, 3)
    services.element_update(actor=world.people["facilitator"], element=a, label="Long waits")
    services.elements_move(actor=world.people["facilitator"], map=map_, positions=[(c.pk, 5.0, 6.0)])
    services.element_delete(actor=world.people["facilitator"], element=lonely)
    added = b.element(world, map_, "School nursing")
    b.quote(world, map_, element=added, sensitive=True)
    year_two = services.version_create(actor=world.people["facilitator"], map=map_, label="Year 2 review")
    diff = selectors.version_compare(world.people["member"], year_one, year_two)
    assert [e["id"] for e in diff["elements"]["added"]] == [added.pk]
    assert [e["id"] for e in diff["elements"]["removed"]] == [lonely.pk]
    assert diff["elements"]["changed"] == [
        {"id": a.pk, "label": "Long waits", "fields": {"label": ["Waiting lists", "Long waits"]}}
    ]
    assert diff["elements"]["moved"] == [{"id": c.pk, "x": [None, 5.0], "y": [None, 6.0]}]
    assert diff["evidence"] == {"added": [], "removed": [], "changed": []}  # sensitive: not for members
    as_facilitator = selectors.version_compare(world.people["facilitator"], year_one, year_two)
    assert len(as_facilitator["evidence"]["added"]) == 1
    to_now = selectors.version_compare(world.people["member"], year_two)
    assert to_now["to"] is None and to_now["elements"] == {"added": [], "removed": [], "changed": [], "moved": []}


# --- Comments -----------------------------------------------------------------------------------------------------


def test_members_comment_observers_do_not_and_only_authors_or_editors_remove_comments(world):
    map_, (a, *_), _ = b.small_map(world)
    comment = services.comment_create(
        actor=world.people["member"], map=map_, body="Is this the same in KS2?", element=a
    )
    with pytest.raises(Forbidden):
        services.comment_create(actor=world.people["observer"], map=map_, body="Me too")
    with pytest.raises(Forbidden):
        services.comment_delete(actor=world.people["lead"], comment=comment)
    services.comment_delete(actor=world.people["member"], comment=comment)
    again = services.comment_create(actor=world.people["member"], map=map_, body="Second try")
    services.comment_delete(actor=world.people["facilitator"], comment=again)
    assert not MapComment.objects.exists()


# --- Promotion from a workshop board -------------------------------------------------------------------------------


def board_op(principal, board, name, **data):
    return board_services.apply(principal=principal, board_id=board.pk, op=name, data=data, op_key=None)


def test_a_card_becomes_a_finding_on_the_map_with_the_link_back_to_the_board(world, board):
    facilitator = world.people["facilitator"]
    first_map = b.a_map(world, title="Year 1 map")
    b.a_map(world, title="A later map")
    card = board_op(world.people["member"], board, "card.add", zone=board.zones.first().pk, text="Nobody shares data")
    board_op(facilitator, board, "cards.reveal")
    event = board_op(facilitator, board, "promote", target="finding", card=card.payload["id"])
    finding = Finding.objects.get()
    assert (finding.map, finding.title, finding.source_board, finding.source_card_id) == (
        first_map,
        "Nobody shares data",
        board,
        card.payload["id"],
    )
    assert Promotion.objects.get().target == "finding" and event.payload["target"] == "finding"
    assert event.payload["url"] == f"/api/v1/findings/{finding.pk}/" or event.payload["url"].endswith(
        f"#finding-{finding.pk}"
    )
    added = events(first_map)[-1]
    assert added.type == "finding.added" and added.payload["source"]["board"] == board.pk


def test_a_group_becomes_a_finding_on_a_new_map_when_the_collaborative_has_none(world, board):
    facilitator = world.people["facilitator"]
    ids = [
        board_op(facilitator, board, "card.add", zone=board.zones.first().pk, text=t).payload["id"]
        for t in ("Referrals lack history", "Forms differ by school")
    ]
    group = board_op(facilitator, board, "group.create", zone=board.zones.first().pk, title="Referrals", cards=ids)
    board_op(facilitator, board, "cards.reveal")
    board_op(facilitator, board, "promote", target="finding", group=group.payload["id"])
    finding = Finding.objects.get()
    assert finding.map.title == "System map" and finding.map.collaborative == world.ours
    assert finding.summary == "- Referrals lack history\n- Forms differ by school"
    assert finding.source_group_id == group.payload["id"]


def test_only_the_boards_facilitator_promotes_a_card_to_a_finding(world, board):
    card = board_op(world.people["member"], board, "card.add", zone=board.zones.first().pk, text="Mine")
    with pytest.raises(Forbidden):
        board_op(world.people["member"], board, "promote", target="finding", card=card.payload["id"])
    assert not Map.objects.exists() and not Finding.objects.exists()
