"""The notification centre (list, unread count in the navigation, mark read), the choices page, and the
facilitators' digest preview."""

import re

import pytest
from django.urls import reverse

from collab.models import AuditEvent, Notification, NotificationKind, NotificationPreference
from subgroups.models import SubGroup

pytestmark = pytest.mark.django_db


def note(person, title, **extra):
    return Notification.objects.create(user=person, kind=NotificationKind.MILESTONE_DUE, title=title, **extra)


def test_centre_lists_ones_own_with_the_unread_count_in_the_navigation(world, client):
    member = world.people["member"]
    first = note(member, "Milestone due in 3 days: Pilot schools signed up", link=reverse("home"))
    note(member, "Workshop in 2 days: Agree the priorities")
    note(world.people["anchor"], "Someone else's")
    client.force_login(member)
    page = client.get(reverse("notification-list")).content.decode()
    assert "Pilot schools signed up" in page and "Agree the priorities" in page and "Someone else" not in page
    assert '2<span class="visually-hidden"> unread</span>' in page
    response = client.post(reverse("notification-read", args=[first.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    page = client.get(reverse("notification-list")).content.decode()
    assert '1<span class="visually-hidden"> unread</span>' in page
    client.post(reverse("notification-read-all"))
    page = client.get(reverse("notification-list")).content.decode()
    assert "unread</span>" not in page
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()


def test_someone_elses_notification_cannot_be_marked(world, client):
    theirs = note(world.people["anchor"], "Theirs")
    client.force_login(world.people["member"])
    assert client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_choosing_frequency_and_channels(world, client):
    member = world.people["member"]
    client.force_login(member)
    page = client.get(reverse("notification-preferences")).content.decode()
    assert re.search(r'<input[^>]*value="weekly"[^>]*checked', page)  # the default
    response = client.post(
        reverse("notification-preferences"),
        {"digest_frequency": "fortnightly", "in_app": "on", "email_muted_kinds": ["milestone_due"]},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=member)
    assert (preference.digest_frequency, preference.email, preference.in_app) == ("fortnightly", False, True)
    assert preference.email_muted_kinds == ["milestone_due"]
    assert AuditEvent.objects.filter(action="notification_preference.update", actor=member).exists()


def test_bad_choices_are_a_400_that_says_why(world, client):
    client.force_login(world.people["member"])
    response = client.post(reverse("notification-preferences"), {"digest_frequency": "hourly"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_digest_preview_for_facilitators(world, client):
    SubGroup.objects.create(collaborative=world.ours, name="Transitions pilot", created_by=world.people["facilitator"])
    client.force_login(world.people["facilitator"])
    page = client.get(reverse("digest-preview", args=[world.ours.slug])).content.decode()
    assert "<h1>This week's digest</h1>" in page and "Transitions pilot" in page and "No update yet." in page
    page = client.get(reverse("subgroup-list", args=[world.ours.slug])).content.decode()
    assert reverse("digest-preview", args=[world.ours.slug]) in page
    client.force_login(world.people["member"])
    page = client.get(reverse("subgroup-list", args=[world.ours.slug])).content.decode()
    assert reverse("digest-preview", args=[world.ours.slug]) not in page


def test_leads_choose_how_often_their_sub_group_posts_an_update(world, client):
    from subgroups.models import SubGroupMember, SubGroupRole

    subgroup = SubGroup.objects.create(collaborative=world.ours, name="Pilot", created_by=world.people["facilitator"])
    SubGroupMember.objects.create(subgroup=subgroup, user=world.people["lead"], role=SubGroupRole.LEAD)
    client.force_login(world.people["lead"])
    url = reverse("subgroup-edit", args=[world.ours.slug, subgroup.pk])
    assert "How often does it post a progress update?" in client.get(url).content.decode()
    response = client.post(url, {"name": "Pilot", "update_every_days": "14"})
    assert response.status_code == 302
    subgroup.refresh_from_db()
    assert subgroup.update_every_days == 14
    assert client.post(url, {"name": "Pilot", "update_every_days": "3"}).status_code == 400
    subgroup.refresh_from_db()
    assert subgroup.update_every_days == 14
