"""The demo data: what `manage.py seed_demo` loads for someone trying the workspace for the first time."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from collab import selectors
from collab.access import role_in
from collab.demo import DEMO_PASSWORD, build_programme, place_names
from collab.errors import NotFound
from collab.models import Collaborative, Invitation, Membership, Organisation, Programme, Role, Sector, User

pytestmark = pytest.mark.django_db

LOGINS = {
    "programme-team@demo.example": Role.PROGRAMME_TEAM,
    "facilitator@demo.example": Role.FACILITATOR,
    "anchor@demo.example": Role.ANCHOR,
    "member@demo.example": Role.MEMBER,
    "observer@demo.example": Role.OBSERVER,
}


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Programme, Collaborative, Organisation, User, Membership, Invitation)
    }


def test_demo_has_three_invented_localities_of_thirty_five_members():
    result = build_programme()

    assert result.created
    assert result.programme.name == "Inclusive Futures"
    collaboratives = list(Collaborative.objects.order_by("pk"))
    assert [c.slug for c in collaboratives] == ["eastmere", "hollinbrook", "saltwick"]
    assert [c.locality for c in collaboratives] == ["Eastmere", "Hollinbrook", "Saltwick"]
    for collaborative in collaboratives:
        memberships = Membership.objects.filter(collaborative=collaborative)
        assert memberships.count() == 35
        assert collaborative.anchor_organisation.sector == Sector.LA_EDUCATION
        assert memberships.filter(role=Role.ANCHOR, left_on__isnull=True).count() == 1
        assert 1 <= memberships.filter(role=Role.FACILITATOR, left_on__isnull=True).count() <= 2
        assert memberships.filter(left_on__isnull=False).exists(), "some former members show the history"
        assert 15 <= Organisation.objects.filter(collaborative=collaborative).count() <= 20
    # Facilitators come from the programme-wide facilitating organisation.
    facilitators = Membership.objects.filter(role=Role.FACILITATOR)
    assert {m.organisation.sector for m in facilitators} == {Sector.FACILITATION}
    assert {m.organisation.collaborative_id for m in facilitators} == {None}


def test_every_sector_is_represented_in_each_locality():
    build_programme()

    for collaborative in Collaborative.objects.all():
        sectors = set(Membership.objects.active().filter(collaborative=collaborative).values_list("sector", flat=True))
        assert sectors == set(Sector.values), f"{collaborative} lacks {set(Sector.values) - sectors}"
        schools = Membership.objects.active().filter(
            collaborative=collaborative, sector__in=[Sector.PRIMARY_SCHOOL, Sector.SECONDARY_SCHOOL]
        )
        assert (
            schools.count()
            > Membership.objects.active().filter(collaborative=collaborative, sector=Sector.SOCIAL_CARE).count()
        ), "more members come from schools than from any one service"


def test_everyone_is_fictional_and_only_demo_logins_can_sign_in():
    build_programme()

    assert all(email.endswith("demo.example") for email in User.objects.values_list("email", flat=True))
    assert all(email.endswith("demo.example") for email in Invitation.objects.values_list("email", flat=True))
    can_sign_in = {user.email for user in User.objects.all() if user.has_usable_password()}
    assert can_sign_in == set(LOGINS)


@pytest.mark.parametrize("email", list(LOGINS))
def test_each_demo_login_signs_in_and_sees_only_its_own_locality(email):
    build_programme()
    client = Client()

    # The lock-out protection on sign-in needs the request, as the sign-in page passes it.
    request = RequestFactory().post(reverse("login"))
    assert client.login(request=request, username=email, password=DEMO_PASSWORD)

    user = User.objects.get(email=email)
    visible = set(selectors.collaboratives_visible(user).values_list("slug", flat=True))
    eastmere = Collaborative.objects.get(slug="eastmere")
    assert role_in(user, eastmere) == LOGINS[email]
    if LOGINS[email] == Role.PROGRAMME_TEAM:
        assert visible == {"eastmere", "hollinbrook", "saltwick"}
    else:
        assert visible == {"eastmere"}
        with pytest.raises(NotFound):
            selectors.collaborative_get(user, slug="hollinbrook")
        members = selectors.memberships_visible(user)
        assert set(members.values_list("collaborative__slug", flat=True)) == {"eastmere"}
        assert client.get(reverse("collaborative-overview", args=["hollinbrook"])).status_code == 404
    assert client.get(reverse("collaborative-overview", args=["eastmere"])).status_code == 200


def test_demo_anchor_has_something_needing_attention():
    build_programme()
    anchor = User.objects.get(email="anchor@demo.example")

    _, attention = selectors.home_for(anchor)

    assert [item.kind for item in attention] == ["invitations_expiring"]
    assert Invitation.objects.pending().filter(collaborative__slug="eastmere").count() == 2


def test_building_again_changes_nothing():
    first = build_programme()
    before = _counts()

    again = build_programme()

    assert not again.created
    assert again.programme == first.programme
    assert _counts() == before
    assert [login.email for login in again.logins] == list(LOGINS)


def test_reset_rebuilds_the_same_people():
    build_programme()
    before = _counts()
    people = sorted(User.objects.values_list("email", "display_name"))

    result = build_programme(reset=True)

    assert result.created
    assert _counts() == before
    assert sorted(User.objects.values_list("email", "display_name")) == people


def test_seed_demo_command_prints_the_logins_and_is_idempotent(settings):
    settings.SITE_URL = "http://192.0.2.10:8123"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = out.getvalue()
    before = _counts()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert "Built the demo programme" in first
    for email in LOGINS:
        assert email in first
    assert DEMO_PASSWORD in first
    assert "http://192.0.2.10:8123/" in first, "the address the workspace is served at"
    assert "nothing changed" in out.getvalue()
    assert _counts() == before


def test_large_synthetic_sets_build_with_the_sizes_asked_for():
    result = build_programme(localities=12, members_per_collaborative=60, slug="synthetic", name="Synthetic")

    assert result.collaboratives == 12
    assert len(set(Collaborative.objects.values_list("locality", flat=True))) == 12
    assert Membership.objects.exclude(role=Role.PROGRAMME_TEAM).count() == 12 * 60
    assert len(place_names(200)) == len(set(place_names(200))) == 200
