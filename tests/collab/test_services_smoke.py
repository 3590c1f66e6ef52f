import pytest

from collab import services
from collab.errors import NotFound
from collab.models import Membership, Role, Sector


def test_facilitator_invites_and_invitee_accepts(world, mailoutbox, django_capture_on_commit_callbacks):
    facilitator = world.people["facilitator"]
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=facilitator, collaborative=world.ours, email="New.Person@Example.org", role=Role.MEMBER,
            sector=Sector.HEALTH,
        )
    assert len(mailoutbox) == 1
    token = services.invitation_token(invitation)
    membership = services.invitation_accept(token=token, display_name="New Person", password="a-long-new-passphrase")
    assert membership.user.email == "new.person@example.org"
    assert Membership.objects.active().filter(collaborative=world.ours, user=membership.user).exists()


def test_outsider_cannot_see_another_locality(world):
    with pytest.raises(NotFound):
        services.invitation_create(
            actor=world.people["outsider"], collaborative=world.ours, email="x@example.org", role=Role.MEMBER,
            sector=Sector.HEALTH,
        )
