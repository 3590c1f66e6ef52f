"""Member management: inviting, changing details, marking people as having left, withdrawing invitations."""

import pytest
from django.urls import reverse

from collab import services
from collab.models import Invitation, Membership, Role, Sector
from tests.factories import InvitationFactory
from tests.frontend.pages import h1, link_to, text, title

MEMBERS = reverse("collaborative-members", args=["ashford"])


def invite(client, **overrides):
    data = {"email": "new.person@example.org", "role": "member", "organisation": "", "sector": "health"}
    data.update(overrides)
    return client.post(MEMBERS, data)


def membership_of(world, role):
    return Membership.objects.get(user=world.people[role], collaborative=world.ours)


def test_facilitator_sees_members_invitations_and_all_roles_to_grant(client, world):
    pending = InvitationFactory(
        collaborative=world.ours, invited_by=world.people["anchor"], email="pending@example.org"
    )
    client.force_login(world.people["facilitator"])
    response = client.get(MEMBERS)
    assert response.status_code == 200
    assert h1(response) == ["Members"]
    words = text(response)
    assert "Current members (5)" in words
    assert "Ashford Observer" in words
    assert "Invitations waiting for a reply (1)" in words
    assert f"pending@example.org Member Ashford Collaborative Anchor on {pending.created_at:%d/%m/%Y}" in words
    assert "Former members (0)" in words
    html = response.content.decode()
    for role in ("facilitator", "anchor", "member", "observer"):
        assert f'value="{role}"' in html
    member = membership_of(world, "member")
    assert link_to(response, reverse("collaborative-member-change", args=["ashford", member.pk]))
    assert link_to(response, reverse("collaborative-member-leave", args=["ashford", member.pk]))


def test_anchor_may_invite_but_not_above_their_role_or_change_members(client, world):
    client.force_login(world.people["anchor"])
    response = client.get(MEMBERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="facilitator"' not in html
    assert 'value="anchor"' in html
    assert "Facilitators change members' roles" in text(response)
    member = membership_of(world, "member")
    assert not link_to(response, reverse("collaborative-member-change", args=["ashford", member.pk]))


@pytest.mark.parametrize("role", ["observer", "member"])
def test_observers_and_members_get_an_explaining_403(client, world, role):
    client.force_login(world.people[role])
    response = client.get(MEMBERS)
    assert response.status_code == 403
    assert h1(response) == ["You cannot do this here"]
    label = "an observer" if role == "observer" else "a member"
    assert f"As {label} you cannot manage members in Ashford Collaborative." in text(response)
    assert "ask one of the collaborative's facilitators" in text(response)
    assert invite(client).status_code == 403
    assert not Invitation.objects.exists()


def test_inviting_sends_an_email_and_lists_the_invitation(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.people["facilitator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            client,
            email="Dana.Okafor@Example.org",
            role="observer",
            organisation=str(world.our_school.pk),
            sector="",
            job_title="SENCo",
            message="We would value your view.",
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.sector) == (
        "dana.okafor@example.org",
        Role.OBSERVER,
        Sector.PRIMARY_SCHOOL,
    )
    assert invitation.organisation == world.our_school
    assert mailoutbox[0].to == ["dana.okafor@example.org"]
    page = client.get(MEMBERS)
    words = text(page)
    assert "Invitation sent to dana.okafor@example.org." in words
    assert "Invitations waiting for a reply (1)" in words


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": ""}, "email", "Enter the email address to send the invitation to."),
        ({"email": "not-an-address"}, "email", "Enter an email address in the right format, like name@example.org."),
        (
            {"email": "x" * 250 + "@example.org"},
            "email",
            "The email address must be 254 characters or fewer (it has 262).",
        ),
        ({"role": "programme_team"}, "role", "Choose one of the roles listed."),
        ({"role": ""}, "role", "Choose a role."),
        ({"sector": ""}, "sector", "Choose the sector this person represents, or their organisation."),
        ({"sector": "astrology"}, "sector", "Choose a sector from the list."),
        ({"organisation": "999999"}, "organisation", "Choose an organisation from the list."),
        ({"organisation": "nine"}, "organisation", "Choose an organisation from the list."),
        ({"job_title": "j" * 151}, "job_title", "The job title must be 150 characters or fewer (it has 151)."),
        ({"message": "m" * 2001}, "message", "The message must be 2,000 characters or fewer (it has 2001)."),
        ({"email": "member@example.org"}, "email", "member@example.org is already a member of Ashford Collaborative."),
    ],
)
def test_bad_invitations_show_errors_linked_to_fields_and_change_nothing(client, world, overrides, field, message):
    client.force_login(world.people["facilitator"])
    response = invite(client, **overrides)
    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    words = text(response)
    assert "There is a problem" in words
    assert message in words
    anchor = f"id_{field}_0" if field == "role" else f"id_{field}"
    assert f'href="#{anchor}"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_organisation_of_another_locality_cannot_be_chosen(client, world):
    client.force_login(world.people["facilitator"])
    response = invite(client, organisation=str(world.their_school.pk))
    assert response.status_code == 400
    assert "Brindle Academy" not in text(response)
    assert not Invitation.objects.exists()


def test_anchor_cannot_invite_a_facilitator(client, world):
    client.force_login(world.people["anchor"])
    response = invite(client, role="facilitator")
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_withdrawing_an_invitation(client, world):
    invitation = InvitationFactory(collaborative=world.ours, invited_by=world.people["facilitator"])
    client.force_login(world.people["anchor"])
    url = reverse("collaborative-invitation-withdraw", args=["ashford", invitation.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert f"The invitation to {invitation.email} has been withdrawn." in text(response)
    assert "Invitations waiting for a reply (0)" in text(response)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_observer_cannot_withdraw_and_outsider_cannot_find_the_invitation(client, world):
    invitation = InvitationFactory(collaborative=world.ours, invited_by=world.people["facilitator"])
    url = reverse("collaborative-invitation-withdraw", args=["ashford", invitation.pk])
    client.force_login(world.people["observer"])
    assert client.post(url).status_code == 403
    client.force_login(world.people["outsider"])
    assert client.post(url).status_code == 404
    brindle_url = reverse("collaborative-invitation-withdraw", args=["brindle", invitation.pk])
    assert client.post(brindle_url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_changing_a_members_role(client, world):
    member = membership_of(world, "member")
    url = reverse("collaborative-member-change", args=["ashford", member.pk])
    client.force_login(world.people["facilitator"])
    page = client.get(url)
    assert h1(page) == ["Change Ashford Member's details"]
    response = client.post(
        url,
        {"role": "observer", "organisation": str(world.our_school.pk), "sector": "primary_school", "job_title": ""},
        follow=True,
    )
    assert "Ashford Member's details have been changed." in text(response)
    member.refresh_from_db()
    assert member.role == Role.OBSERVER


def test_changing_details_with_bad_input_changes_nothing(client, world):
    member = membership_of(world, "member")
    url = reverse("collaborative-member-change", args=["ashford", member.pk])
    client.force_login(world.people["facilitator"])
    response = client.post(url, {"role": "member", "organisation": "", "sector": "", "job_title": "x" * 151})
    assert response.status_code == 400
    words = text(response)
    assert "Choose the sector they represent." in words
    assert "The job title must be 150 characters or fewer (it has 151)." in words
    member.refresh_from_db()
    assert (member.sector, member.job_title) == (Sector.PRIMARY_SCHOOL, "")


def test_the_last_facilitator_cannot_step_down(client, world):
    facilitator = membership_of(world, "facilitator")
    url = reverse("collaborative-member-change", args=["ashford", facilitator.pk])
    client.force_login(world.people["facilitator"])
    response = client.post(
        url, {"role": "member", "organisation": str(world.our_school.pk), "sector": "primary_school", "job_title": ""}
    )
    assert response.status_code == 409
    assert "needs at least one facilitator" in text(response)
    facilitator.refresh_from_db()
    assert facilitator.role == Role.FACILITATOR


def test_anchor_and_observer_cannot_change_members(client, world):
    member = membership_of(world, "member")
    url = reverse("collaborative-member-change", args=["ashford", member.pk])
    data = {"role": "observer", "organisation": "", "sector": "primary_school", "job_title": ""}
    for role in ("anchor", "observer"):
        client.force_login(world.people[role])
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    member.refresh_from_db()
    assert member.role == Role.MEMBER


def test_a_membership_of_another_locality_is_not_found(client, world):
    theirs = Membership.objects.get(user=world.people["outsider"])
    client.force_login(world.people["facilitator"])
    for name in ("collaborative-member-change", "collaborative-member-leave"):
        assert client.get(reverse(name, args=["ashford", theirs.pk])).status_code == 404
        assert client.post(reverse(name, args=["ashford", theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_marking_someone_as_left_asks_first_then_keeps_them_as_former(client, world):
    member = membership_of(world, "member")
    url = reverse("collaborative-member-leave", args=["ashford", member.pk])
    client.force_login(world.people["facilitator"])
    confirm = client.get(url)
    assert h1(confirm) == ["Mark Ashford Member as having left?"]
    assert "Nothing is deleted" in text(confirm)
    member.refresh_from_db()
    assert member.is_active  # asking changed nothing
    response = client.post(url, follow=True)
    words = text(response)
    assert "Ashford Member has been marked as having left. Their history is kept." in words
    assert "Former members (1)" in words
    member.refresh_from_db()
    assert member.left_on is not None
    # Someone who has left cannot be marked again.
    assert client.get(url).status_code == 404


def test_the_last_facilitator_cannot_be_marked_as_left(client, world):
    facilitator = membership_of(world, "facilitator")
    client.force_login(world.people["programme_team"])
    response = client.post(reverse("collaborative-member-leave", args=["ashford", facilitator.pk]))
    assert response.status_code == 409
    assert "needs at least one facilitator" in text(response)
    facilitator.refresh_from_db()
    assert facilitator.is_active


def test_programme_team_manages_every_locality(client, world):
    client.force_login(world.people["programme_team"])
    assert client.get(reverse("collaborative-members", args=["brindle"])).status_code == 200
    services.membership_leave(actor=world.people["programme_team"], membership=membership_of(world, "observer"))
    assert "Former members (1)" in text(client.get(MEMBERS))
