"""What is sent, to whom and when: workshops coming up (with a calendar file, across a clock change), the workshop
record, invitations about to expire, members missing workshops, progress updates due, overdue and escalated,
milestones due soon, and sectors the plan needs that nobody represents any more."""

from datetime import date, timedelta

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from collab.models import Delivery, Membership, Notification, NotificationKind, Registration, Role, Sector, Workshop
from subgroups.models import Milestone, ProgressUpdate, Status, SubGroup, SubGroupMember, SubGroupRole
from tests.factories import InvitationFactory
from tests.notifications.conftest import uk

pytestmark = pytest.mark.django_db

OURS = {"observer", "member", "anchor", "facilitator", "lead"}


def recipients(kind):
    return {email.split("@")[0] for email in Delivery.objects.filter(kind=kind).values_list("user__email", flat=True)}


def sent(kind):
    """Emails of one kind (the digests go out in the same runs)."""
    return [m for m in mail.outbox if m.extra_headers["X-Collab-Delivery"].startswith(kind)]


def make_workshop(world, starts_at, **fields):
    return Workshop.objects.create(
        programme=world.programme,
        collaborative=world.ours,
        title=fields.pop("title", "Agree the priorities"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        created_by=world.people["facilitator"],
        **fields,
    )


def test_workshop_two_weeks_then_two_days_before_with_a_calendar_file(world, send_due):
    make_workshop(
        world,
        uk(2026, 12, 14, 10),
        venue="Ashford Library, Room 2",
        accessibility_notes="Step-free entrance on Mill Lane; hearing loop in Room 2.",
    )
    send_due(uk(2026, 11, 29, 9))  # 15 days before: nothing yet
    assert recipients(NotificationKind.WORKSHOP_UPCOMING) == set()
    send_due(uk(2026, 11, 30, 9))
    send_due(uk(2026, 11, 30, 10))  # beat again, an hour later
    assert recipients(NotificationKind.WORKSHOP_UPCOMING) == OURS  # not the other locality's facilitator
    assert len(sent("workshop_upcoming")) == 5
    email = next(m for m in sent("workshop_upcoming") if m.to == [world.people["member"].email])
    assert email.subject == "Workshop in 14 days: Agree the priorities"
    assert "Monday 14 December 2026, 10:00 to 13:00 (UK time), in person, half day." in email.body
    assert "Accessibility:\nStep-free entrance on Mill Lane; hearing loop in Room 2." in email.body
    ((name, ics, mime),) = email.attachments
    assert (name, mime) == ("workshop.ics", "text/calendar")
    assert "DTSTART:20261214T100000Z\r\n" in ics and "DTEND:20261214T130000Z\r\n" in ics
    assert "LOCATION:Ashford Library\\, Room 2\r\n" in ics
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    send_due(uk(2026, 12, 12, 9))
    assert Delivery.objects.filter(kind=NotificationKind.WORKSHOP_UPCOMING).count() == 10
    assert sent("workshop_upcoming")[-1].subject == "Workshop in 2 days: Agree the priorities"


def test_a_carriage_return_in_a_workshop_stays_inside_its_own_calendar_property(world, send_due):
    make_workshop(
        world,
        uk(2026, 12, 14, 10),
        title="Agree the\rpriorities",
        venue="Room 1\rATTACH:https://elsewhere.example/payload.exe",
        agenda="Welcome\rEND:VEVENT\rBEGIN:VEVENT\rSUMMARY:Another event",
    )
    send_due(uk(2026, 11, 30, 9))
    deliveries = Delivery.objects.filter(kind=NotificationKind.WORKSHOP_UPCOMING)
    assert set(deliveries.values_list("state", flat=True)) == {"sent"}  # not failing and retried
    email = next(m for m in sent("workshop_upcoming") if m.to == [world.people["member"].email])
    assert email.subject == "Workshop in 14 days: Agree the priorities"
    assert email.message()["Subject"] == email.subject
    ics = email.attachments[0][1]
    assert "\r" not in ics.replace("\r\n", "")  # a lone carriage return would start a property of its own
    assert not [line for line in ics.split("\r\n") if line.startswith(("ATTACH", "SUMMARY:Another"))]
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert "ATTACH" not in event
    assert str(event["SUMMARY"]).split() == ["Agree", "the", "priorities"]
    assert str(event["LOCATION"]).split() == ["Room", "1", "ATTACH:https://elsewhere.example/payload.exe"]


def test_two_days_before_across_the_clocks_going_forward(world, send_due):
    # The clocks go forward at 01:00 GMT on Sunday 28 March 2027; the workshop is on Tuesday 30th at 10:00 BST.
    make_workshop(world, uk(2027, 3, 30, 10))
    send_due(uk(2027, 3, 27, 23, 30))  # Saturday night, GMT: three days before
    assert not Delivery.objects.filter(key__contains=":2d:").exists()
    send_due(uk(2027, 3, 28, 0, 30))  # Sunday 00:30 GMT: two UK days before
    assert Delivery.objects.filter(key__contains=":2d:").count() == 5
    email = sent("workshop_upcoming")[-1]
    assert "Tuesday 30 March 2027, 10:00 to 13:00 (UK time)" in email.body
    assert "DTSTART:20270330T090000Z" in email.attachments[0][1]  # 10:00 BST is 09:00 UTC


def test_the_workshop_record_after_it_ends(world, send_due):
    workshop = make_workshop(world, uk(2026, 11, 20, 10))
    Workshop.objects.filter(pk=workshop.pk).update(ended_at=uk(2026, 11, 20, 12, 45))
    send_due(uk(2026, 11, 20, 13))
    send_due(uk(2026, 11, 21, 13))
    assert recipients(NotificationKind.WORKSHOP_RECORD) == OURS
    note = Notification.objects.get(user=world.people["member"], kind=NotificationKind.WORKSHOP_RECORD)
    assert note.link == f"/workshops/{workshop.pk}/record/"
    send_due(uk(2026, 12, 1, 13))  # long after: nothing more
    assert Delivery.objects.filter(kind=NotificationKind.WORKSHOP_RECORD).count() == 5


def test_invitation_about_to_expire_goes_to_whoever_sent_it(world, send_due):
    facilitator = world.people["facilitator"]
    now = timezone.now()
    InvitationFactory(
        collaborative=world.ours, invited_by=facilitator, email="soon@example.org", expires_at=now + timedelta(hours=30)
    )
    InvitationFactory(
        collaborative=world.ours, invited_by=facilitator, email="later@example.org", expires_at=now + timedelta(days=9)
    )
    InvitationFactory(
        collaborative=world.ours,
        invited_by=facilitator,
        email="done@example.org",
        expires_at=now + timedelta(hours=5),
        accepted_at=now,
    )
    send_due(now)
    send_due(now + timedelta(hours=1))
    (email,) = sent("invitation_expiring")
    assert email.to == [facilitator.email]
    assert email.subject == "Your invitation to soon@example.org expires soon"


def test_members_missing_the_last_three_workshops_are_named_to_the_facilitators_only(world, send_due):
    now = uk(2026, 11, 23, 12)
    workshops = [make_workshop(world, uk(2026, month, 10, 10)) for month in (8, 9, 10)]
    for workshop in workshops:
        Registration.objects.create(workshop=workshop, user=world.people["facilitator"], attended=True)
        Registration.objects.create(workshop=workshop, user=world.people["member"], attended=False)
    Registration.objects.create(workshop=workshops[1], user=world.people["anchor"], attended=True)
    Membership.objects.filter(collaborative=world.ours).update(joined_on=date(2026, 1, 1))
    newcomer = Membership.objects.get(user=world.people["observer"])
    newcomer.joined_on = date(2026, 10, 1)  # joined after the first of the three
    newcomer.save()
    send_due(now)
    send_due(now + timedelta(hours=1))
    (email,) = sent("attendance_missed")
    assert email.to == [world.people["facilitator"].email]
    assert email.subject == "2 of Ashford Collaborative missed the last 3 workshops"
    assert "- Ashford Lead (Mainstream primary school)\n- Ashford Member (Mainstream primary school)\n" in email.body
    assert "Ashford Collaborative Anchor" not in email.body and "Observer" not in email.body


@pytest.fixture
def subgroup(world):
    subgroup = SubGroup.objects.create(
        collaborative=world.ours, name="Transitions pilot", update_every_days=14, created_by=world.people["facilitator"]
    )
    SubGroupMember.objects.create(subgroup=subgroup, user=world.people["lead"], role=SubGroupRole.LEAD)
    SubGroupMember.objects.create(subgroup=subgroup, user=world.people["member"], role=SubGroupRole.MEMBER)
    return subgroup


def test_progress_update_due_then_overdue_then_escalated(world, subgroup, send_due):
    ProgressUpdate.objects.create(
        subgroup=subgroup,
        author=world.people["lead"],
        created_at=uk(2026, 11, 2, 15),
        status=Status.ON_TRACK,
        done="Drafted the tool",
        next_steps="Pilot it",
        children_voice_not_yet=True,
    )
    subgroup.current_update = ProgressUpdate.objects.get()
    subgroup.save()
    send_due(uk(2026, 11, 15, 9))  # 13 days on
    assert sent("progress") == []
    send_due(uk(2026, 11, 16, 9))  # due: 14 days after Monday 2 November
    send_due(uk(2026, 11, 17, 9))
    assert [m.subject for m in sent("progress")] == ["Time for a progress update of Transitions pilot"]
    assert sent("progress")[0].to == [world.people["lead"].email]
    send_due(uk(2026, 11, 23, 9))  # a week late
    assert sent("progress")[-1].subject == "The progress update of Transitions pilot is overdue"
    assert sent("progress")[-1].to == [world.people["lead"].email]
    send_due(uk(2026, 11, 30, 9))  # two weeks late: the facilitators are told
    assert sent("progress")[-1].subject == (
        "Transitions pilot has not posted an update since it was due on Monday 16 November 2026"
    )
    assert sent("progress")[-1].to == [world.people["facilitator"].email]
    send_due(uk(2026, 12, 1, 9))
    assert len(sent("progress")) == 3


def test_no_reminder_once_the_update_is_posted_or_the_work_is_done(world, subgroup, send_due):
    update = ProgressUpdate.objects.create(
        subgroup=subgroup,
        author=world.people["lead"],
        created_at=uk(2026, 11, 10, 15),
        status=Status.COMPLETED,
        done="All done",
        next_steps="Nothing",
        children_voice_not_yet=True,
    )
    subgroup.current_update = update
    subgroup.save()
    send_due(uk(2026, 12, 20, 9))
    assert not Delivery.objects.filter(kind__startswith="progress").exists()


def test_milestone_due_within_a_week(world, subgroup, send_due):
    Milestone.objects.create(
        subgroup=subgroup, title="Pilot schools signed up", due_on=date(2026, 11, 26), created_by=world.people["lead"]
    )
    Milestone.objects.create(
        subgroup=subgroup, title="Far away", due_on=date(2027, 1, 26), created_by=world.people["lead"]
    )
    send_due(uk(2026, 11, 23, 9))
    send_due(uk(2026, 11, 24, 9))
    assert recipients(NotificationKind.MILESTONE_DUE) == {"lead"}
    (email,) = sent("milestone_due")
    assert email.subject == "Milestone due in 3 days: Pilot schools signed up"


def test_sector_the_plan_needs_is_no_longer_represented(world, send_due):
    from actionplans.models import ActionPlan, PlanItem, PlanItemPartner

    plan = ActionPlan.objects.create(collaborative=world.ours, created_by=world.people["facilitator"])
    item = PlanItem.objects.create(
        plan=plan, collaborative=world.ours, title="Joint drop-in clinics", created_by=world.people["facilitator"]
    )
    PlanItemPartner.objects.create(item=item, sector=Sector.PRIMARY_SCHOOL)  # every actor comes from a school
    PlanItemPartner.objects.create(item=item, sector=Sector.SOCIAL_CARE)
    now = timezone.now()
    send_due(now)
    send_due(now)
    assert recipients(NotificationKind.SECTOR_GAP) == {"anchor", "facilitator"}
    email = next(m for m in sent("sector_gap") if m.to == [world.people["anchor"].email])
    assert email.subject == "Ashford Collaborative has no active member from 1 sector(s) its plan needs"
    assert "- Children's social care\n" in email.body
    # A social worker joins: no more gap, nothing new. Then she leaves: said again.
    from tests.factories import MembershipFactory

    social = MembershipFactory(collaborative=world.ours, role=Role.MEMBER, sector=Sector.SOCIAL_CARE)
    send_due(now)
    assert Delivery.objects.filter(kind=NotificationKind.SECTOR_GAP).count() == 2
    social.left_on = date.today()
    social.save()
    send_due(now)
    assert Delivery.objects.filter(kind=NotificationKind.SECTOR_GAP).count() == 2  # the same gap, already said
