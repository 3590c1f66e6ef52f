"""Sub-group services on PostgreSQL: who may do what, the rules of leads and their mandate, updates and the
timeline, the support log, links, reviews and concerns — each change recorded in the audit trail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import AuditEvent, Membership
from collab.selectors import audit_events_visible
from subgroups import services
from subgroups.models import (
    Mandate,
    Milestone,
    MilestoneState,
    ProgressUpdate,
    Status,
    SubGroup,
    SubGroupMember,
    SubGroupRole,
    SupportState,
    UpdateDraft,
)
from tests.factories import ProgrammeTeamFactory, UserFactory
from tests.subgroups import builders as b


def _rows():
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (SubGroup, SubGroupMember, Milestone, ProgressUpdate, AuditEvent)
    }


# --- Starting a sub-group and its lead ---------------------------------------------------------------------------


def test_a_facilitator_starts_a_sub_group_with_a_self_appointed_lead(world):
    subgroup = services.subgroup_create(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        name="  Transitions pilot ",
        aims="Plan the move early.",
        partners=[world.our_school],
        lead=world.people["lead"],
    )
    assert subgroup.name == "Transitions pilot"
    assert list(subgroup.partners.all()) == [world.our_school]
    lead = SubGroupMember.objects.get(subgroup=subgroup)
    assert (lead.user, lead.role, lead.mandate) == (world.people["lead"], SubGroupRole.LEAD, Mandate.SELF_APPOINTED)
    assert subgroup.status == Status.NOT_STARTED
    event = AuditEvent.objects.get(action="subgroup.create")
    assert event.collaborative == world.ours
    assert event.changes["lead"] == [None, world.people["lead"].pk]


def test_the_lead_s_mandate_records_when_and_where_the_group_agreed(world):
    agreed = timezone.localdate() - timedelta(days=3)
    subgroup = services.subgroup_create(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        name="Clinics",
        lead=world.people["lead"],
        lead_mandate="agreed",
        lead_mandate_agreed_on=agreed,
        lead_mandate_setting="meeting",
        lead_mandate_note="Sub-group meeting at the Learning Centre",
    )
    part = SubGroupMember.objects.get(subgroup=subgroup)
    assert (part.mandate, part.mandate_agreed_on, part.mandate_setting) == ("agreed", agreed, "meeting")
    assert part.mandate_recorded_by == world.people["facilitator"]


def test_an_agreed_mandate_needs_a_date_and_a_place(world):
    with pytest.raises(DomainError) as error:
        services.subgroup_create(
            actor=world.people["facilitator"],
            collaborative=world.ours,
            name="Clinics",
            lead=world.people["lead"],
            lead_mandate="agreed",
        )
    assert set(error.value.fields) == {"lead_mandate_agreed_on", "lead_mandate_setting"}
    assert not SubGroup.objects.exists()


@pytest.mark.parametrize("who", ["anchor", "member", "lead", "observer"])
def test_only_facilitators_and_the_programme_team_start_sub_groups(world, who):
    with pytest.raises(Forbidden, match="start sub-groups"):
        services.subgroup_create(actor=world.people[who], collaborative=world.ours, name="Mine")
    services.subgroup_create(actor=world.people["programme_team"], collaborative=world.ours, name="Ours")


def test_another_locality_s_facilitator_cannot_see_ours(world):
    with pytest.raises(NotFound):
        services.subgroup_create(actor=world.people["outsider"], collaborative=world.ours, name="Theirs")


def test_a_lead_who_is_not_a_member_is_refused_and_nothing_changes(world):
    before = _rows()
    with pytest.raises(DomainError) as error:
        services.subgroup_create(
            actor=world.people["facilitator"],
            collaborative=world.ours,
            name="Clinics",
            lead=world.people["outsider"],
        )
    assert "is not a member of Ashford Collaborative" in error.value.fields["lead"][0]
    assert _rows() == before


def test_an_observer_cannot_lead_but_may_take_part(world):
    subgroup = b.subgroup(world)
    with pytest.raises(DomainError, match="observers cannot lead"):
        services.subgroup_member_add(
            actor=world.people["facilitator"], subgroup=subgroup, user=world.people["observer"], role="co_lead"
        )
    part = services.subgroup_member_add(
        actor=world.people["facilitator"], subgroup=subgroup, user=world.people["observer"], role="member"
    )
    assert part.role == SubGroupRole.MEMBER


def test_names_are_unique_in_a_collaborative_whatever_their_case(world):
    b.subgroup(world, name="Transitions pilot")
    with pytest.raises(DomainError) as error:
        b.subgroup(world, name="TRANSITIONS PILOT")
    assert "already has a sub-group" in error.value.fields["name"][0]
    b.their_subgroup(world, name="Transitions pilot")  # another locality may use the same name


# --- Who changes a sub-group -------------------------------------------------------------------------------------


def test_leads_change_their_own_sub_group_only(world):
    mine = b.subgroup(world)
    other = b.subgroup(world, lead=b.member_of(world, world.ours))
    services.subgroup_update(actor=world.people["lead"], subgroup=mine, aims="Extend to every primary.")
    with pytest.raises(Forbidden, match="Only its leads and the facilitators"):
        services.subgroup_update(actor=world.people["lead"], subgroup=other, aims="Mine now.")
    other.refresh_from_db()
    assert other.aims == "Plan the move to secondary school early."


def test_a_lead_who_has_left_the_collaborative_can_no_longer_change_it(world):
    subgroup = b.subgroup(world)
    Membership.objects.filter(user=world.people["lead"], collaborative=world.ours).update(left_on=timezone.localdate())
    lead = type(world.people["lead"]).objects.get(pk=world.people["lead"].pk)  # fresh grants
    with pytest.raises(NotFound):
        services.subgroup_update(actor=lead, subgroup=subgroup, aims="Still mine?")


def test_partners_must_belong_to_the_collaborative(world):
    subgroup = b.subgroup(world)
    with pytest.raises(DomainError) as error:
        services.subgroup_update(actor=world.people["lead"], subgroup=subgroup, partners=[world.their_school])
    assert "Brindle Academy is not part of Ashford Collaborative" in error.value.fields["partners"][0]


# --- People, roles and handover ----------------------------------------------------------------------------------


def test_a_sub_group_has_one_lead_and_co_leads_are_added_as_such(world):
    subgroup = b.subgroup(world)
    with pytest.raises(DomainError, match="already leads this sub-group"):
        services.subgroup_member_add(
            actor=world.people["lead"], subgroup=subgroup, user=world.people["member"], role="lead"
        )
    part = services.subgroup_member_add(
        actor=world.people["lead"], subgroup=subgroup, user=world.people["member"], role="co_lead"
    )
    assert part.role == SubGroupRole.CO_LEAD
    assert part.mandate == Mandate.SELF_APPOINTED
    # A co-lead may change the sub-group too.
    services.subgroup_update(actor=world.people["member"], subgroup=subgroup, aims="Co-led.")


def test_changing_a_role_closes_the_old_part_and_keeps_it(world):
    subgroup = b.subgroup(world)
    part = services.subgroup_member_add(
        actor=world.people["lead"], subgroup=subgroup, user=world.people["member"], role="member"
    )
    new = services.subgroup_member_change(actor=world.people["lead"], part=part, role="co_lead")
    part.refresh_from_db()
    assert part.ended_on == timezone.localdate()
    assert new.pk != part.pk and new.role == SubGroupRole.CO_LEAD and new.is_active
    assert SubGroupMember.objects.filter(subgroup=subgroup, user=world.people["member"]).count() == 2


def test_handover_keeps_the_history_of_who_led_when(world):
    subgroup = b.subgroup(world)
    successor = b.member_of(world, world.ours, name="Nia Okafor")
    new = services.subgroup_lead_handover(
        actor=world.people["lead"],
        subgroup=subgroup,
        to_user=successor,
        previous_lead="co_lead",
        mandate="agreed",
        mandate_agreed_on=timezone.localdate(),
        mandate_setting="meeting",
    )
    assert new.user == successor and new.role == SubGroupRole.LEAD and new.mandate == Mandate.AGREED
    history = list(
        SubGroupMember.objects.filter(subgroup=subgroup, role=SubGroupRole.LEAD)
        .order_by("pk")
        .values_list("user__display_name", "ended_on")
    )
    assert history == [("Ashford Lead", timezone.localdate()), ("Nia Okafor", None)]
    previous = SubGroupMember.objects.active().get(subgroup=subgroup, user=world.people["lead"])
    assert previous.role == SubGroupRole.CO_LEAD
    assert AuditEvent.objects.filter(action="subgroup.handover").count() == 1


def test_handing_over_to_someone_outside_the_collaborative_is_refused(world):
    subgroup = b.subgroup(world)
    before = _rows()
    with pytest.raises(DomainError) as error:
        services.subgroup_lead_handover(actor=world.people["lead"], subgroup=subgroup, to_user=world.people["outsider"])
    assert "to_user" in error.value.fields
    assert _rows() == before


def test_a_member_may_leave_a_sub_group_themselves(world):
    subgroup = b.subgroup(world)
    part = services.subgroup_member_add(
        actor=world.people["lead"], subgroup=subgroup, user=world.people["member"], role="member"
    )
    services.subgroup_member_end(actor=world.people["member"], part=part)
    with pytest.raises(Conflict):
        services.subgroup_member_end(actor=world.people["lead"], part=part)


def test_recording_the_group_s_agreement_for_a_self_appointed_lead(world):
    subgroup = b.subgroup(world)
    part = SubGroupMember.objects.get(subgroup=subgroup, role="lead")
    services.subgroup_member_change(
        actor=world.people["facilitator"],
        part=part,
        mandate="agreed",
        mandate_agreed_on=timezone.localdate(),
        mandate_setting="workshop",
    )
    part.refresh_from_db()
    assert part.mandate == Mandate.AGREED and part.mandate_recorded_by == world.people["facilitator"]
    event = AuditEvent.objects.get(action="subgroup_member.mandate")
    assert event.changes["mandate"] == ["self_appointed", "agreed"]


# --- Milestones and updates --------------------------------------------------------------------------------------


def test_an_update_becomes_the_current_status_and_reaches_milestones(world):
    subgroup = b.subgroup(world)
    milestone = b.milestone(world, subgroup)
    first = b.update(world, subgroup, status=Status.ON_TRACK)
    second = b.update(world, subgroup, status=Status.AT_RISK, blockers="No room.", milestones_completed=[milestone])
    subgroup.refresh_from_db()
    assert subgroup.current_update == second and subgroup.status == Status.AT_RISK
    assert list(subgroup.updates.all()) == [second, first]  # the timeline, newest first
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.DONE and milestone.completed_on == timezone.localdate()
    event = AuditEvent.objects.filter(action="progress_update.create").latest("pk")
    assert event.changes["status"] == ["on_track", "at_risk"]


def test_a_change_of_direction_needs_its_reason(world):
    subgroup = b.subgroup(world)
    before = _rows()
    with pytest.raises(DomainError) as error:
        b.update(world, subgroup, status=Status.CHANGED_DIRECTION)
    assert "Say why the direction changed" in error.value.fields["direction_reason"][0]
    assert _rows() == before
    update = b.update(world, subgroup, status=Status.CHANGED_DIRECTION, direction_reason="Schools asked for less.")
    assert update.direction_reason == "Schools asked for less."


def test_children_s_and_families_views_are_answered_or_explicitly_not_yet(world):
    subgroup = b.subgroup(world)
    with pytest.raises(DomainError) as error:
        b.update(world, subgroup, children_voice="")
    assert "Not yet" in error.value.fields["children_voice"][0]
    update = b.update(world, subgroup, children_voice="", children_voice_not_yet=True)
    assert update.children_voice_not_yet


def test_a_milestone_of_another_sub_group_or_locality_is_refused(world):
    subgroup = b.subgroup(world)
    theirs = b.milestone(world, b.their_subgroup(world), title="Their milestone")
    before = _rows()
    with pytest.raises(DomainError) as error:
        b.update(world, subgroup, milestones_completed=[theirs])
    assert error.value.fields["milestones_completed"] == [f"“Their milestone” is not a milestone of {subgroup.name}."]
    assert _rows() == before


def test_a_closed_sub_group_takes_no_more_updates(world):
    subgroup = b.subgroup(world)
    services.subgroup_update(actor=world.people["facilitator"], subgroup=subgroup, closed_on=timezone.localdate())
    with pytest.raises(Conflict, match="closed on"):
        b.update(world, subgroup)


def test_members_and_observers_cannot_post_updates(world):
    subgroup = b.subgroup(world)
    for who in ("member", "observer", "anchor"):
        with pytest.raises(Forbidden):
            services.update_post(
                actor=world.people[who],
                subgroup=subgroup,
                status="on_track",
                done="x",
                next_steps="y",
                children_voice_not_yet=True,
            )


def test_a_draft_is_kept_for_its_author_and_posting_discards_it(world):
    subgroup = b.subgroup(world)
    services.draft_save(actor=world.people["lead"], subgroup=subgroup, data={"done": "Half written", "evil": "x"})
    draft = UpdateDraft.objects.get(subgroup=subgroup, author=world.people["lead"])
    assert draft.data == {"done": "Half written"}
    assert not AuditEvent.objects.filter(target_type="subgroups.updatedraft").exists()
    b.update(world, subgroup)
    assert not UpdateDraft.objects.exists()


def test_comments_come_from_those_who_can_contribute(world):
    update = b.update(world, b.subgroup(world))
    comment = services.comment_add(actor=world.people["anchor"], update=update, body="Great.")
    assert comment.author == world.people["anchor"]
    with pytest.raises(Forbidden):
        services.comment_add(actor=world.people["observer"], update=update, body="Me too.")


# --- Support, links and the review -------------------------------------------------------------------------------


def test_support_requested_by_a_lead_is_tracked_to_done_by_a_facilitator(world):
    subgroup = b.subgroup(world)
    entry = b.support_request(world, subgroup)
    assert entry.state == SupportState.REQUESTED and entry.requested_by == world.people["lead"]
    with pytest.raises(Forbidden):
        services.support_update(actor=world.people["lead"], entry=entry, state="done")
    done = services.support_update(actor=world.people["facilitator"], entry=entry, state="done", notes="Introduced.")
    assert (done.state, done.given_by, done.given_on) == ("done", world.people["facilitator"], timezone.localdate())


def test_declining_a_request_says_why(world):
    entry = b.support_request(world, b.subgroup(world))
    with pytest.raises(DomainError) as error:
        services.support_update(actor=world.people["facilitator"], entry=entry, state="declined")
    assert "notes" in error.value.fields


def test_facilitators_log_support_given_but_not_in_the_future(world):
    subgroup = b.subgroup(world)
    entry = services.support_record(
        actor=world.people["facilitator"], subgroup=subgroup, kind="coaching", description="Coaching call."
    )
    assert entry.state == SupportState.DONE and not entry.is_request
    with pytest.raises(DomainError) as error:
        services.support_record(
            actor=world.people["facilitator"],
            subgroup=subgroup,
            kind="coaching",
            description="Later.",
            given_on=timezone.localdate() + timedelta(days=1),
        )
    assert "given_on" in error.value.fields
    with pytest.raises(Forbidden, match="record support given"):
        services.support_record(actor=world.people["lead"], subgroup=subgroup, kind="admin", description="Minutes.")


def test_a_lead_links_within_their_locality_the_programme_team_across(world):
    ours = b.subgroup(world)
    theirs = b.their_subgroup(world)
    with pytest.raises(DomainError) as error:
        services.link_create(actor=world.people["lead"], from_subgroup=ours, to_subgroup=theirs)
    assert "that you can see" in error.value.fields["to_subgroup"][0]
    link = services.link_create(actor=world.people["programme_team"], from_subgroup=ours, to_subgroup=theirs)
    with pytest.raises(DomainError, match="already linked"):
        services.link_create(actor=world.people["programme_team"], from_subgroup=theirs, to_subgroup=ours)
    # The leads of the sub-group it starts from may remove it.
    services.link_remove(actor=world.people["lead"], link=link)


def test_the_year_2_review_is_recorded_by_facilitators(world):
    subgroup = b.subgroup(world)
    with pytest.raises(DomainError) as error:
        services.review_record(
            actor=world.people["facilitator"], subgroup=subgroup, decision="close", reasons="", forward_plan=""
        )
    assert set(error.value.fields) == {"reasons", "forward_plan"}
    with pytest.raises(Forbidden, match="record reviews"):
        services.review_record(
            actor=world.people["lead"], subgroup=subgroup, decision="close", reasons="Done.", forward_plan="Close."
        )
    review = b.review(world, subgroup)
    assert review.decision == "continue"


# --- Concerns ----------------------------------------------------------------------------------------------------


def test_a_concern_is_confidential_even_in_the_audit_trail(world):
    concern = b.concern(world, "member")
    event = AuditEvent.objects.get(action="concern.raise")
    assert event.collaborative is None and event.programme == world.programme
    assert "Attendance" not in event.target_label
    assert not audit_events_visible(world.people["facilitator"]).filter(pk=event.pk).exists()
    assert concern.state == "open"


def test_only_the_programme_team_moves_a_concern_on_and_resolving_needs_words(world):
    concern = b.concern(world, "member")
    with pytest.raises(Forbidden):
        services.concern_update(actor=world.people["member"], concern=concern, state="resolved", resolution="Fine.")
    with pytest.raises(NotFound):
        services.concern_update(actor=world.people["facilitator"], concern=concern, state="in_progress")
    with pytest.raises(DomainError) as error:
        services.concern_update(actor=world.people["programme_team"], concern=concern, state="resolved")
    assert "resolution" in error.value.fields
    done = services.concern_update(
        actor=world.people["programme_team"], concern=concern, state="resolved", resolution="Agreed a new rota."
    )
    assert done.resolved_by == world.people["programme_team"] and done.resolved_at is not None


def test_observers_cannot_raise_concerns(world):
    with pytest.raises(Forbidden, match="raise concerns"):
        b.concern(world, "observer")


def test_another_programme_s_team_cannot_see_our_concerns(world):
    stranger = UserFactory()
    ProgrammeTeamFactory(user=stranger)
    concern = b.concern(world, "member")
    with pytest.raises(NotFound):
        services.concern_add_note(actor=stranger, concern=concern, body="Hello")
