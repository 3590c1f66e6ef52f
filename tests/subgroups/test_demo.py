"""The quick start's demo data for sub-groups: a few workstreams per locality with months of fortnightly updates,
milestones and a support log, and the demo sign-in of a sub-group lead, printed with the others."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from collab.demo import DEMO_PASSWORD, build_programme, delete_programme
from collab.models import Collaborative, Membership, Role, User
from subgroups.demo import LEAD_EMAIL, build_subgroups
from subgroups.models import (
    Concern,
    Milestone,
    ProgressUpdate,
    Status,
    SubGroup,
    SubGroupLink,
    SubGroupMember,
    SupportEntry,
)

pytestmark = pytest.mark.django_db


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_sub_groups_with_months_of_fortnightly_updates():
    output = _seed()
    assert "sub-groups with" in output
    for collaborative in Collaborative.objects.all():
        subgroups = SubGroup.objects.filter(collaborative=collaborative)
        assert 3 <= subgroups.count() <= 5
        for subgroup in subgroups:
            dates = sorted(u.created_at for u in subgroup.updates.all())
            assert len(dates) >= 8, "a few months of updates"
            gaps = {(later - earlier).days for earlier, later in zip(dates, dates[1:], strict=False)}
            assert gaps <= set(range(10, 18)), f"fortnightly, not {sorted(gaps)}"
            assert subgroup.current_update == subgroup.updates.order_by("-created_at").first()
            assert Milestone.objects.filter(subgroup=subgroup).count() >= 3
            assert SupportEntry.objects.filter(subgroup=subgroup).exists()
            assert SubGroupMember.objects.active().filter(subgroup=subgroup, role="lead").count() == 1
    statuses = set(SubGroup.objects.values_list("current_update__status", flat=True))
    assert {Status.ON_TRACK, Status.BLOCKED} <= statuses, "the leads' view has something to discuss"
    assert ProgressUpdate.objects.filter(status=Status.CHANGED_DIRECTION).exclude(direction_reason="").exists()
    assert SubGroupLink.objects.filter(from_subgroup__collaborative__slug="eastmere").exists()
    assert Concern.objects.count() == 1


def test_the_demo_lead_leads_a_sub_group_in_eastmere_and_is_printed_with_the_other_logins():
    output = _seed()
    assert LEAD_EMAIL in output
    assert "Sub-group lead" in output
    user = User.objects.get(email=LEAD_EMAIL)
    assert user.check_password(DEMO_PASSWORD)
    membership = Membership.objects.active().get(user=user)
    assert (membership.collaborative.slug, membership.role) == ("eastmere", Role.MEMBER)
    part = SubGroupMember.objects.active().get(user=user, role="lead")
    assert part.subgroup.collaborative.slug == "eastmere"
    assert f"leads “{part.subgroup.name}”" in output

    client = Client()
    signed_in = client.post(reverse("login"), {"username": LEAD_EMAIL, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    url = reverse("subgroup-update", args=["eastmere", part.subgroup.pk])
    assert client.get(url).status_code == 200


def test_seeding_twice_changes_nothing_and_reset_rebuilds():
    _seed()
    counts = (SubGroup.objects.count(), ProgressUpdate.objects.count(), User.objects.count())
    assert "nothing changed" in _seed()
    assert (SubGroup.objects.count(), ProgressUpdate.objects.count(), User.objects.count()) == counts
    _seed("--reset")
    assert (SubGroup.objects.count(), ProgressUpdate.objects.count(), User.objects.count()) == counts


def test_deleting_the_programme_removes_its_sub_groups_and_the_demo_lead():
    _seed()
    assert delete_programme("inclusive-futures")
    assert not SubGroup.objects.exists()
    assert not User.objects.filter(email=LEAD_EMAIL).exists()


def test_the_builder_makes_large_sets_for_the_benchmark():
    result = build_programme(localities=1, members_per_collaborative=40, slug="big", name="Big", with_demo_logins=False)
    collaborative = result.programme.collaboratives.get()
    built = build_subgroups([collaborative], per_collaborative=60, updates=52)
    assert (built.subgroups, built.updates) == (60, 60 * 52)
    assert SubGroup.objects.filter(collaborative=collaborative).count() == 60
