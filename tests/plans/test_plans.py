"""The action plan's services and the anchor's dashboard: what a user would notice, with roll-ups checked against
counts worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans import services
from actionplans.models import ActionPlanVersion, Alignment, Outcome, PlanItem, PlanStatus
from actionplans.selectors import sectors_needed_by_plan
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import AuditEvent, Role, Sector
from subgroups import dashboard as dash
from subgroups.models import Mandate, PlanItemOwner, ProgressUpdate, Status, SubGroupMember
from tests.factories import MembershipFactory, UserFactory
from tests.plans import builders as p
from tests.subgroups import builders as sb

pytestmark = pytest.mark.django_db


def test_sectors_needed_by_plan_per_collaborative_in_one_query(world, django_assert_num_queries):
    p.item(world, partners=[Sector.HEALTH, Sector.SOCIAL_CARE])
    p.item(world, partners=[Sector.HEALTH, Sector.PARENT_CARERS])
    gone = p.item(world, partners=[Sector.EARLY_HELP])
    services.plan_item_remove(actor=world.people["facilitator"], item=gone)
    p.item(world, world.theirs, partners=[Sector.VIRTUAL_SCHOOL])
    with django_assert_num_queries(1):
        needed = sectors_needed_by_plan(collaborative_ids=[world.ours.pk, world.theirs.pk, 999_999])
    assert needed == {
        world.ours.pk: {"health", "social_care", "parent_carers"},
        world.theirs.pk: {"virtual_school"},
        999_999: set(),
    }


def test_every_new_programme_gets_the_theory_of_change(world):
    titles = set(Outcome.objects.filter(framework__programme=world.programme).values_list("title", flat=True))
    assert "Trust" in titles
    assert "Preventable exclusions keep falling" in titles
    assert "Timely, accurate information sharing about pupils' needs" in titles


def test_item_create_checks_rights_and_input_and_audits(world):
    with pytest.raises(Forbidden):
        services.plan_item_create(actor=world.people["member"], collaborative=world.ours, title="Drop-in clinics")
    with pytest.raises(NotFound):
        services.plan_item_create(actor=world.people["outsider"], collaborative=world.ours, title="Drop-in clinics")
    with pytest.raises(DomainError) as error:
        services.plan_item_create(actor=world.people["anchor"], collaborative=world.ours, title="  ")
    assert error.value.fields == {"title": ["Say what the activity is."]}
    with pytest.raises(DomainError) as error:
        services.plan_item_create(
            actor=world.people["anchor"],
            collaborative=world.ours,
            title="Clinics",
            starts_on=date(2027, 3, 1),
            ends_on=date(2027, 1, 1),
        )
    assert "end date" in error.value.fields["ends_on"][0]
    with pytest.raises(DomainError):
        services.plan_item_create(
            actor=world.people["anchor"], collaborative=world.ours, title="Clinics", partners=["astronauts"]
        )
    assert not PlanItem.objects.exists()
    made = services.plan_item_create(actor=world.people["anchor"], collaborative=world.ours, title="Clinics")
    assert AuditEvent.objects.filter(action="plan_item.create", target_id=str(made.pk)).exists()


def test_record_version_needs_a_named_workshop_to_be_agreed(world):
    actor = world.people["facilitator"]
    with pytest.raises(Conflict):
        services.plan_record_version(actor=actor, collaborative=world.ours, status=PlanStatus.REVISED)
    p.item(world, title="Peer network", partners=[Sector.SECONDARY_SCHOOL])
    with pytest.raises(DomainError) as error:
        services.plan_record_version(actor=actor, collaborative=world.ours, status=PlanStatus.AGREED)
    assert "workshop" in error.value.fields
    version = services.plan_record_version(
        actor=actor, collaborative=world.ours, status=PlanStatus.REVISED, note="Year-2 review"
    )
    assert version.number == 1
    assert version.items[0]["title"] == "Peer network"
    assert version.items[0]["partners"] == ["secondary_school"]
    assert ActionPlanVersion.objects.count() == 1


def test_alignment_needs_a_note_and_an_objective_of_the_same_collaborative(world):
    item = p.item(world)
    theirs = p.objective(world, world.theirs)
    with pytest.raises(DomainError):
        services.alignment_set(actor=world.people["anchor"], item=item, objective=theirs, note="Serves it")
    ours = p.objective(world)
    with pytest.raises(DomainError) as error:
        services.alignment_set(actor=world.people["anchor"], item=item, objective=ours, note=" ")
    assert "how the item serves it" in error.value.fields["note"][0]
    alignment, created = services.alignment_set(actor=world.people["anchor"], item=item, objective=ours, note="Data")
    assert created
    alignment, created = services.alignment_set(actor=world.people["anchor"], item=item, objective=ours, note="More")
    assert not created and Alignment.objects.get().note == "More"


def _backdate(update: ProgressUpdate, weeks: int) -> None:
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=timezone.now() - timedelta(weeks=weeks))


def test_dashboard_rollup_stalled_risks_and_gaps_match_hand_counts(world):
    """Five items, worked out by hand:
    A: sub-group on track, updated today, agreed lead, children's views considered → on track, no risk.
    B: sub-group at risk, last update 8 weeks ago (stalled at 6), views not yet considered → at risk; stalled,
       children's voice.
    C: sub-group with a self-appointed lead, never updated, started 10 weeks ago → not started; self-appointed,
       stalled, children's voice.
    D: no sub-group, needs health (nobody from health active) → no sub-group; no sub-group, sector missing.
    E: sub-group whose lead has left (no lead), completed → completed; no lead (not stalled: it is finished).
    Objectives: O1 served by A and B, O2 served by nobody. Items serving no objective: C, D, E.
    """
    facilitator = world.people["facilitator"]
    agreed = {
        "lead_mandate": Mandate.AGREED,
        "lead_mandate_agreed_on": timezone.localdate(),
        "lead_mandate_setting": "meeting",
    }
    sg_a = sb.subgroup(world, name="Peer network", **agreed)
    sb.update(world, sg_a, status=Status.ON_TRACK)
    sg_b = sb.subgroup(world, name="Drop-in clinics", lead=sb.member_of(world, world.ours), **agreed)
    _backdate(sb.update(world, sg_b, status=Status.AT_RISK, children_voice="", children_voice_not_yet=True), 8)
    sg_c = sb.subgroup(world, name="Transitions", lead=sb.member_of(world, world.ours))
    type(sg_c).objects.filter(pk=sg_c.pk).update(created_at=timezone.now() - timedelta(weeks=10))
    sg_e = sb.subgroup(world, name="AP outreach", lead=sb.member_of(world, world.ours), **agreed)
    sb.update(world, sg_e, status=Status.COMPLETED)
    SubGroupMember.objects.filter(subgroup=sg_e).update(ended_on=timezone.localdate())

    a = p.item(world, title="A", subgroup=sg_a)
    b = p.item(world, title="B", subgroup=sg_b)
    p.item(world, title="C", subgroup=sg_c)
    p.item(world, title="D", partners=[Sector.HEALTH, Sector.PRIMARY_SCHOOL])
    p.item(world, title="E", subgroup=sg_e)
    strategy = p.strategy(world, objectives=("O1", "O2"))
    o1, o2 = strategy.objectives.order_by("position")
    p.align(world, a, o1)
    p.align(world, b, o1)

    board = dash.dashboard(world.people["anchor"], world.ours, weeks=6)
    rollup = {status: n for status, _, n in board.locality.rollup()}
    assert rollup == {
        Status.ON_TRACK: 1,
        Status.AT_RISK: 1,
        Status.BLOCKED: 0,
        Status.CHANGED_DIRECTION: 0,
        Status.COMPLETED: 1,
        Status.NOT_STARTED: 1,
        dash.NO_SUBGROUP: 1,
    }
    risks = {row.item.title: row.risks for row in board.items}
    assert risks == {
        "A": [],
        "B": [dash.Risk.STALLED, dash.Risk.CHILDREN_VOICE],
        "C": [dash.Risk.SELF_APPOINTED, dash.Risk.STALLED, dash.Risk.CHILDREN_VOICE],
        "D": [dash.Risk.NO_SUBGROUP, dash.Risk.SECTOR_MISSING],
        "E": [dash.Risk.NO_LEAD],
    }
    assert [row.item.title for row in board.stalled] == ["B", "C"]
    assert board.objectives_unserved == [o2]
    assert [row.item.title for row in board.items_unaligned] == ["C", "D", "E"]
    assert board.locality.missing_sectors == ["health"]  # primary school: the world's members are from one
    # At 9 weeks B is no longer stalled, C still is.
    assert [row.item.title for row in dash.dashboard(facilitator, world.ours, weeks=9).stalled] == ["C"]
    # The drill-down from the "at risk" cell and from the objective O1 row lists the items behind them.
    found = dash.item_list(world.people["anchor"], world.ours, weeks=6, filters={"risk": dash.Risk.STALLED})
    assert [row.item.title for row in found.rows] == ["B", "C"]
    found = dash.item_list(world.people["anchor"], world.ours, weeks=6, filters={"objective": str(o1.pk)})
    assert [row.item.title for row in found.rows] == ["A", "B"]
    assert found.updates[sg_a.pk][0].status == Status.ON_TRACK


def test_sector_counts_as_active_only_with_a_current_member(world):
    p.item(world, partners=[Sector.SOCIAL_CARE])
    assert dash.dashboard(world.people["anchor"], world.ours).locality.missing_sectors == ["social_care"]
    person = UserFactory()
    MembershipFactory(user=person, collaborative=world.ours, role=Role.MEMBER, sector=Sector.SOCIAL_CARE)
    assert dash.dashboard(world.people["anchor"], world.ours).locality.missing_sectors == []


def test_dashboard_is_for_anchors_facilitators_and_the_programme_team(world):
    for who in ("anchor", "facilitator", "programme_team"):
        dash.dashboard(world.people[who], world.ours)
    with pytest.raises(Forbidden):
        dash.dashboard(world.people["member"], world.ours)
    with pytest.raises(NotFound):
        dash.dashboard(world.people["outsider"], world.ours)


@pytest.mark.parametrize("value", ["0", "53", "six", "-1", "2.5"])
def test_bad_weeks_get_a_clear_message(world, client, value):
    client.force_login(world.people["anchor"])
    response = client.get(reverse("dashboard", args=[world.ours.slug]), {"weeks": value})
    assert response.status_code == 400
    assert "whole number from 1 to 52" in response.content.decode()


def test_programme_view_side_by_side_and_scoped(world):
    p.item(world, title="Transitions pilot", theme="transitions")
    p.item(world, world.theirs, title="Headteachers' network", theme="peer_networks")
    services.learning_note_create(
        actor=world.people["outsider"],
        collaborative=world.theirs,
        title="Shared",
        body="Data in the network",
        shared=True,
    )
    services.learning_note_create(
        actor=world.people["outsider"], collaborative=world.theirs, title="Private", body="Not shared"
    )
    view = dash.programme_view(world.people["programme_team"], world.programme)
    assert [loc.collaborative.name for loc in view.localities] == ["Ashford Collaborative", "Brindle Collaborative"]
    themes = {theme: [[row.item.title for row in rows] for rows in per] for theme, _, per in view.themes}
    assert themes == {"transitions": [["Transitions pilot"], []], "peer_networks": [[], ["Headteachers' network"]]}
    assert [note.title for note in view.learning] == ["Shared"]
    # The anchor of Ashford sees Ashford only; a member sees no programme view.
    anchor_view = dash.programme_view(world.people["anchor"], world.programme)
    assert [loc.collaborative.pk for loc in anchor_view.localities] == [world.ours.pk]
    assert anchor_view.hidden == 1
    with pytest.raises(Forbidden):
        dash.programme_view(world.people["member"], world.programme)


def test_csv_and_pdf_exports(world, client):
    p.item(world, title="=SUM(A1)", partners=[Sector.HEALTH])
    client.force_login(world.people["anchor"])
    response = client.get(reverse("dashboard-csv", args=[world.ours.slug]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Item,Theme,Item status,Sub-group")
    assert "'=SUM(A1)" in text  # no formula injection
    response = client.get(reverse("dashboard-pdf", args=[world.ours.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_item_form_sets_the_owning_subgroup(world, client):
    subgroup = sb.subgroup(world, name="Peer network")
    client.force_login(world.people["anchor"])
    response = client.post(
        reverse("plan-item-new", args=[world.ours.slug]),
        {
            "title": "Headteachers' network",
            "theme": "peer_networks",
            "status": "planned",
            "subgroup": subgroup.pk,
            "partners": ["secondary_school", "health"],
        },
    )
    assert response.status_code == 302
    item = PlanItem.objects.get()
    assert PlanItemOwner.objects.get(item=item).subgroup == subgroup
    assert sorted(item.partners.values_list("sector", flat=True)) == ["health", "secondary_school"]
    # Bad input: a clear 400 and nothing written.
    response = client.post(
        reverse("plan-item-new", args=[world.ours.slug]),
        {"title": "", "theme": "nonsense", "status": "planned", "starts_on": "31/02/2027"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Say what the activity is." in body and "Enter a real date" in body
    assert PlanItem.objects.count() == 1
