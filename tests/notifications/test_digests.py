"""The cross-sub-group digest and the programme digest: content against hand-built expectations in plain text and
HTML, exactly one per person per period (weekly or fortnightly, Monday 08:00 UK time across the clock change), and
nothing for people who left or stopped digests."""

from datetime import UTC, date, timedelta

import pytest
from django.core import mail

from collab.models import (
    CardGroup,
    Delivery,
    DigestFrequency,
    Membership,
    Message,
    NotificationKind,
    NotificationPreference,
    Promotion,
    Workshop,
)
from collab.notify import digest_period
from collab.services import boards as board_services
from collab.services.notifications import unsubscribe_token
from subgroups.models import Milestone, ProgressUpdate, Status, SubGroup, SubGroupMember, SubGroupRole
from tests.notifications.conftest import uk

pytestmark = pytest.mark.django_db
SITE = "https://collab.example.org"


def digests(kind=NotificationKind.DIGEST):
    return [m for m in mail.outbox if m.extra_headers["X-Collab-Delivery"].startswith(f"{kind}:")]


@pytest.fixture
def activity(world, settings):
    """Ashford in the week of Monday 16 November 2026: one sub-group posts an update that puts it at risk, another
    has not started; a priority comes out of a workshop board; a workshop is coming up."""
    settings.SITE_URL = SITE
    lead, facilitator = world.people["lead"], world.people["facilitator"]
    pilot = SubGroup.objects.create(collaborative=world.ours, name="Transitions pilot", created_by=facilitator)
    network = SubGroup.objects.create(collaborative=world.ours, name="Behaviour network", created_by=facilitator)
    SubGroupMember.objects.create(subgroup=pilot, user=lead, role=SubGroupRole.LEAD)
    common = {"subgroup": pilot, "author": lead, "children_voice_not_yet": True}
    ProgressUpdate.objects.create(
        **common, created_at=uk(2026, 11, 10, 12), status=Status.ON_TRACK, done="Set up", next_steps="Visit"
    )
    latest = ProgressUpdate.objects.create(
        **common,
        created_at=uk(2026, 11, 18, 14),
        status=Status.AT_RISK,
        done="Visited three schools",
        next_steps="Agree the tool",
        blockers="No data-sharing agreement yet",
        support_needed="Help from the LA data team",
    )
    pilot.current_update = latest
    pilot.save()
    Milestone.objects.create(subgroup=pilot, title="Pilot schools signed up", due_on=date(2026, 12, 1), created_by=lead)
    Milestone.objects.create(subgroup=pilot, title="Evaluation", due_on=date(2027, 3, 1), created_by=lead)
    past = Workshop.objects.create(
        programme=world.programme,
        collaborative=world.ours,
        title="Priorities",
        created_by=facilitator,
        starts_at=uk(2026, 11, 18, 10),
        ends_at=uk(2026, 11, 18, 13),
    )
    board = board_services.board_create(actor=facilitator, workshop=past, title="What matters most?")
    group = CardGroup.objects.create(board=board, zone=board.zones.first(), title="Year 6")
    Promotion.objects.create(
        board=board,
        group=group,
        target="priority",
        target_id=1,
        target_label="Earlier help for Year 6 pupils",
        promoted_by=facilitator,
        promoted_at=uk(2026, 11, 18, 12),
    )
    Workshop.objects.create(
        programme=world.programme,
        collaborative=world.ours,
        title="Review the year",
        created_by=facilitator,
        starts_at=uk(2026, 12, 7, 10),
        ends_at=uk(2026, 12, 7, 13),
    )
    return pilot, network


def test_digest_content_in_plain_text_and_html(world, activity, send_due):
    pilot, network = activity
    send_due(uk(2026, 11, 23, 9))
    member = world.people["member"]
    (email,) = [m for m in digests() if m.to == [member.email]]
    assert email.subject == "Ashford Collaborative: what the sub-groups did, 16 November to 23 November 2026"
    unsubscribe = f"{SITE}/unsubscribe/{unsubscribe_token(member, 'digest')}/"
    assert (
        email.body
        == f"""Hello Ashford Member,

Ashford Collaborative: what each sub-group did from 16 November to 23 November 2026.

== Behaviour network ==
Status: Not started
No update yet.
{SITE}/c/ashford/subgroups/{network.pk}/

== Transitions pilot ==
Status: At risk (was on track)
New update by Ashford Lead on Wednesday 18 November 2026.
Done: Visited three schools
Next: Agree the tool
Blockers: No data-sharing agreement yet
Support needed: Help from the LA data team
Milestones coming up:
- Pilot schools signed up, due Tuesday 1 December 2026
{SITE}/c/ashford/subgroups/{pilot.pk}/

== Workshops coming up ==
- Review the year: Monday 7 December 2026, 10:00, in person

== New from the workshop boards ==
- Priority: Earlier help for Year 6 pupils

All the sub-groups: {SITE}/c/ashford/subgroups/

--
You get this cross-sub-group digest from the Collaborative workspace.
Stop these digests: {unsubscribe}
Choose what you get: {SITE}/notifications/choices/
"""
    )
    html = email.alternatives[0][0]
    for fragment in (
        f'<a href="{SITE}/c/ashford/subgroups/{pilot.pk}/">Transitions pilot</a>',
        "<p><strong>At risk</strong> (was on track)</p>",
        "<p>New update by Ashford Lead on Wednesday 18 November 2026.</p>",
        "<p><strong>Blockers:</strong> No data-sharing agreement yet</p>",
        "<p><strong>Support needed:</strong> Help from the LA data team</p>",
        "<li>Pilot schools signed up, due Tuesday 1 December 2026</li>",
        "<li>Priority: Earlier help for Year 6 pupils</li>",
        f'<a href="{unsubscribe}">Stop these digests</a>',
    ):
        assert fragment in html
    assert html.index("Behaviour network") < html.index("Transitions pilot")
    assert "Evaluation" not in email.body  # due in March: beyond the four weeks shown


def test_one_digest_per_person_per_period_however_often_beat_fires(world, activity, send_due):
    for hour in (7, 8, 9, 10):  # 07:00 is before the Monday 08:00 of the week: last week's period
        send_due(uk(2026, 11, 23, hour))
    keys = sorted(
        Message.objects.filter(kind=NotificationKind.DIGEST, collaborative=world.ours).values_list("key", flat=True)
    )
    assert keys == [f"digest:{world.ours.pk}:weekly:2026-W47", f"digest:{world.ours.pk}:weekly:2026-W48"]
    for person in ("observer", "member", "anchor", "facilitator", "lead"):
        got = [m for m in digests() if m.to == [world.people[person].email]]
        assert len(got) == 2, person  # one per period, not one per run
    assert not [m for m in digests() if m.to == [world.people["outsider"].email and "Ashford" in m.subject]]


def test_fortnightly_and_off_and_left(world, activity, send_due):
    NotificationPreference.objects.create(user=world.people["member"], digest_frequency=DigestFrequency.FORTNIGHTLY)
    NotificationPreference.objects.create(user=world.people["observer"], digest_frequency=DigestFrequency.OFF)
    Membership.objects.filter(user=world.people["anchor"]).update(
        joined_on=date(2026, 1, 5), left_on=date(2026, 11, 20)
    )
    for week in range(4):  # four Mondays: 23 Nov (W48), 30 Nov, 7 Dec (W50), 14 Dec
        send_due(uk(2026, 11, 23, 9) + timedelta(weeks=week))

    def count(person):
        return len([m for m in digests() if m.to == [world.people[person].email]])

    assert count("lead") == 4 and count("facilitator") == 4
    assert count("member") == 2  # weeks 48 and 50
    assert count("observer") == 0 and count("anchor") == 0
    keys = Delivery.objects.filter(user=world.people["member"], kind="digest").values_list("key", flat=True)
    assert sorted(keys) == [
        f"digest:{world.ours.pk}:fortnightly:2026-W48",
        f"digest:{world.ours.pk}:fortnightly:2026-W50",
    ]


def test_digest_time_stays_0800_uk_across_the_clocks_going_back():
    # BST ends at 02:00 on Sunday 25 October 2026.
    before = digest_period(uk(2026, 10, 19, 8), DigestFrequency.WEEKLY)
    assert before.key == "2026-W43" and before.ends_at.isoformat() == "2026-10-19T08:00:00+01:00"
    assert before.ends_at.utcoffset() == timedelta(hours=1)
    not_yet = digest_period(uk(2026, 10, 26, 7, 59), DigestFrequency.WEEKLY)
    assert not_yet.key == "2026-W43"
    after = digest_period(uk(2026, 10, 26, 8), DigestFrequency.WEEKLY)
    assert after.key == "2026-W44"
    assert after.ends_at.utcoffset() == timedelta(0)  # 08:00 GMT is 08:00 UTC; the week before it was 07:00 UTC
    # A week with a 25-hour Sunday: 169 hours from 08:00 to 08:00.
    assert after.ends_at.astimezone(UTC) - after.starts_at.astimezone(UTC) == timedelta(days=7, hours=1)
    assert after.label == "19 October to 26 October 2026"


def test_programme_digest_for_the_programme_team_and_anchors(world, activity, send_due):
    send_due(uk(2026, 11, 23, 9))
    got = {m.to[0].split("@")[0]: m for m in digests(NotificationKind.PROGRAMME_DIGEST)}
    assert set(got) == {"team", "anchor"}  # Brindle has no anchor in this world
    email = got["team"]
    assert email.subject == "Demo Programme: the localities side by side, 16 November to 23 November 2026"
    ashford = "\nAshford: Not started 1; At risk 1\n  1 update(s), 1 with blockers, 1 workshop(s) coming up, "
    assert ashford + "1 new board output(s)\n" in email.body
    assert "\nBrindle: no sub-groups\n  0 update(s)" in email.body
    assert "Visited three schools" not in email.body  # counts only: each locality's detail stays with it
    assert '<th scope="row" style="text-align: left; padding: 0.3em;">Ashford</th>' in email.alternatives[0][0]


@pytest.fixture
def boundary_updates(world, settings):
    """Two sub-groups of Ashford, each updated right at the edge of the week of Monday 16 November 2026: the pilot
    at the last second of the period (07:59:59 on Monday 23 November), the network at the first second of the next
    (08:00:00); then, after the period, the pilot again on Wednesday 25 November."""
    settings.SITE_URL = SITE
    lead, facilitator = world.people["lead"], world.people["facilitator"]
    pilot = SubGroup.objects.create(collaborative=world.ours, name="Transitions pilot", created_by=facilitator)
    network = SubGroup.objects.create(collaborative=world.ours, name="Behaviour network", created_by=facilitator)
    common = {"author": lead, "children_voice_not_yet": True}
    ProgressUpdate.objects.create(
        **common, subgroup=pilot, created_at=uk(2026, 11, 2, 12), status=Status.ON_TRACK, done="Set up", next_steps="-"
    )
    ProgressUpdate.objects.create(
        **common,
        subgroup=pilot,
        created_at=uk(2026, 11, 23, 7, 59, 59),
        status=Status.AT_RISK,
        done="Last second of the week",
        next_steps="Agree the tool",
        blockers="Waiting for the data-sharing agreement",
    )
    network_update = ProgressUpdate.objects.create(
        **common,
        subgroup=network,
        created_at=uk(2026, 11, 23, 8),
        status=Status.BLOCKED,
        done="First second of the next week",
        next_steps="Meet the heads",
        blockers="No venue",
    )
    pilot_update = ProgressUpdate.objects.create(
        **common,
        subgroup=pilot,
        created_at=uk(2026, 11, 25, 10),
        status=Status.COMPLETED,
        done="Posted after the week ended",
        next_steps="Write it up",
        support_needed="A room for the launch",
    )
    # What the sub-groups say now: their latest updates, posted after the week of 16 November ended.
    SubGroup.objects.filter(pk=pilot.pk).update(current_update=pilot_update)
    SubGroup.objects.filter(pk=network.pk).update(current_update=network_update)
    NotificationPreference.objects.create(user=world.people["member"], digest_frequency=DigestFrequency.FORTNIGHTLY)
    return pilot, network


def _digest_for(world, person, period_key, frequency=DigestFrequency.WEEKLY):
    key = f"digest:{world.ours.pk}:{frequency}:{period_key}"
    (email,) = [
        m for m in digests() if m.to == [world.people[person].email] and m.extra_headers["X-Collab-Delivery"] == key
    ]
    return email


def test_an_update_belongs_to_exactly_one_digest_period_even_when_a_digest_goes_out_late(
    world, boundary_updates, send_due
):
    # Beat was down on Monday 23 November: the digest of the week of 16 November goes out on Saturday 28 November.
    send_due(uk(2026, 11, 28, 9))
    late = _digest_for(world, "lead", "2026-W48")
    assert late.subject == "Ashford Collaborative: what the sub-groups did, 16 November to 23 November 2026"
    assert (
        "== Behaviour network ==\nStatus: Not started\nNo update yet.\n" in late.body
    )  # its update came a second after the week ended
    assert (
        "== Transitions pilot ==\nStatus: At risk (was on track)\n"
        "New update by Ashford Lead on Monday 23 November 2026.\n"
        "Done: Last second of the week\nNext: Agree the tool\nBlockers: Waiting for the data-sharing agreement\n"
    ) in late.body
    for later in ("First second of the next week", "Posted after the week ended", "A room for the launch"):
        assert later not in late.body
    html = late.alternatives[0][0]
    assert "Posted after the week ended" not in html and "First second of the next week" not in html

    # The next week's digest has what was posted from 08:00 on 23 November, and not the pilot's update again.
    send_due(uk(2026, 11, 30, 9))
    following = _digest_for(world, "lead", "2026-W49")
    assert "from 23 November to 30 November 2026" in following.body
    assert (
        "== Behaviour network ==\nStatus: Blocked (was not started)\n"
        "New update by Ashford Lead on Monday 23 November 2026.\nDone: First second of the next week\n"
    ) in following.body
    assert (
        "== Transitions pilot ==\nStatus: Completed (was at risk)\n"
        "New update by Ashford Lead on Wednesday 25 November 2026.\nDone: Posted after the week ended\n"
    ) in following.body
    assert "Last second of the week" not in following.body


def test_a_fortnightly_digest_has_its_own_two_weeks(world, boundary_updates, send_due):
    # The fortnight of 9 November ends at 08:00 on Monday 23 November; its digest goes out late, on 28 November.
    send_due(uk(2026, 11, 28, 9))
    first = _digest_for(world, "member", "2026-W48", DigestFrequency.FORTNIGHTLY)
    assert "from 9 November to 23 November 2026" in first.body
    assert "Done: Last second of the week" in first.body
    assert "First second of the next week" not in first.body and "Posted after the week ended" not in first.body
    send_due(uk(2026, 11, 30, 9))  # a weekly Monday only: nothing for the fortnightly reader
    send_due(uk(2026, 12, 7, 9))
    second = _digest_for(world, "member", "2026-W50", DigestFrequency.FORTNIGHTLY)
    assert "from 23 November to 7 December 2026" in second.body
    assert "Done: First second of the next week" in second.body and "Done: Posted after the week ended" in second.body
    assert "Last second of the week" not in second.body
    assert len([m for m in digests() if m.to == [world.people["member"].email]]) == 2


def test_the_programme_digest_counts_statuses_as_they_were_at_the_end_of_its_period(world, boundary_updates, send_due):
    send_due(uk(2026, 11, 28, 9))
    (email,) = [
        m
        for m in digests(NotificationKind.PROGRAMME_DIGEST)
        if m.to == [world.people["programme_team"].email] and m.extra_headers["X-Collab-Delivery"].endswith("W48")
    ]
    # At 08:00 on 23 November the network had no update yet and the pilot was at risk; both changed afterwards.
    assert "\nAshford: Not started 1; At risk 1\n  1 update(s), 1 with blockers," in email.body
