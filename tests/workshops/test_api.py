"""The workshops API through the HTTP client: reads scoped to what each person may see, UK times in and out,
writes through the services, bad input answered with a 400 that changes nothing, other localities' ids a 404."""

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collab.models import AuditEvent, Registration, Workshop
from tests.api.conftest import API, assert_error
from tests.factories import MembershipFactory
from tests.workshops.helpers import RegistrationFactory, WorkshopFactory, past_workshop, running_workshop, uk

WORKSHOPS = f"{API}/workshops/"


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def workshop_state():
    return {
        "workshops": list(Workshop.objects.order_by("pk").values()),
        "registrations": list(Registration.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def nothing_changes(world):
    from contextlib import contextmanager

    @contextmanager
    def check():
        before = workshop_state()
        yield
        assert workshop_state() == before

    return check


# --- Reading -----------------------------------------------------------------------------------------------------


def test_the_list_holds_our_workshops_and_cross_locality_ones_never_another_localitys(world, api, clock):
    ours = WorkshopFactory(collaborative=world.ours)
    theirs = WorkshopFactory(collaborative=world.theirs)
    everyone = WorkshopFactory(collaborative=None, programme=world.programme)

    assert set(ids(api("member").get(WORKSHOPS))) == {ours.pk, everyone.pk}
    assert set(ids(api("outsider").get(WORKSHOPS))) == {theirs.pk, everyone.pk}
    assert set(ids(api("programme_team").get(WORKSHOPS))) == {ours.pk, theirs.pk, everyone.pk}
    assert set(ids(api("member").get(WORKSHOPS, {"collaborative": world.ours.pk}))) == {ours.pk, everyone.pk}
    assert ids(api("member").get(WORKSHOPS, {"cross_locality": "true"})) == [everyone.pk]


def test_from_and_to_are_uk_dates(world, api, clock):
    # 00:30 on 1 April 2027 in the UK is still 31 March in UTC.
    early = WorkshopFactory(
        collaborative=world.ours, starts_at=uk(date(2027, 4, 1), time(0, 30)), ends_at=uk(date(2027, 4, 1), time(3))
    )
    march = WorkshopFactory(
        collaborative=world.ours, starts_at=uk(date(2027, 3, 31), time(10)), ends_at=uk(date(2027, 3, 31), time(13))
    )
    client = api("member")
    assert ids(client.get(WORKSHOPS, {"from": "2027-04-01"})) == [early.pk]
    assert ids(client.get(WORKSHOPS, {"to": "2027-03-31"})) == [march.pk]
    assert ids(client.get(WORKSHOPS, {"from": "2027-03-31", "to": "2027-03-31"})) == [march.pk]


def test_a_workshop_reads_in_uk_time_with_counts_and_whether_i_have_a_place(world, api, clock):
    workshop = WorkshopFactory(
        collaborative=world.ours,
        title="Agreeing our priorities",
        starts_at=uk(date(2027, 3, 29), time(10)),
        ends_at=uk(date(2027, 3, 29), time(13)),
    )
    RegistrationFactory(workshop=workshop, user=world.people["member"])
    RegistrationFactory(workshop=workshop, user=world.people["anchor"])

    body = api("member").get(f"{WORKSHOPS}{workshop.pk}/").json()

    assert body["starts_at"] == "2027-03-29T10:00:00+01:00"
    assert body["ends_at"] == "2027-03-29T13:00:00+01:00"
    assert body["status"] == "upcoming"
    assert body["registered_count"] == 2
    assert body["am_registered"] is True
    assert body["collaborative_name"] == "Ashford Collaborative"
    assert api("observer").get(f"{WORKSHOPS}{workshop.pk}/").json()["am_registered"] is False


def test_another_localitys_workshop_is_not_found_whatever_you_try(world, api, clock, nothing_changes):
    theirs = WorkshopFactory(collaborative=world.theirs)
    client = api("facilitator")
    with nothing_changes():
        assert_error(client.get(f"{WORKSHOPS}{theirs.pk}/"), 404)
        assert_error(client.patch(f"{WORKSHOPS}{theirs.pk}/", {"title": "Mine now"}, format="json"), 404)
        for verb in ("cancel", "end", "register", "unregister"):
            assert_error(client.post(f"{WORKSHOPS}{theirs.pk}/{verb}/", {}, format="json"), 404)
        attendance = {"attendance": [{"user": world.people["outsider"].pk, "attended": True}]}
        assert_error(client.post(f"{WORKSHOPS}{theirs.pk}/attendance/", attendance, format="json"), 404)


def test_places_are_private_to_their_owner_and_those_who_run_the_workshop(world, api, clock):
    ours = WorkshopFactory(collaborative=world.ours)
    theirs = WorkshopFactory(collaborative=world.theirs)
    mine = RegistrationFactory(workshop=ours, user=world.people["member"], access_needs="A quiet room")
    anchors = RegistrationFactory(workshop=ours, user=world.people["anchor"])
    brindle = RegistrationFactory(workshop=theirs, user=world.people["outsider"])
    url = f"{API}/registrations/"

    assert ids(api("member").get(url)) == [mine.pk]
    assert set(ids(api("facilitator").get(url))) == {mine.pk, anchors.pk}
    assert set(ids(api("outsider").get(url))) == {brindle.pk}
    assert set(ids(api("programme_team").get(url))) == {mine.pk, anchors.pk, brindle.pk}
    row = api("facilitator").get(url, {"workshop": ours.pk, "user": world.people["member"].pk}).json()["results"]
    assert row[0]["access_needs"] == "A quiet room"


# --- Writing -----------------------------------------------------------------------------------------------------


def test_a_facilitator_schedules_a_workshop_given_in_uk_time(world, api, clock):
    response = api("facilitator").post(
        WORKSHOPS,
        {
            "collaborative": world.ours.pk,
            "title": "A shared vision",
            "starts_at": "2027-03-29T10:00:00",
            "ends_at": "2027-03-29T16:00:00",
            "format": "hybrid",
            "venue": "Ashford Library",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["starts_at"] == "2027-03-29T10:00:00+01:00"
    assert body["length"] == "full_day"
    assert Workshop.objects.get().starts_at == datetime(2027, 3, 29, 9, tzinfo=UTC)


def test_the_year_in_one_go_then_nothing_twice(world, api, clock, nothing_changes):
    payload = {
        "collaborative": world.ours.pk,
        "title": "Collaborative workshop",
        "dates": ["2027-01-12", "2027-03-29", "2027-06-08"],
        "start_time": "10:00",
        "end_time": "13:00",
    }
    response = api("facilitator").post(f"{WORKSHOPS}schedule-year/", payload, format="json")

    assert response.status_code == 201, response.content
    assert [row["starts_at"] for row in response.json()] == [
        "2027-01-12T10:00:00Z",
        "2027-03-29T10:00:00+01:00",
        "2027-06-08T10:00:00+01:00",
    ]
    with nothing_changes():
        error = assert_error(
            api("facilitator").post(f"{WORKSHOPS}schedule-year/", payload, format="json"), 400, field="dates"
        )
    assert "already has a workshop on: Tuesday 12 January 2027" in error["fields"]["dates"][0]


def test_cross_locality_workshops_are_scheduled_for_the_programme(world, api, clock):
    response = api("programme_team").post(
        WORKSHOPS,
        {
            "programme": world.programme.pk,
            "title": "All localities",
            "starts_at": "2027-02-02T13:30:00",
            "ends_at": "2027-02-02T16:00:00",
            "format": "online",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["is_cross_locality"] is True
    assert response.json()["collaborative"] is None


def test_booking_giving_up_and_taking_attendance(world, api, clock):
    workshop = WorkshopFactory(collaborative=world.ours)
    url = f"{WORKSHOPS}{workshop.pk}/"

    booked = api("member").post(f"{url}register/", {"access_needs": "Hearing loop"}, format="json")
    assert booked.status_code == 201, booked.content
    assert booked.json()["user"]["id"] == world.people["member"].pk
    assert_error(api("member").post(f"{url}register/", {}, format="json"), 409)
    for_anchor = api("facilitator").post(f"{url}register/", {"user": world.people["anchor"].pk}, format="json")
    assert for_anchor.status_code == 201
    assert_error(api("member").post(f"{url}register/", {"user": world.people["observer"].pk}, format="json"), 403)

    given_up = api("anchor").post(f"{url}unregister/", {}, format="json")
    assert given_up.status_code == 200
    assert given_up.json()["registered_count"] == 1

    clock.now = workshop.starts_at
    marked = api("facilitator").post(
        f"{url}attendance/",
        {"attendance": [{"user": world.people["member"].pk, "attended": False}]},
        format="json",
    )
    assert marked.status_code == 200, marked.content
    assert [(row["user"]["id"], row["attended"]) for row in marked.json()] == [(world.people["member"].pk, False)]


def test_cancel_and_end(world, api, clock):
    upcoming = WorkshopFactory(collaborative=world.ours)
    assert api("facilitator").post(f"{WORKSHOPS}{upcoming.pk}/cancel/").json()["status"] == "cancelled"
    assert_error(api("facilitator").post(f"{WORKSHOPS}{upcoming.pk}/cancel/"), 409)

    running = running_workshop(world.ours)
    assert_error(api("member").post(f"{WORKSHOPS}{running.pk}/end/"), 403)
    body = api("facilitator").post(f"{WORKSHOPS}{running.pk}/end/").json()
    assert body["status"] == "ended"
    assert body["ended_at"] is not None


# --- Bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"title": "x", "starts_at": "next tuesday", "ends_at": "2027-01-12T13:00"}, "starts_at"),
        ({"title": "x" * 201}, "title"),
        ({"format": "carrier pigeon"}, "format"),
        ({"collaborative": 987654}, "collaborative"),
        ({"collaborative": "ashford"}, "collaborative"),
        ({"ends_at": "2027-01-12T09:00"}, "ends_at"),
        ({"starts_at": "2026-01-12T10:00", "ends_at": "2026-01-12T13:00"}, "starts_at"),
        ({"collaborative": None}, "collaborative"),
    ],
)
def test_bad_workshops_are_refused_with_the_field_at_fault(world, api, clock, nothing_changes, payload, field):
    good = {
        "collaborative": world.ours.pk,
        "title": "Agreeing our priorities",
        "starts_at": "2027-01-12T10:00",
        "ends_at": "2027-01-12T13:00",
    }
    with nothing_changes():
        response = api("facilitator").post(WORKSHOPS, {**good, **payload}, format="json")
        assert_error(response, 400, field=field)


def test_an_empty_request_names_every_missing_field(world, api, clock, nothing_changes):
    with nothing_changes():
        error = assert_error(api("facilitator").post(WORKSHOPS, {}, format="json"), 400)
    assert set(error["fields"]) == {"title", "starts_at", "ends_at"}


def test_another_localitys_collaborative_is_unknown_when_scheduling(world, api, clock, nothing_changes):
    payload = {
        "collaborative": world.theirs.pk,
        "title": "Sneaky",
        "starts_at": "2027-01-12T10:00",
        "ends_at": "2027-01-12T13:00",
    }
    with nothing_changes():
        error = assert_error(api("facilitator").post(WORKSHOPS, payload, format="json"), 400, field="collaborative")
    assert error["fields"]["collaborative"] == [
        f"There is no collaborative with id {world.theirs.pk} that you can see."
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"dates": []}, "dates"),
        ({"dates": ["12/01/2027"]}, "dates"),
        ({"dates": ["2027-01-12"] * 25}, "dates"),
        ({"dates": ["2026-10-06", "2027-01-12"]}, "dates"),
        ({"dates": ["9999-12-31"]}, "dates"),
        ({"dates": ["0001-01-01"]}, "dates"),
        ({"start_time": "25:00"}, "start_time"),
        ({"end_time": "09:00"}, "end_time"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_scheduled(world, api, clock, nothing_changes, payload, field):
    good = {
        "collaborative": world.ours.pk,
        "title": "Collaborative workshop",
        "dates": ["2027-01-12"],
        "start_time": "10:00",
        "end_time": "13:00",
    }
    with nothing_changes():
        response = api("facilitator").post(f"{WORKSHOPS}schedule-year/", {**good, **payload}, format="json")
        assert_error(response, 400, field=field)


def test_bad_attendance_is_refused_and_nothing_is_recorded(world, api, clock, nothing_changes):
    workshop = running_workshop(world.ours)
    RegistrationFactory(workshop=workshop, user=world.people["member"])
    url = f"{WORKSHOPS}{workshop.pk}/attendance/"
    member = world.people["member"].pk
    client = api("facilitator")
    with nothing_changes():
        assert_error(client.post(url, {"attendance": []}, format="json"), 400, field="attendance")
        assert_error(client.post(url, {"attendance": [{"user": member}]}, format="json"), 400, field="attendance")
        twice = [{"user": member, "attended": True}, {"user": member, "attended": False}]
        assert_error(client.post(url, {"attendance": twice}, format="json"), 400, field="attendance")
        stranger = [{"user": world.people["outsider"].pk, "attended": True}]
        assert_error(client.post(url, {"attendance": stranger}, format="json"), 400, field="attendance")
        assert_error(client.post(url, {"attendance": "everyone"}, format="json"), 400, field="attendance")


def test_bad_bookings_are_refused(world, api, clock, nothing_changes):
    workshop = WorkshopFactory(collaborative=world.ours)
    url = f"{WORKSHOPS}{workshop.pk}/register/"
    with nothing_changes():
        assert_error(api("member").post(url, {"access_needs": "x" * 501}, format="json"), 400, field="access_needs")
        assert_error(api("facilitator").post(url, {"user": "someone"}, format="json"), 400, field="user")
        outsider = world.people["outsider"].pk
        assert_error(api("facilitator").post(url, {"user": outsider}, format="json"), 400, field="user")
        assert_error(api("member").post(f"{WORKSHOPS}{workshop.pk}/unregister/", {}, format="json"), 409)
    past = past_workshop(world.ours)
    assert_error(api("member").post(f"{WORKSHOPS}{past.pk}/register/", {}, format="json"), 409)


# --- Queries -----------------------------------------------------------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": 100})
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("path", [WORKSHOPS, f"{API}/registrations/"])
def test_list_queries_do_not_grow_with_rows(world, api, clock, path):
    client = api("facilitator")

    def grow(n):
        for _ in range(n):
            workshop = WorkshopFactory(collaborative=world.ours)
            for _ in range(3):
                RegistrationFactory(workshop=workshop, user=MembershipFactory(collaborative=world.ours).user)

    grow(1)
    _queries(client, path)
    small = _queries(client, path)
    grow(20)
    assert _queries(client, path) == small
