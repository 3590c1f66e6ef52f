"""The core's services on PostgreSQL: rules, access and the audit trail."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from collab import services
from collab.access import Action, can, grants_for, role_in
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import AuditEvent, Invitation, Membership, Role, Sector, User
from tests.factories import InvitationFactory, MembershipFactory, OrganisationFactory, UserFactory


def invite(world, actor_role="facilitator", **overrides):
    fields = {"email": "new.person@example.org", "role": Role.MEMBER, "sector": Sector.HEALTH}
    fields.update(overrides)
    return services.invitation_create(actor=world.people[actor_role], collaborative=world.ours, **fields)


# --- Invitations --------------------------------------------------------------------------------------------------


def test_invitation_emails_a_signed_link_after_commit(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(world, email="New.Person@Example.org")
    assert mailoutbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    [email] = mailoutbox
    assert email.to == ["new.person@example.org"]
    assert "Ashford Collaborative" in email.subject
    assert services.invitation_url(invitation) in email.body
    assert invitation.expires_at - timezone.now() > timedelta(days=13)


def test_the_plain_text_invitation_is_not_html_escaped(world, mailoutbox, django_capture_on_commit_callbacks):
    facilitator = world.people["facilitator"]
    User.objects.filter(pk=facilitator.pk).update(display_name='Sam "Sid" Patel & <Co>')
    facilitator.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, message='Bring the "exclusions" figures & your <notes>.')
    [email] = mailoutbox
    assert email.subject == 'Sam "Sid" Patel & <Co> invites you to join Ashford Collaborative'
    assert 'Sam "Sid" Patel & <Co> invites you to join Ashford Collaborative as member.' in email.body
    assert 'Bring the "exclusions" figures & your <notes>.' in email.body
    assert "&quot;" not in email.body and "&amp;" not in email.body and "&lt;" not in email.body
    html = email.alternatives[0][0]
    assert "Sam &quot;Sid&quot; Patel &amp; &lt;Co&gt;" in html and "<Co>" not in html


def test_a_line_break_in_a_name_never_reaches_the_invitation_subject(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    facilitator = world.people["facilitator"]
    User.objects.filter(pk=facilitator.pk).update(display_name="Sam\r\nBcc: someone@elsewhere.example")
    facilitator.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        invite(world)
    [email] = mailoutbox
    assert email.subject == "Sam Bcc: someone@elsewhere.example invites you to join Ashford Collaborative"
    assert email.message()["Bcc"] is None


def test_accepting_creates_the_account_and_membership(world):
    invitation = invite(world, organisation=world.our_school, sector="", job_title="SENCo")
    membership = services.invitation_accept(
        token=services.invitation_token(invitation), display_name="Nia Okafor", password="a-long-new-passphrase"
    )
    user = User.objects.get(email="new.person@example.org")
    assert user.check_password("a-long-new-passphrase")
    assert membership.user == user
    assert (membership.role, membership.sector, membership.job_title) == (
        Role.MEMBER,
        Sector.PRIMARY_SCHOOL,  # taken from the organisation when no sector is given
        "SENCo",
    )
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert role_in(user, world.ours) == Role.MEMBER


def test_accepting_links_an_existing_account_signed_in_with_the_invited_address(world):
    existing = world.people["outsider"]
    invitation = invite(world, email=existing.email)
    membership = services.invitation_accept(token=services.invitation_token(invitation), user=existing)
    assert membership.user == existing
    assert User.objects.filter(email=existing.email).count() == 1
    assert role_in(existing, world.ours) == Role.MEMBER  # grants are refreshed after the change


def test_an_invitation_cannot_be_accepted_by_someone_signed_in_with_another_address(world):
    invitation = invite(world)
    with pytest.raises(Forbidden, match="sent to new.person@example.org"):
        services.invitation_accept(token=services.invitation_token(invitation), user=world.people["outsider"])
    assert not Membership.objects.filter(user=world.people["outsider"], collaborative=world.ours).exists()


def test_an_existing_account_must_sign_in_to_accept(world):
    invitation = invite(world, email=world.people["outsider"].email)
    with pytest.raises(Forbidden, match="Sign in"):
        services.invitation_accept(
            token=services.invitation_token(invitation), display_name="Impostor", password="a-long-new-passphrase"
        )


def test_a_weak_password_or_missing_name_creates_nothing(world):
    invitation = invite(world)
    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=services.invitation_token(invitation), display_name=" ", password="12345")
    assert set(error.value.fields) == {"display_name", "password"}
    assert not User.objects.filter(email="new.person@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


@pytest.mark.parametrize(
    "state, message",
    [
        ({"accepted_at": timezone.now()}, "already been accepted"),
        ({"revoked_at": timezone.now()}, "withdrawn"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expired"),
    ],
)
def test_used_withdrawn_and_expired_links_say_why(world, state, message):
    invitation = InvitationFactory(collaborative=world.ours, invited_by=world.people["facilitator"], **state)
    with pytest.raises(DomainError, match=message):
        services.invitation_from_token(services.invitation_token(invitation))


def test_a_tampered_link_is_not_found():
    with pytest.raises(NotFound):
        services.invitation_from_token("not-a-real-token")


def test_a_link_past_its_signature_age_has_expired(world, settings):
    invitation = invite(world)
    token = services.invitation_token(invitation)
    settings.INVITATION_MAX_AGE = timedelta(seconds=-1)
    with pytest.raises(DomainError, match="expired"):
        services.invitation_from_token(token)
    assert isinstance(signing.loads(token, salt=services.INVITATION_SALT), dict)


def test_a_new_invitation_replaces_the_pending_one(world):
    first = invite(world)
    second = invite(world, role=Role.OBSERVER)
    first.refresh_from_db()
    assert first.status == "revoked"
    assert second.status == "pending"
    with pytest.raises(DomainError, match="withdrawn or replaced"):
        services.invitation_accept(token=services.invitation_token(first), display_name="X", password="long-enough-pw1")


def test_nobody_invites_above_their_own_role(world):
    with pytest.raises(Forbidden, match="above your own"):
        invite(world, actor_role="anchor", role=Role.FACILITATOR)
    assert invite(world, actor_role="anchor", role=Role.ANCHOR).role == Role.ANCHOR


@pytest.mark.parametrize("actor_role", ["member", "observer"])
def test_members_and_observers_cannot_invite(world, actor_role):
    with pytest.raises(Forbidden):
        invite(world, actor_role=actor_role)
    assert not Invitation.objects.exists()


def test_another_locality_does_not_exist_for_an_outsider(world):
    with pytest.raises(NotFound):
        invite(world, actor_role="outsider")
    with pytest.raises(DomainError, match="not part of"):
        invite(world, organisation=world.their_school)


def test_inviting_a_current_member_is_refused(world):
    with pytest.raises(DomainError, match="already a member") as error:
        invite(world, email=world.people["member"].email.upper())
    assert "email" in error.value.fields


def test_programme_team_role_is_not_offered_by_invitation(world):
    with pytest.raises(DomainError) as error:
        invite(world, actor_role="programme_team", role=Role.PROGRAMME_TEAM)
    assert "role" in error.value.fields


def test_withdrawing_an_invitation(world):
    invitation = invite(world)
    services.invitation_revoke(actor=world.people["anchor"], invitation=invitation)
    assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    with pytest.raises(Conflict):
        services.invitation_revoke(actor=world.people["anchor"], invitation=invitation)


# --- Memberships --------------------------------------------------------------------------------------------------


def membership_of(world, role):
    return Membership.objects.get(user=world.people[role], collaborative=world.ours)


def test_leaving_keeps_history_and_ends_access(world):
    member = world.people["member"]
    membership = services.membership_leave(actor=world.people["facilitator"], membership=membership_of(world, "member"))
    assert membership.left_on == timezone.localdate()
    assert Membership.objects.filter(pk=membership.pk).exists()
    fresh = User.objects.get(pk=member.pk)
    assert role_in(fresh, world.ours) is None
    assert not can(fresh, Action.VIEW, world.ours)


def test_people_may_leave_themselves_but_not_remove_others(world):
    services.membership_leave(actor=world.people["observer"], membership=membership_of(world, "observer"))
    with pytest.raises(Forbidden):
        services.membership_leave(actor=world.people["member"], membership=membership_of(world, "anchor"))


def test_a_leaving_date_must_be_sensible(world):
    membership = membership_of(world, "member")
    with pytest.raises(DomainError, match="before they joined"):
        services.membership_leave(
            actor=world.people["facilitator"], membership=membership, left_on=membership.joined_on - timedelta(days=1)
        )
    with pytest.raises(DomainError, match="future"):
        services.membership_leave(
            actor=world.people["facilitator"], membership=membership, left_on=timezone.localdate() + timedelta(days=1)
        )
    assert Membership.objects.get(pk=membership.pk).left_on is None


def test_the_last_facilitator_cannot_leave_or_step_down(world):
    with pytest.raises(Conflict, match="at least one facilitator"):
        services.membership_leave(actor=world.people["facilitator"], membership=membership_of(world, "facilitator"))
    with pytest.raises(Conflict):
        services.membership_update(
            actor=world.people["facilitator"], membership=membership_of(world, "facilitator"), role=Role.MEMBER
        )
    second = UserFactory()
    MembershipFactory(user=second, collaborative=world.ours, role=Role.FACILITATOR)
    services.membership_leave(actor=world.people["facilitator"], membership=membership_of(world, "facilitator"))


def test_changing_a_role_is_audited_with_before_and_after(world):
    facilitator = world.people["facilitator"]
    membership = services.membership_update(
        actor=facilitator, membership=membership_of(world, "member"), role=Role.OBSERVER, job_title="SENCo"
    )
    assert membership.role == Role.OBSERVER
    event = AuditEvent.objects.get(action="membership.update")
    assert event.actor == facilitator
    assert event.collaborative == world.ours
    assert event.changes == {"role": ["member", "observer"], "job_title": ["", "SENCo"]}


def test_anchors_cannot_change_roles_and_former_memberships_are_frozen(world):
    with pytest.raises(Forbidden):
        services.membership_update(
            actor=world.people["anchor"], membership=membership_of(world, "member"), role=Role.OBSERVER
        )
    left = services.membership_leave(actor=world.people["facilitator"], membership=membership_of(world, "member"))
    with pytest.raises(Conflict, match="has left"):
        services.membership_update(actor=world.people["facilitator"], membership=left, job_title="Head")


def test_a_membership_cannot_move_to_an_organisation_of_another_locality(world):
    with pytest.raises(DomainError, match="not part of"):
        services.membership_update(
            actor=world.people["facilitator"],
            membership=membership_of(world, "member"),
            organisation=world.their_school,
        )


def test_unknown_fields_are_refused(world):
    with pytest.raises(DomainError, match="cannot be changed here: user"):
        services.membership_update(
            actor=world.people["facilitator"], membership=membership_of(world, "member"), user=world.people["anchor"]
        )


# --- Collaboratives, organisations, programmes -----------------------------------------------------------------


def test_only_the_programme_team_starts_collaboratives(world):
    created = services.collaborative_create(
        actor=world.people["programme_team"],
        programme=world.programme,
        name="Cranmoor Collaborative",
        locality="Cranmoor",
    )
    assert created.slug == "cranmoor-collaborative"
    assert AuditEvent.objects.filter(action="collaborative.create", collaborative=created).exists()
    with pytest.raises(Forbidden):
        services.collaborative_create(
            actor=world.people["facilitator"], programme=world.programme, name="Other", locality="Other"
        )
    with pytest.raises(DomainError, match="already has a collaborative in ashford"):
        services.collaborative_create(
            actor=world.people["programme_team"], programme=world.programme, name="Again", locality="ashford"
        )


def test_anchor_organisation_must_belong_to_the_collaborative(world):
    services.collaborative_update(
        actor=world.people["facilitator"], collaborative=world.ours, anchor_organisation=world.our_school
    )
    with pytest.raises(DomainError, match="not part of"):
        services.collaborative_update(
            actor=world.people["facilitator"], collaborative=world.ours, anchor_organisation=world.their_school
        )


def test_organisation_names_are_unique_in_a_collaborative(world):
    services.organisation_create(
        actor=world.people["anchor"], collaborative=world.ours, name="Ashford CAMHS", sector=Sector.HEALTH
    )
    with pytest.raises(DomainError, match="already has an organisation"):
        services.organisation_create(
            actor=world.people["anchor"], collaborative=world.ours, name="Ashford CAMHS", sector=Sector.HEALTH
        )
    with pytest.raises(DomainError, match="sector"):
        services.organisation_create(
            actor=world.people["anchor"], collaborative=world.ours, name="Somewhere", sector="bakery"
        )


def test_programme_dates_must_be_in_order(world):
    team = world.people["programme_team"]
    with pytest.raises(DomainError, match="end before it starts"):
        services.programme_update(
            actor=team,
            programme=world.programme,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() - timedelta(days=1),
        )
    with pytest.raises(Forbidden):
        services.programme_update(actor=world.people["facilitator"], programme=world.programme, name="Renamed")


# --- The policy itself --------------------------------------------------------------------------------------------


def test_programme_team_sees_every_locality_of_its_programme_only(world):
    other_programme_place = OrganisationFactory().collaborative
    team = world.people["programme_team"]
    assert can(team, Action.MANAGE_MEMBERS, world.theirs)
    assert role_in(team, other_programme_place) is None


def test_grants_are_read_in_one_query(world, django_assert_num_queries):
    member = User.objects.get(pk=world.people["member"].pk)
    with django_assert_num_queries(1):
        grants_for(member)
        can(member, Action.VIEW, world.ours)
        can(member, Action.INVITE, world.theirs)
