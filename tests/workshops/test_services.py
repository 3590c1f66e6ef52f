"""Workshop services on PostgreSQL: scheduling in UK time (across the clock changes), the year's dates all or
nothing, changes, cancelling and ending, places and attendance, and who may do each."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from collab import services
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import AuditEvent, Registration, Workshop, WorkshopFormat, WorkshopLength
from tests.factories import MembershipFactory, UserFactory
from tests.workshops.helpers import RegistrationFactory, WorkshopFactory, past_workshop, running_workshop, uk

pytestmark = pytest.mark.django_db


def schedule(world, who="facilitator", **fields):
    defaults = {
        "actor": world.people[who],
        "collaborative": world.ours,
        "dates": [date(2027, 1, 12), date(2027, 3, 23), date(2027, 3, 29)],
        "start_time": time(10, 0),
        "end_time": time(13, 0),
        "title": "Collaborative workshop",
    }
    return services.workshop_schedule_year(**{**defaults, **fields})


# --- UK time -----------------------------------------------------------------------------------------------------


def test_a_workshop_after_the_clocks_go_forward_is_stored_an_hour_earlier_in_utc(world, clock):
    workshop = services.workshop_create(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        title="Agreeing our priorities",
        starts_at=services.local_datetime(date(2027, 3, 29), time(10, 0)),
        ends_at=services.local_datetime(date(2027, 3, 29), time(13, 0)),
    )

    workshop.refresh_from_db()
    assert workshop.starts_at == datetime(2027, 3, 29, 9, 0, tzinfo=UTC)
    assert workshop.ends_at == datetime(2027, 3, 29, 12, 0, tzinfo=UTC)
    assert workshop.length == WorkshopLength.HALF_DAY, "three hours is a half day"
    assert workshop.programme == world.programme


def test_a_workshop_before_the_clocks_go_forward_is_stored_at_the_same_hour_in_utc(world, clock):
    workshop = services.workshop_create(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        title="A shared vision",
        starts_at=services.local_datetime(date(2027, 3, 23), time(10, 0)),
        ends_at=services.local_datetime(date(2027, 3, 23), time(16, 0)),
    )

    workshop.refresh_from_db()
    assert workshop.starts_at == datetime(2027, 3, 23, 10, 0, tzinfo=UTC)
    assert workshop.length == WorkshopLength.FULL_DAY, "six hours is a full day"


def test_a_time_the_clocks_skip_is_refused_with_a_reason():
    with pytest.raises(DomainError) as caught:
        services.local_datetime(date(2027, 3, 28), time(1, 30))
    assert "clocks go forward" in caught.value.fields["starts_at"][0]


def test_a_time_that_happens_twice_when_the_clocks_go_back_is_the_first_one():
    moment = services.local_datetime(date(2027, 10, 31), time(1, 30))
    assert moment.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_creating_records_who_scheduled_what_in_the_audit_trail(world, clock):
    workshop = services.workshop_create(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        title="  Exploring the map  ",
        starts_at=uk(date(2027, 1, 12), time(10)),
        ends_at=uk(date(2027, 1, 12), time(13)),
        venue="Ashford Library",
    )

    assert workshop.title == "Exploring the map"
    event = AuditEvent.objects.get(action="workshop.create")
    assert event.actor == world.people["facilitator"]
    assert event.collaborative == world.ours
    assert event.changes["title"] == [None, "Exploring the map"]
    assert event.changes["venue"] == [None, "Ashford Library"]


@pytest.mark.parametrize(
    ("starts", "ends", "field", "words"),
    [
        (uk(date(2027, 1, 12), time(13)), uk(date(2027, 1, 12), time(10)), "ends_at", "end after it starts"),
        (uk(date(2026, 11, 1), time(10)), uk(date(2026, 11, 1), time(13)), "starts_at", "has passed"),
        (uk(date(2027, 1, 12), time(8)), uk(date(2027, 1, 12), time(21)), "ends_at", "a day at most"),
        (uk(date(2030, 1, 15), time(10)), uk(date(2030, 1, 15), time(13)), "starts_at", "three years ahead"),
    ],
)
def test_impossible_times_are_refused_and_nothing_is_saved(world, clock, starts, ends, field, words):
    with pytest.raises(DomainError) as caught:
        services.workshop_create(
            actor=world.people["facilitator"], collaborative=world.ours, title="T", starts_at=starts, ends_at=ends
        )
    assert words in " ".join(caught.value.fields[field])
    assert not Workshop.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_workshop_cannot_overlap_another_of_the_same_collaborative(world, clock):
    WorkshopFactory(
        collaborative=world.ours,
        title="Agreeing our priorities",
        starts_at=uk(date(2027, 1, 12), time(10)),
        ends_at=uk(date(2027, 1, 12), time(13)),
    )
    with pytest.raises(DomainError) as caught:
        services.workshop_create(
            actor=world.people["facilitator"],
            collaborative=world.ours,
            title="Another",
            starts_at=uk(date(2027, 1, 12), time(12)),
            ends_at=uk(date(2027, 1, 12), time(15)),
        )
    assert (
        "overlap “Agreeing our priorities” on Tuesday 12 January 2027 at 10:00" in caught.value.fields["starts_at"][0]
    )
    # Another locality may meet at the same time.
    services.workshop_create(
        actor=world.people["outsider"],
        collaborative=world.theirs,
        title="Brindle's",
        starts_at=uk(date(2027, 1, 12), time(10)),
        ends_at=uk(date(2027, 1, 12), time(13)),
    )


@pytest.mark.parametrize(("who", "error"), [("member", Forbidden), ("anchor", Forbidden), ("outsider", NotFound)])
def test_only_facilitators_and_the_programme_team_schedule(world, clock, who, error):
    with pytest.raises(error):
        schedule(world, who=who)
    assert not Workshop.objects.exists()


# --- The year's dates in one go ----------------------------------------------------------------------------------


def test_the_years_dates_become_workshops_at_the_same_uk_time(world, clock):
    workshops = schedule(
        world,
        dates=[date(2027, 3, 29), date(2027, 1, 12), date(2027, 11, 2), date(2027, 6, 8), date(2027, 9, 21)],
        format=WorkshopFormat.HYBRID,
        venue="Ashford Civic Centre",
        accessibility_notes="Step-free access.",
    )

    assert len(workshops) == 5
    saved = list(Workshop.objects.order_by("starts_at"))
    assert [w.starts_at.astimezone(UTC).hour for w in saved] == [10, 9, 9, 9, 10], "GMT, BST, BST, BST, GMT"
    assert {w.venue for w in saved} == {"Ashford Civic Centre"}
    assert {w.format for w in saved} == {WorkshopFormat.HYBRID}
    assert {w.collaborative_id for w in saved} == {world.ours.pk}
    assert AuditEvent.objects.filter(action="workshop.create").count() == 5


def test_the_year_is_all_or_nothing_and_every_problem_is_named(world, clock):
    WorkshopFactory(
        collaborative=world.ours,
        title="Already booked",
        starts_at=uk(date(2027, 6, 8), time(14)),
        ends_at=uk(date(2027, 6, 8), time(16)),
    )
    before = AuditEvent.objects.count()

    with pytest.raises(DomainError) as caught:
        schedule(
            world,
            dates=[date(2027, 1, 12), date(2026, 10, 6), date(2027, 3, 2), date(2027, 3, 2), date(2027, 6, 8)],
        )

    messages = " ".join(caught.value.fields["dates"])
    assert "This date has passed: Tuesday 6 October 2026" in messages
    assert "listed twice: Tuesday 2 March 2027" in messages
    assert "already has a workshop on: Tuesday 8 June 2027 (“Already booked”)" in messages
    assert Workshop.objects.count() == 1, "none of the good dates were scheduled either"
    assert AuditEvent.objects.count() == before


def test_a_cancelled_workshop_does_not_block_its_date(world, clock):
    WorkshopFactory(
        collaborative=world.ours,
        starts_at=uk(date(2027, 6, 8), time(10)),
        ends_at=uk(date(2027, 6, 8), time(13)),
        cancelled_at=clock.now,
    )
    assert len(schedule(world, dates=[date(2027, 6, 8)])) == 1


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"dates": []}, "dates", "at least one date"),
        ({"dates": [date(2027, 1, 5) + timedelta(days=7 * n) for n in range(25)]}, "dates", "at most 24"),
        ({"dates": [date(2027, 1, 12), date(2028, 2, 1)]}, "dates", "one year at a time"),
        ({"start_time": time(13), "end_time": time(10)}, "end_time", "after the start time"),
        ({"dates": [date(2027, 3, 28)], "start_time": time(1, 30), "end_time": time(4)}, "start_time", "clocks"),
        ({"dates": [date(9999, 12, 31)]}, "dates", "This date is more than three years away"),
        ({"title": "   "}, "title", "title"),
        ({"agenda": "x" * 10001}, "agenda", "10,000 characters or fewer"),
        ({"format": "telepathy"}, "format", "in person, online or hybrid"),
    ],
)
def test_bad_schedules_say_what_to_correct(world, clock, fields, field, words):
    with pytest.raises(DomainError) as caught:
        schedule(world, **fields)
    assert words in " ".join(caught.value.fields[field])
    assert not Workshop.objects.exists()


def test_the_programme_team_and_facilitators_schedule_cross_locality_workshops(world, clock):
    team = schedule(world, who="programme_team", collaborative=None, programme=world.programme)
    assert {w.collaborative_id for w in team} == {None}
    # A facilitator of any locality runs cross-locality workshops too; the same dates are now taken.
    with pytest.raises(DomainError) as caught:
        schedule(world, who="outsider", collaborative=None, programme=world.programme)
    assert "Demo Programme (all localities) already has a workshop on" in caught.value.fields["dates"][0]
    with pytest.raises(Forbidden):
        schedule(world, who="member", collaborative=None, programme=world.programme)


# --- Changing, cancelling, ending --------------------------------------------------------------------------------


def test_moving_a_workshop_records_the_change(world, clock):
    workshop = WorkshopFactory(
        collaborative=world.ours, starts_at=uk(date(2027, 1, 12), time(10)), ends_at=uk(date(2027, 1, 12), time(13))
    )
    services.workshop_update(
        actor=world.people["facilitator"],
        workshop=workshop,
        starts_at=uk(date(2027, 4, 6), time(10)),
        ends_at=uk(date(2027, 4, 6), time(13)),
        venue="Online",
    )

    workshop.refresh_from_db()
    assert workshop.starts_at == datetime(2027, 4, 6, 9, tzinfo=UTC)
    event = AuditEvent.objects.get(action="workshop.update")
    assert set(event.changes) == {"starts_at", "ends_at", "venue"}


def test_changes_to_a_cancelled_or_ended_workshop_are_refused(world, clock):
    cancelled = WorkshopFactory(collaborative=world.ours, cancelled_at=clock.now)
    with pytest.raises(Conflict):
        services.workshop_update(actor=world.people["facilitator"], workshop=cancelled, title="New")
    ended = past_workshop(world.ours, ended_at=clock.now - timedelta(days=6))
    with pytest.raises(Conflict):
        services.workshop_update(
            actor=world.people["facilitator"], workshop=ended, starts_at=clock.now + timedelta(days=3)
        )
    # Its agenda can still be put right afterwards.
    services.workshop_update(actor=world.people["facilitator"], workshop=ended, agenda="What we did")


def test_a_member_cannot_change_a_workshop(world, clock):
    workshop = WorkshopFactory(collaborative=world.ours, title="Before")
    with pytest.raises(Forbidden):
        services.workshop_update(actor=world.people["member"], workshop=workshop, title="After")
    workshop.refresh_from_db()
    assert workshop.title == "Before"


def test_cancelling_keeps_the_workshop_listed_and_closes_booking(world, clock):
    workshop = WorkshopFactory(collaborative=world.ours)
    services.workshop_cancel(actor=world.people["facilitator"], workshop=workshop)

    workshop.refresh_from_db()
    assert workshop.status == "cancelled"
    with pytest.raises(Conflict):
        services.workshop_cancel(actor=world.people["facilitator"], workshop=workshop)
    with pytest.raises(Conflict, match="cancelled"):
        services.registration_register(actor=world.people["member"], workshop=workshop)


def test_ending_a_workshop_announces_it_after_the_commit(world, clock, django_capture_on_commit_callbacks):
    workshop = running_workshop(world.ours)
    heard = []

    def listener(sender, workshop_id, **kwargs):
        heard.append(workshop_id)

    services.workshop_ended.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.workshop_end(actor=world.people["facilitator"], workshop=workshop)
            assert heard == [], "nothing is announced before the commit"
    finally:
        services.workshop_ended.disconnect(listener)

    assert heard == [workshop.pk]
    workshop.refresh_from_db()
    assert workshop.ended_at == clock.now
    with pytest.raises(Conflict, match="already ended"):
        services.workshop_end(actor=world.people["facilitator"], workshop=workshop)


def test_a_workshop_cannot_end_before_it_starts(world, clock):
    with pytest.raises(Conflict, match="not started"):
        services.workshop_end(actor=world.people["facilitator"], workshop=WorkshopFactory(collaborative=world.ours))


# --- Places ------------------------------------------------------------------------------------------------------


def test_members_and_observers_book_their_own_places_once(world, clock):
    workshop = WorkshopFactory(collaborative=world.ours)
    place = services.registration_register(
        actor=world.people["member"], workshop=workshop, access_needs="Step-free access, please."
    )
    services.registration_register(actor=world.people["observer"], workshop=workshop)

    assert place.access_needs == "Step-free access, please."
    assert workshop.registrations.count() == 2
    assert AuditEvent.objects.filter(action="registration.create").count() == 2
    with pytest.raises(Conflict, match="You already have a place"):
        services.registration_register(actor=world.people["member"], workshop=workshop)


def test_facilitators_book_places_for_people_who_could_come(world, clock):
    workshop = WorkshopFactory(collaborative=world.ours)
    services.registration_register(actor=world.people["facilitator"], workshop=workshop, user=world.people["member"])
    assert workshop.registrations.get().user == world.people["member"]

    with pytest.raises(DomainError) as caught:
        services.registration_register(
            actor=world.people["facilitator"], workshop=workshop, user=world.people["outsider"]
        )
    assert "not a member who could come" in caught.value.fields["user"][0]
    with pytest.raises(Forbidden):
        services.registration_register(actor=world.people["member"], workshop=workshop, user=world.people["anchor"])


def test_another_localitys_workshop_does_not_exist_for_you(world, clock):
    theirs = WorkshopFactory(collaborative=world.theirs)
    with pytest.raises(NotFound):
        services.registration_register(actor=world.people["member"], workshop=theirs)


def test_everyone_in_the_programme_can_book_a_cross_locality_workshop(world, clock):
    workshop = WorkshopFactory(collaborative=None, programme=world.programme)
    services.registration_register(actor=world.people["outsider"], workshop=workshop)
    services.registration_register(actor=world.people["member"], workshop=workshop)
    stranger = UserFactory()
    with pytest.raises(NotFound):
        services.registration_register(actor=stranger, workshop=workshop)
    assert workshop.registrations.count() == 2


def test_giving_up_a_place(world, clock):
    workshop = WorkshopFactory(collaborative=world.ours)
    RegistrationFactory(workshop=workshop, user=world.people["member"])

    services.registration_cancel(actor=world.people["member"], workshop=workshop)

    assert not workshop.registrations.exists()
    assert AuditEvent.objects.filter(action="registration.cancel").count() == 1
    with pytest.raises(Conflict, match="You do not have a place"):
        services.registration_cancel(actor=world.people["member"], workshop=workshop)


def test_places_at_a_workshop_that_has_taken_place_stay(world, clock):
    workshop = past_workshop(world.ours)
    RegistrationFactory(workshop=workshop, user=world.people["member"])
    with pytest.raises(Conflict, match="already taken place"):
        services.registration_cancel(actor=world.people["member"], workshop=workshop)
    with pytest.raises(Conflict, match="already taken place"):
        services.registration_register(actor=world.people["anchor"], workshop=workshop)
    assert workshop.registrations.count() == 1


# --- Attendance --------------------------------------------------------------------------------------------------


def test_attendance_records_who_came_who_did_not_and_who_came_without_a_place(world, clock):
    workshop = running_workshop(world.ours)
    for who in ("member", "anchor", "observer"):
        RegistrationFactory(workshop=workshop, user=world.people[who])
    p = world.people

    registrations = services.attendance_mark(
        actor=p["facilitator"],
        workshop=workshop,
        attendance={p["member"].pk: True, p["anchor"].pk: False, p["lead"].pk: True, p["programme_team"].pk: False},
    )

    came = {r.user.email: r.attended for r in registrations}
    assert came == {
        "member@example.org": True,
        "anchor@example.org": False,
        "observer@example.org": None,  # not mentioned: unchanged
        "lead@example.org": True,  # came without a place: given one
    }
    lead = Registration.objects.get(workshop=workshop, user=p["lead"])
    assert lead.attendance_marked_by == p["facilitator"]
    assert lead.attendance_marked_at == clock.now
    assert AuditEvent.objects.filter(action="registration.attendance").count() == 3

    # Saying the same again changes nothing and records nothing.
    services.attendance_mark(actor=p["facilitator"], workshop=workshop, attendance={p["member"].pk: True})
    assert AuditEvent.objects.filter(action="registration.attendance").count() == 3


def test_attendance_with_someone_who_could_not_have_come_changes_nothing(world, clock):
    workshop = running_workshop(world.ours)
    RegistrationFactory(workshop=workshop, user=world.people["member"])
    with pytest.raises(DomainError) as caught:
        services.attendance_mark(
            actor=world.people["facilitator"],
            workshop=workshop,
            attendance={world.people["member"].pk: True, world.people["outsider"].pk: True, 987654: True},
        )
    assert f"ids {world.people['outsider'].pk}, 987654" in caught.value.fields["attendance"][0]
    assert Registration.objects.get(workshop=workshop).attended is None
    assert not AuditEvent.objects.exists()


def test_attendance_waits_for_the_start_and_is_for_facilitators(world, clock):
    upcoming = WorkshopFactory(collaborative=world.ours)
    with pytest.raises(Conflict, match="once the workshop has started"):
        services.attendance_mark(
            actor=world.people["facilitator"], workshop=upcoming, attendance={world.people["member"].pk: True}
        )
    running = running_workshop(world.ours)
    with pytest.raises(Forbidden):
        services.attendance_mark(
            actor=world.people["anchor"], workshop=running, attendance={world.people["member"].pk: True}
        )
    with pytest.raises(DomainError, match="Say who came"):
        services.attendance_mark(actor=world.people["facilitator"], workshop=running, attendance={})


def test_a_new_member_of_the_collaborative_can_be_recorded_as_having_come(world, clock):
    workshop = running_workshop(world.ours)
    newcomer = MembershipFactory(collaborative=world.ours).user
    services.attendance_mark(actor=world.people["facilitator"], workshop=workshop, attendance={newcomer.pk: True})
    assert Registration.objects.get(workshop=workshop).user == newcomer
