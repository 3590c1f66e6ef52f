"""Test data builders. Every person's password is PASSWORD."""

import factory
from django.utils import timezone

from collab.models import Collaborative, Invitation, Membership, Organisation, Programme, Role, Sector, User

PASSWORD = "a-long-test-passphrase"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Inclusion Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")


class CollaborativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collaborative

    programme = factory.SubFactory(ProgrammeFactory)
    locality = factory.Sequence(lambda n: f"Locality {n}")
    name = factory.LazyAttribute(lambda o: f"{o.locality} Collaborative")
    slug = factory.Sequence(lambda n: f"collaborative-{n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    collaborative = factory.SubFactory(CollaborativeFactory)
    programme = factory.LazyAttribute(lambda o: o.collaborative.programme if o.collaborative else ProgrammeFactory())
    name = factory.Sequence(lambda n: f"Organisation {n}")
    sector = Sector.PRIMARY_SCHOOL


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    collaborative = factory.SubFactory(CollaborativeFactory)
    programme = factory.LazyAttribute(lambda o: o.collaborative.programme)
    role = Role.MEMBER
    sector = Sector.PRIMARY_SCHOOL


class ProgrammeTeamFactory(MembershipFactory):
    collaborative = None
    programme = factory.SubFactory(ProgrammeFactory)
    role = Role.PROGRAMME_TEAM
    sector = Sector.FACILITATION


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    collaborative = factory.SubFactory(CollaborativeFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.MEMBER
    sector = Sector.HEALTH
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=14))


def api_token_for(user: User) -> str:
    """A working API token for `user`, of the kind /api/v1/auth/token/ issues (knox: only its digest is stored,
    expiring like any other). Made directly, so it writes nothing to the audit trail a test may be watching."""
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=user)
    return token


def api_client_for(user: User):
    """An API client that sends `user`'s token, as a script would."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client
