"""Every page and API operation, as every kind of person: the status each gets, and nothing written when refused.

Rows live in tests/permissions/cases_<app>.py. A route without a row fails `test_every_*_has_a_row`.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from collab.models import AuditEvent
from tests.permissions import (
    cases_actionplans,
    cases_boards,
    cases_collab,
    cases_notifications,
    cases_subgroups,
    cases_systemmap,
    cases_workshops,
)
from tests.permissions.matrix import ACTORS, api_operations, page_routes

CASES = [
    *cases_collab.CASES,
    *cases_actionplans.CASES,
    *cases_subgroups.CASES,
    *cases_workshops.CASES,
    *cases_boards.CASES,
    *cases_systemmap.CASES,
    *cases_notifications.CASES,
]
LIST_SCOPING = {
    **cases_collab.LIST_SCOPING,
    **cases_actionplans.LIST_SCOPING,
    **cases_subgroups.LIST_SCOPING,
    **cases_workshops.LIST_SCOPING,
    **cases_systemmap.LIST_SCOPING,
}


def client_as(world, actor):
    client = APIClient()
    if actor != "anonymous":
        client.force_login(world.people[actor])
    return client


def test_every_page_route_has_a_row():
    covered = {case.page for case in CASES if case.page}
    assert page_routes() - covered == set(), "add rows for these routes to tests/permissions/cases_<app>.py"


def test_every_api_operation_has_a_row():
    covered = {(case.method.upper(), case.api) for case in CASES if case.api}
    assert api_operations() - covered == set(), "add rows for these operations to tests/permissions/cases_<app>.py"


def test_every_row_names_a_route_that_exists():
    pages, operations = page_routes(), api_operations()
    stale = [
        str(case)
        for case in CASES
        if (case.page and case.page not in pages) or (case.api and case.key not in operations)
    ]
    assert stale == []


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_permission(world, case, actor):
    kwargs = case.kwargs(world)
    url = case.address or (reverse(case.page, kwargs=kwargs) if case.page else case.api.format(**kwargs))
    data = case.data(world) if case.data else None
    client = client_as(world, actor)
    writes_before = AuditEvent.objects.count()
    send = getattr(client, case.method)
    response = send(url, data, format="json") if case.api else send(url, data or {})
    expected = case.expected[actor]
    assert response.status_code == expected, (
        f"{case} as {actor}: expected {expected}, got {response.status_code}: {response.content[:300]!r}"
    )
    if response.status_code >= 400:
        assert AuditEvent.objects.count() == writes_before, f"{case} as {actor} was refused but wrote something"
    if case.page and actor == "anonymous" and expected == 302:
        assert response["Location"].startswith(reverse("login")), "anonymous people are sent to sign in"


@pytest.mark.parametrize("path", sorted(LIST_SCOPING))
def test_lists_never_hold_another_localitys_rows(world, path):
    ours, theirs = LIST_SCOPING[path](world)
    response = client_as(world, "outsider").get(path, {"page_size": 500})
    assert response.status_code == 200
    listed = {row["id"] for row in response.json()["results"]}
    assert theirs <= listed, f"{path} did not show the outsider their own locality's rows"
    assert not (listed & ours), f"{path} showed an outsider rows of another locality"


SECRET = "Jumped the fence behind the sports hall"


@pytest.fixture
def sensitive_evidence(world):
    """In each locality: a quote made sensitive after it was added, and a small count changed from 3 to 4."""
    from systemmap import services as map_services
    from tests.systemmap import builders as b

    for collaborative in (world.ours, world.theirs):
        map_ = b.a_map(world, collaborative)
        on = b.element(world, map_)
        quote = b.quote(world, map_, element=on, text=f"{SECRET} ({collaborative.slug})", attribution="Year 9 pupil")
        map_services.evidence_update(actor=b.editor_of(world, collaborative), evidence=quote, sensitive=True)
        small = b.data_point(world, map_, element=on, count=3)
        map_services.evidence_update(actor=b.editor_of(world, collaborative), evidence=small, count=4)


# Who may see small counts in Ashford's audit trail; everyone else who reads it sees "fewer than 5".
SEES_SENSITIVE = {"facilitator", "programme_team"}


@pytest.mark.parametrize("actor", ACTORS)
def test_the_audit_trail_shows_no_content_of_evidence_the_reader_may_not_open(world, sensitive_evidence, actor):
    client = client_as(world, actor)
    answers = [client.get("/api/v1/audit-events/", {"page_size": 500})]
    answers.append(client.get(reverse("collaborative-audit", kwargs={"slug": world.ours.slug})))
    for response in answers:
        assert SECRET not in response.content.decode(), f"{actor} read a quote's words in the audit trail"
    listed = answers[0]
    if listed.status_code != 200:
        return
    counts = [
        row["changes"]["count"]
        for row in listed.json()["results"]
        if row["target_type"] == "systemmap.evidence"
        and "count" in row["changes"]
        and row["collaborative"] == world.ours.pk
    ]
    if actor in SEES_SENSITIVE:
        assert [3, 4] in counts
    else:
        assert all(3 not in values and 4 not in values for values in counts), f"{actor} read a small count"
