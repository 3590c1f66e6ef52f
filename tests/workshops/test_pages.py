"""The workshop pages as people use them: the list, scheduling the year, one workshop (booking, attendance), the
engagement view, and workshops on the home page and the collaborative's overview."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab.models import Registration, Workshop
from tests.factories import MembershipFactory
from tests.frontend.pages import h1, link_to, read, text, title
from tests.workshops.helpers import RegistrationFactory, WorkshopFactory, past_workshop, running_workshop, uk

LIST = reverse("collaborative-workshops", args=["ashford"])
SCHEDULE = reverse("collaborative-workshops-schedule", args=["ashford"])
ENGAGEMENT = reverse("collaborative-engagement", args=["ashford"])


def detail(workshop):
    return reverse("workshop-detail", args=[workshop.pk])


@pytest.fixture
def priorities(world, clock):
    return WorkshopFactory(
        collaborative=world.ours,
        title="Agreeing our priorities",
        starts_at=uk(date(2027, 1, 12), time(10)),
        ends_at=uk(date(2027, 1, 12), time(13)),
        venue="Ashford Civic Centre, Committee Room 2",
        accessibility_notes="Step-free access; hearing loop.",
        agenda="Welcome\nDot-voting on the priorities",
    )


def tabs(response):
    page = read(response)
    return [label for label, href in page.links if href.startswith("/c/ashford/")]


# --- The list ----------------------------------------------------------------------------------------------------


def test_every_member_has_a_workshops_tab_and_only_some_an_engagement_tab(client, world, clock):
    client.force_login(world.people["member"])
    assert "Workshops" in tabs(client.get(reverse("collaborative-overview", args=["ashford"])))
    assert "Engagement" not in tabs(client.get(LIST))
    client.force_login(world.people["anchor"])
    assert "Engagement" in tabs(client.get(LIST))


def test_the_list_shows_upcoming_and_past_workshops_with_their_status(client, world, priorities, clock):
    past = past_workshop(world.ours, title="A shared vision")
    RegistrationFactory(workshop=past, user=world.people["member"], attended=True)
    WorkshopFactory(collaborative=world.ours, title="Called off", cancelled_at=clock.now)
    WorkshopFactory(collaborative=None, programme=world.programme, title="All localities together")
    WorkshopFactory(collaborative=world.theirs, title="Brindle only")
    RegistrationFactory(workshop=priorities, user=world.people["member"])
    client.force_login(world.people["member"])

    response = client.get(LIST)

    assert response.status_code == 200
    assert h1(response) == ["Workshops"]
    words = text(response)
    upcoming, past_part = words.split("Past (")
    assert "Agreeing our priorities All localities" not in upcoming
    assert (
        "Agreeing our priorities Tuesday 12 January 2027, 10:00–13:00 In person, half day 1 Upcoming Booked" in upcoming
    )
    assert "Called off" in upcoming and "Cancelled" in upcoming
    assert "All localities together All localities" in upcoming
    assert "A shared vision" in past_part and "Taken place" in past_part
    assert "Brindle only" not in words
    assert "Schedule workshops" not in words, "members do not schedule"
    assert link_to(response, detail(priorities))


def test_facilitators_are_offered_the_schedule(client, world, clock):
    client.force_login(world.people["facilitator"])
    response = client.get(LIST)
    assert link_to(response, SCHEDULE)
    assert "No workshops are coming up." in text(response)


# --- Scheduling the year -----------------------------------------------------------------------------------------


def schedule_form(**fields):
    return {
        "title": "Collaborative workshop",
        "dates": "12/01/2027\n29/03/2027\n8 June 2027",
        "start_time": "10:00",
        "end_time": "13:00",
        "format": "in_person",
        "length": "half_day",
        "venue": "Ashford Civic Centre",
        "accessibility_notes": "",
        "agenda": "",
        **fields,
    }


def test_a_facilitator_schedules_the_year(client, world, clock):
    client.force_login(world.people["facilitator"])
    response = client.post(SCHEDULE, schedule_form(), follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "3 workshops scheduled, from Tuesday 12 January 2027, 10:00–13:00." in text(response)
    starts = [w.starts_at.astimezone(uk(date(2027, 1, 1), time(0)).tzinfo) for w in Workshop.objects.all()]
    assert [(s.date(), s.hour) for s in starts] == [
        (date(2027, 1, 12), 10),
        (date(2027, 3, 29), 10),
        (date(2027, 6, 8), 10),
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dates": "12/01/2027\n31/02/2027"}, "“31/02/2027” is not a date: write each as day/month/year"),
        ({"dates": "12/01/2027\n06/10/2026"}, "This date has passed: Tuesday 6 October 2026"),
        ({"dates": "12/01/2027\n12/01/2027"}, "This date is listed twice: Tuesday 12 January 2027"),
        ({"end_time": "09:00"}, "The end time must be after the start time."),
        ({"dates": ""}, "Enter at least one date."),
        ({"start_time": "ten"}, "Enter the start time like 10:00."),
    ],
)
def test_a_bad_schedule_is_shown_beside_the_fields_and_nothing_is_scheduled(client, world, clock, fields, message):
    client.force_login(world.people["facilitator"])
    response = client.post(SCHEDULE, schedule_form(**fields))

    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    assert message in text(response)
    assert not Workshop.objects.exists()


def test_the_programme_team_can_schedule_for_every_locality(client, world, clock):
    client.force_login(world.people["programme_team"])
    response = client.post(SCHEDULE, schedule_form(cross_locality="on"), follow=True)
    assert "3 workshops scheduled for every locality" in text(response)
    assert set(Workshop.objects.values_list("collaborative", flat=True)) == {None}


def test_members_cannot_schedule(client, world, clock):
    client.force_login(world.people["member"])
    assert client.get(SCHEDULE).status_code == 403
    assert client.post(SCHEDULE, schedule_form()).status_code == 403
    assert not Workshop.objects.exists()


# --- One workshop ------------------------------------------------------------------------------------------------


def test_the_workshop_page_in_uk_words(client, world, priorities, clock):
    client.force_login(world.people["member"])
    response = client.get(detail(priorities))

    assert response.status_code == 200
    assert h1(response) == ["Agreeing our priorities"]
    words = text(response)
    assert "When Tuesday 12 January 2027, 10:00–13:00 UK time" in words
    assert "Format In person, half day" in words
    assert "Venue Ashford Civic Centre, Committee Room 2" in words
    assert "Accessibility Step-free access; hearing loop." in words
    assert "Welcome Dot-voting on the priorities" in words
    assert "Boards No boards yet." in words
    assert "Book my place" in words
    assert "Places (" not in words, "members do not see who else booked, or their access needs"


def test_a_workshop_after_the_clocks_change_shows_its_uk_time(client, world, clock):
    workshop = WorkshopFactory(
        collaborative=world.ours, starts_at=uk(date(2027, 3, 29), time(10)), ends_at=uk(date(2027, 3, 29), time(13))
    )
    client.force_login(world.people["member"])
    assert "Monday 29 March 2027, 10:00–13:00" in text(client.get(detail(workshop)))


def test_booking_and_giving_up_a_place(client, world, priorities, clock):
    client.force_login(world.people["member"])
    response = client.post(
        reverse("workshop-register", args=[priorities.pk]), {"access_needs": "Hearing loop, please"}, follow=True
    )
    words = text(response)
    assert "You have a place at Agreeing our priorities, Tuesday 12 January 2027, 10:00–13:00." in words
    assert "You have a place. Your access needs: Hearing loop, please" in words
    assert Registration.objects.get().access_needs == "Hearing loop, please"

    response = client.post(reverse("workshop-unregister", args=[priorities.pk]), follow=True)
    assert "You have given up your place." in text(response)
    assert not Registration.objects.exists()


def test_booking_with_overlong_access_needs_is_refused(client, world, priorities, clock):
    client.force_login(world.people["member"])
    response = client.post(reverse("workshop-register", args=[priorities.pk]), {"access_needs": "x" * 501})
    assert response.status_code == 400
    assert "Access needs must be 500 characters or fewer" in text(response)
    assert not Registration.objects.exists()


def test_facilitators_see_the_places_and_book_for_someone(client, world, priorities, clock):
    RegistrationFactory(workshop=priorities, user=world.people["member"], access_needs="A quiet room")
    client.force_login(world.people["facilitator"])
    response = client.get(detail(priorities))
    words = text(response)
    assert "Places (1)" in words
    assert "Ashford Member Ashford Primary Mainstream primary school A quiet room" in words
    assert "Attendance can be taken once the workshop has started." in words

    anchor = world.people["anchor"]
    response = client.post(reverse("workshop-register", args=[priorities.pk]), {"someone-user": anchor.pk}, follow=True)
    assert "Ashford Collaborative Anchor now has a place." in text(response)
    response = client.post(reverse("workshop-unregister", args=[priorities.pk]), {"user": anchor.pk}, follow=True)
    assert "Ashford Collaborative Anchor's place has been given up." in text(response)
    assert list(Registration.objects.values_list("user", flat=True)) == [world.people["member"].pk]


def test_taking_attendance(client, world, clock):
    workshop = running_workshop(world.ours, title="Exploring the map")
    for who in ("member", "anchor"):
        RegistrationFactory(workshop=workshop, user=world.people[who])
    client.force_login(world.people["facilitator"])
    assert "Who came?" in text(client.get(detail(workshop)))

    response = client.post(
        reverse("workshop-attendance", args=[workshop.pk]),
        {"came": [world.people["member"].pk], "also_came": [world.people["lead"].pk]},
        follow=True,
    )

    assert "Attendance saved: 2 people came." in text(response)
    recorded = dict(Registration.objects.values_list("user__email", "attended"))
    assert recorded == {"member@example.org": True, "anchor@example.org": False, "lead@example.org": True}


def test_attendance_with_someone_not_listed_is_refused(client, world, clock):
    workshop = running_workshop(world.ours)
    RegistrationFactory(workshop=workshop, user=world.people["member"])
    client.force_login(world.people["facilitator"])
    response = client.post(reverse("workshop-attendance", args=[workshop.pk]), {"came": [world.people["outsider"].pk]})
    assert response.status_code == 400
    assert "Tick only people listed." in text(response)
    assert Registration.objects.get().attended is None


def test_changing_cancelling_and_ending(client, world, priorities, clock):
    client.force_login(world.people["facilitator"])
    response = client.post(
        reverse("workshop-edit", args=[priorities.pk]),
        {
            "title": "Agreeing our priorities",
            "date": "2027-03-29",
            "start_time": "10:00",
            "end_time": "16:00",
            "format": "hybrid",
            "length": "full_day",
            "venue": "Online and at the Civic Centre",
            "accessibility_notes": "",
            "agenda": "",
        },
        follow=True,
    )
    assert "The workshop's details have been changed." in text(response)
    assert "Monday 29 March 2027, 10:00–16:00" in text(response)

    assert "Cancel this workshop?" in h1(client.get(reverse("workshop-cancel", args=[priorities.pk])))
    response = client.post(reverse("workshop-cancel", args=[priorities.pk]), follow=True)
    assert "This workshop has been cancelled." in text(response)

    running = running_workshop(world.ours)
    response = client.post(reverse("workshop-end", args=[running.pk]), follow=True)
    assert "The workshop has ended." in text(response)
    running.refresh_from_db()
    assert running.ended_at is not None


def test_a_time_the_clocks_skip_is_explained_on_the_form(client, world, priorities, clock):
    client.force_login(world.people["facilitator"])
    response = client.post(
        reverse("workshop-edit", args=[priorities.pk]),
        {
            "title": "Night owls",
            "date": "2027-03-28",
            "start_time": "01:30",
            "end_time": "03:30",
            "format": "online",
            "length": "half_day",
        },
    )
    assert response.status_code == 400
    assert "01:30 does not exist in the UK on Sunday 28 March 2027" in text(response)
    priorities.refresh_from_db()
    assert priorities.title == "Agreeing our priorities"


def test_another_localitys_workshop_is_not_found(client, world, clock):
    theirs = WorkshopFactory(collaborative=world.theirs)
    client.force_login(world.people["facilitator"])
    assert client.get(detail(theirs)).status_code == 404
    assert client.post(reverse("workshop-register", args=[theirs.pk])).status_code == 404
    assert not Registration.objects.exists()


def test_a_cross_locality_workshop_page(client, world, clock):
    workshop = WorkshopFactory(collaborative=None, programme=world.programme, title="All localities together")
    client.force_login(world.people["outsider"])
    response = client.get(detail(workshop))
    assert response.status_code == 200
    assert "A cross-locality workshop: everyone in Demo Programme is welcome." in text(response)


# --- Engagement --------------------------------------------------------------------------------------------------


def test_the_engagement_page(client, world, clock):
    workshop = past_workshop(world.ours, title="A shared vision")
    RegistrationFactory(workshop=workshop, user=world.people["member"], attended=True)
    RegistrationFactory(workshop=workshop, user=world.people["anchor"], attended=False)
    from collab.models import Membership

    Membership.objects.filter(collaborative=world.ours).update(joined_on=date(2026, 1, 1))
    client.force_login(world.people["anchor"])

    response = client.get(ENGAGEMENT)

    assert response.status_code == 200
    assert h1(response) == ["Engagement"]
    headings = read(response).headings["h2"]
    assert headings == [
        "Workshops in view (1)",
        "By sector",
        "Not at any of these workshops (3)",
        "By member (4)",
    ]
    words = text(response)
    assert "It is not a ranking of anyone." in words
    assert "A shared vision 16/11/2026 1 of 4 (25%)" in words
    assert "Mainstream primary school 1 of 4 25%" in words
    assert "Ashford Member Ashford Primary Mainstream primary school 1 1 1 0 16/11/2026" in words
    assert client.get(ENGAGEMENT, {"last": "bogus"}).status_code == 200


def test_members_cannot_see_engagement(client, world, clock):
    client.force_login(world.people["member"])
    assert client.get(ENGAGEMENT).status_code == 403


# --- Home and overview -------------------------------------------------------------------------------------------


def test_home_lists_what_is_coming_up(client, world, priorities, clock):
    WorkshopFactory(collaborative=world.theirs, title="Brindle only")
    RegistrationFactory(workshop=priorities, user=world.people["member"])
    client.force_login(world.people["member"])
    words = text(client.get(reverse("home")))
    assert (
        "Coming up Agreeing our priorities Tuesday 12 January 2027, 10:00–13:00 Ashford Collaborative · In person · "
        "You have a place"
    ) in words
    assert "Brindle only" not in words


def test_the_overview_lists_upcoming_workshops(client, world, priorities, clock):
    client.force_login(world.people["observer"])
    response = client.get(reverse("collaborative-overview", args=["ashford"]))
    assert "Upcoming workshops Agreeing our priorities Tuesday 12 January 2027, 10:00–13:00" in text(response)
    assert link_to(response, detail(priorities))


# --- Queries -----------------------------------------------------------------------------------------------------


def test_pages_ask_the_same_number_of_questions_however_many_workshops_and_people(client, world, clock):
    workshop = running_workshop(world.ours)
    client.force_login(world.people["facilitator"])
    pages = [LIST, ENGAGEMENT, detail(workshop), reverse("home"), reverse("collaborative-overview", args=["ashford"])]

    def grow(n):
        for i in range(n):
            person = MembershipFactory(collaborative=world.ours).user
            RegistrationFactory(workshop=workshop, user=person, attended=bool(i % 2))
            held = past_workshop(world.ours, days_ago=10 + i)
            RegistrationFactory(workshop=held, user=person, attended=True)
            WorkshopFactory(collaborative=world.ours)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    grow(2)
    small = [queries(url) for url in pages]
    grow(15)
    assert [queries(url) for url in pages] == small
