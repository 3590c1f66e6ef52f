"""Permission rows for workshops: their pages and their API (workshops, places, attendance). Columns: anonymous,
outsider (facilitator of another locality), observer, member, anchor, facilitator, programme team.

A workshop of our collaborative is another locality's to the outsider: it does not exist for them. A cross-locality
workshop is everyone's in the programme, and the outsider, as a facilitator, may run it.
"""

from datetime import timedelta

from django.utils import timezone

from tests.permissions.matrix import Case, everyone, expect
from tests.workshops.helpers import RegistrationFactory, WorkshopFactory, running_workshop

OURS = ("observer", "member", "lead", "anchor", "facilitator", "programme_team")


def upcoming(world):
    return WorkshopFactory(collaborative=world.ours, created_by=world.people["facilitator"])


def cross_locality(world):
    return WorkshopFactory(collaborative=None, programme=world.programme, created_by=world.people["programme_team"])


def cross_locality_by_ours(world):
    return WorkshopFactory(collaborative=None, programme=world.programme, created_by=world.people["facilitator"])


def running(world):
    """A workshop under way, the member with a place."""
    workshop = running_workshop(world.ours, created_by=world.people["facilitator"])
    RegistrationFactory(workshop=workshop, user=world.people["member"])
    return workshop


def everyone_booked(world):
    """An upcoming workshop where each of our people has a place, so each can give theirs up."""
    workshop = upcoming(world)
    for who in OURS:
        RegistrationFactory(workshop=workshop, user=world.people[who])
    return workshop


def in_six_weeks():
    return timezone.localdate() + timedelta(days=42)


def schedule_form(world):
    return {
        "title": "Collaborative workshop",
        "dates": in_six_weeks().strftime("%d/%m/%Y"),
        "start_time": "10:00",
        "end_time": "13:00",
        "format": "in_person",
        "length": "half_day",
    }


def edit_form(world):
    return {**schedule_form(world), "date": in_six_weeks().isoformat()}


def new_workshop(world):
    day = in_six_weeks().isoformat()
    return {
        "collaborative": world.ours.pk,
        "title": "Agreeing our priorities",
        "starts_at": f"{day}T10:00:00",
        "ends_at": f"{day}T13:00:00",
    }


def new_year(world):
    return {
        "collaborative": world.ours.pk,
        "title": "Collaborative workshop",
        "dates": [in_six_weeks().isoformat(), (in_six_weeks() + timedelta(days=70)).isoformat()],
        "start_time": "10:00",
        "end_time": "13:00",
    }


PAGE = expect(302, 404, 200, 200, 200, 200, 200)
TAKE_PART = expect(302, 404, 302, 302, 302, 302, 302)  # a form everyone who can see the workshop may send
ENGAGEMENT = expect(302, 404, 403, 403, 200, 200, 200)  # anchors, facilitators and the programme team
FACILITATE = expect(302, 404, 403, 403, 403, 200, 200)
FACILITATE_WRITE = expect(302, 404, 403, 403, 403, 302, 302)
API_READ = expect(401, 404, 200, 200, 200, 200, 200)
API_RUN = expect(401, 404, 403, 403, 403, 200, 200)
API_LIST = {**everyone(200), "anonymous": 401}

CASES = [
    # --- Pages ---------------------------------------------------------------------------------------------------
    Case("get", PAGE, page="collaborative-workshops", kwargs=lambda w: {"slug": w.ours.slug}),
    Case("get", FACILITATE, page="collaborative-workshops-schedule", kwargs=lambda w: {"slug": w.ours.slug}),
    Case(
        "post",
        FACILITATE_WRITE,
        page="collaborative-workshops-schedule",
        kwargs=lambda w: {"slug": w.ours.slug},
        data=schedule_form,
    ),
    Case("get", ENGAGEMENT, page="collaborative-engagement", kwargs=lambda w: {"slug": w.ours.slug}),
    Case("get", PAGE, page="workshop-detail", kwargs=lambda w: {"pk": upcoming(w).pk}),
    Case(
        "get",
        {**everyone(200), "anonymous": 302},
        page="workshop-detail",
        kwargs=lambda w: {"pk": cross_locality(w).pk},
        note="a cross-locality workshop is everyone's in the programme",
    ),
    Case("post", TAKE_PART, page="workshop-register", kwargs=lambda w: {"pk": upcoming(w).pk}, note="my own place"),
    Case("post", TAKE_PART, page="workshop-unregister", kwargs=lambda w: {"pk": everyone_booked(w).pk}),
    Case(
        "post",
        FACILITATE_WRITE,
        page="workshop-attendance",
        kwargs=lambda w: {"pk": running(w).pk},
        data=lambda w: {"came": [w.people["member"].pk]},
    ),
    Case("get", FACILITATE, page="workshop-edit", kwargs=lambda w: {"pk": upcoming(w).pk}),
    Case("post", FACILITATE_WRITE, page="workshop-edit", kwargs=lambda w: {"pk": upcoming(w).pk}, data=edit_form),
    Case("get", FACILITATE, page="workshop-cancel", kwargs=lambda w: {"pk": upcoming(w).pk}),
    Case("post", FACILITATE_WRITE, page="workshop-cancel", kwargs=lambda w: {"pk": upcoming(w).pk}),
    Case("post", FACILITATE_WRITE, page="workshop-end", kwargs=lambda w: {"pk": running(w).pk}),
    # --- API: workshops -------------------------------------------------------------------------------------------
    Case("get", API_LIST, api="/api/v1/workshops/"),
    Case(
        "post",
        expect(401, 400, 403, 403, 403, 201, 201),
        api="/api/v1/workshops/",
        data=new_workshop,
        note="to an outsider our collaborative's id does not exist: a field error",
    ),
    Case(
        "post",
        expect(401, 400, 403, 403, 403, 201, 201),
        api="/api/v1/workshops/schedule-year/",
        data=new_year,
    ),
    Case("get", API_READ, api="/api/v1/workshops/{id}/", kwargs=lambda w: {"id": upcoming(w).pk}),
    Case(
        "get",
        {**everyone(200), "anonymous": 401},
        api="/api/v1/workshops/{id}/",
        kwargs=lambda w: {"id": cross_locality(w).pk},
    ),
    Case(
        "patch",
        API_RUN,
        api="/api/v1/workshops/{id}/",
        kwargs=lambda w: {"id": upcoming(w).pk},
        data=lambda w: {"venue": "Ashford Library"},
    ),
    Case(
        "patch",
        expect(401, 403, 403, 403, 403, 403, 200),
        api="/api/v1/workshops/{id}/",
        kwargs=lambda w: {"id": cross_locality(w).pk},
        data=lambda w: {"venue": "Online"},
        note="only its organisers run a cross-locality workshop: the programme team and who scheduled it",
    ),
    Case(
        "patch",
        expect(401, 403, 403, 403, 403, 200, 200),
        api="/api/v1/workshops/{id}/",
        kwargs=lambda w: {"id": cross_locality_by_ours(w).pk},
        data=lambda w: {"venue": "Online"},
        note="scheduled by Ashford's facilitator: they organise it, Brindle's facilitator takes part",
    ),
    Case("post", API_RUN, api="/api/v1/workshops/{id}/cancel/", kwargs=lambda w: {"id": upcoming(w).pk}),
    Case("post", API_RUN, api="/api/v1/workshops/{id}/end/", kwargs=lambda w: {"id": running(w).pk}),
    Case(
        "post",
        expect(401, 404, 201, 201, 201, 201, 201),
        api="/api/v1/workshops/{id}/register/",
        kwargs=lambda w: {"id": upcoming(w).pk},
        data=lambda w: {},
        note="my own place; observers come too",
    ),
    Case(
        "post",
        expect(401, 404, 403, 403, 403, 201, 201, lead=201),
        api="/api/v1/workshops/{id}/register/",
        kwargs=lambda w: {"id": upcoming(w).pk},
        data=lambda w: {"user": w.people["lead"].pk},
        note="a place for the lead: only facilitators book for someone else; the lead may name themselves",
    ),
    Case(
        "post",
        API_READ,
        api="/api/v1/workshops/{id}/unregister/",
        kwargs=lambda w: {"id": everyone_booked(w).pk},
        data=lambda w: {},
    ),
    Case(
        "post",
        API_RUN,
        api="/api/v1/workshops/{id}/attendance/",
        kwargs=lambda w: {"id": running(w).pk},
        data=lambda w: {"attendance": [{"user": w.people["member"].pk, "attended": True}]},
    ),
    # --- API: places ------------------------------------------------------------------------------------------------
    Case("get", API_LIST, api="/api/v1/registrations/"),
]


def _registration(workshop, person):
    return {RegistrationFactory(workshop=workshop, user=person).pk}


def _places(world):
    ours = _registration(upcoming(world), world.people["member"])
    theirs = _registration(WorkshopFactory(collaborative=world.theirs), world.people["outsider"])
    return ours, theirs


# For the outsider: (our rows, which must be absent; their rows, which must be present).
LIST_SCOPING = {
    "/api/v1/workshops/": lambda w: ({upcoming(w).pk}, {WorkshopFactory(collaborative=w.theirs).pk}),
    "/api/v1/registrations/": _places,
}
