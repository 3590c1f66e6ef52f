"""The system map API: what each person reads and may change, bad input answered 400 with nothing changed, other
localities' maps answered 404, sensitive evidence withheld, imports and exports over HTTP."""

import io as bytes_io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from collab.models import AuditEvent
from systemmap.models import Connection, Element, ElementType, Evidence, Map
from tests.api.conftest import API, assert_error
from tests.systemmap import builders as b
from tests.systemmap.builders import KUMU_FIXTURE

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(world):
    return b.small_map(world)


def test_a_facilitator_builds_a_map_through_the_api(world, api):
    client = api("facilitator")
    made = client.post(f"{API}/maps/", {"collaborative": world.ours.pk, "title": "Year 1 map"}, format="json")
    assert made.status_code == 201 and made.json()["can_edit"] is True
    map_id = made.json()["id"]
    first = client.post(
        f"{API}/map-elements/",
        {"map": map_id, "label": "CAMHS", "type": "organisation", "sector": "health", "tags": ["health"], "x": 1.5},
        format="json",
    ).json()
    second = client.post(f"{API}/map-elements/", {"map": map_id, "label": "Waits", "type": "pressure"}, format="json")
    joined = client.post(
        f"{API}/map-connections/",
        {"map": map_id, "source": first["id"], "target": second.json()["id"], "polarity": "-", "strength": 4},
        format="json",
    )
    assert joined.status_code == 201 and joined.json()["polarity"] == "-"
    evidence = client.post(
        f"{API}/evidence/",
        {
            "element": first["id"],
            "kind": "quote",
            "source_kind": "parent",
            "attribution": "Parent of a Year 7 pupil",
            "text": "We waited eleven months.",
        },
        format="json",
    )
    assert evidence.status_code == 201 and evidence.json()["map"] == map_id
    finding = client.post(
        f"{API}/findings/",
        {"map": map_id, "title": "Support stops while children wait", "elements": [first["id"]],
         "evidence": [evidence.json()["id"]]},
        format="json",
    )  # fmt: skip
    assert finding.status_code == 201 and finding.json()["elements"] == [first["id"]]
    moved = client.post(
        f"{API}/map-elements/move/",
        {"map": map_id, "positions": [{"id": first["id"], "x": 10, "y": 20}]},
        format="json",
    )
    assert moved.status_code == 200 and (moved.json()[0]["x"], moved.json()[0]["y"]) == (10.0, 20.0)
    version = client.post(f"{API}/map-versions/", {"map": map_id, "label": "Year 1 map"}, format="json")
    assert version.status_code == 201 and version.json()["element_count"] == 2
    listed = client.get(f"{API}/maps/", {"collaborative": world.ours.pk}).json()["results"]
    assert [(m["title"], m["element_count"], m["connection_count"], m["finding_count"]) for m in listed] == [
        ("Year 1 map", 2, 1, 1)
    ]


def test_the_page_data_and_the_analysis_come_in_one_request_each(world, api, small):
    map_, (a, b_, c, lonely), (ab, bc, ca) = small
    data = api("member").get(f"{API}/maps/{map_.pk}/data/").json()
    assert data["me"] == {"can_edit": False, "can_comment": True, "sees_sensitive": False}
    assert [e["label"] for e in data["elements"]] == ["Waiting lists", "Suspensions", "Early help", "Youth service"]
    assert data["seq"] == 7  # four elements and three connections
    analysis = api("member").get(f"{API}/maps/{map_.pk}/analysis/").json()
    [loop] = analysis["loops"]["items"]
    assert (loop["elements"], loop["kind"], loop["negative"]) == ([a.pk, b_.pk, c.pk], "balancing", 1)
    assert analysis["isolated"] == [lonely.pk]
    assert analysis["without_evidence"]["elements"] == [a.pk, b_.pk, c.pk, lonely.pk]
    bounded = api("member").get(f"{API}/maps/{map_.pk}/analysis/", {"max_length": 2}).json()
    assert bounded["loops"]["items"] == [] and bounded["loops"]["max_length"] == 2


def test_editing_and_removing_go_through_the_rules(world, api, small):
    map_, (a, b_, c, lonely), (ab, *_) = small
    client = api("anchor")
    changed = client.patch(f"{API}/map-elements/{a.pk}/", {"label": "Long waits", "type": "pressure"}, format="json")
    assert changed.status_code == 200 and changed.json()["label"] == "Long waits"
    assert client.patch(f"{API}/map-connections/{ab.pk}/", {"note": "Since 2024"}, format="json").json()["note"]
    assert client.post(f"{API}/map-elements/{lonely.pk}/remove/").status_code == 204
    assert not Element.objects.filter(pk=lonely.pk).exists()
    assert client.post(f"{API}/map-connections/{ab.pk}/remove/").status_code == 204
    member = api("member")
    assert_error(member.patch(f"{API}/map-elements/{a.pk}/", {"label": "Mine now"}, format="json"), 403)
    assert_error(member.post(f"{API}/maps/{map_.pk}/remove/"), 403)
    assert client.post(f"{API}/maps/{map_.pk}/remove/").status_code == 204
    assert not Map.objects.filter(pk=map_.pk).exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("map-elements", {"label": "X", "type": "spaceship"}, "type"),
        ("map-elements", {"label": "", "type": "service"}, "label"),
        ("map-elements", {"label": "X" * 201, "type": "service"}, "label"),
        ("map-elements", {"label": "X", "type": "service", "x": "left"}, "x"),
        ("map-elements", {"label": "X", "type": "service", "x": 1e9}, "x"),
        ("map-elements", {"label": "X", "type": "service", "tags": ["t" * 41]}, "tags"),
        ("map-elements", {"label": "X", "type": "service", "journey_step": 2}, "journey_step"),
        ("map-elements", {"label": "X", "type": "service", "sector": "banking"}, "sector"),
        ("map-connections", {"polarity": "±"}, "polarity"),
        ("map-connections", {"strength": 9}, "strength"),
        ("map-connections", {"same": True}, "target"),
        ("evidence", {"attribution": "Sarah Jones"}, "attribution"),
        ("evidence", {"kind": "rumour"}, "kind"),
        ("evidence", {"count": -1}, "count"),
        ("evidence", {"collected_on": "2999-01-01"}, "collected_on"),
        ("findings", {"title": ""}, "title"),
        ("findings", {"elements": ["one"]}, "elements"),
        ("map-versions", {"label": ""}, "label"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(world, api, small, path, body, field):
    map_, (a, b_, *_), _ = small
    defaults = {
        "map-elements": {"map": map_.pk},
        "map-connections": {"map": map_.pk, "source": a.pk, "target": b_.pk},
        "evidence": {
            "element": a.pk,
            "kind": "quote",
            "source_kind": "child",
            "attribution": "Year 9 pupil",
            "text": "Words",
        },
        "findings": {"map": map_.pk, "title": "A finding"},
        "map-versions": {"map": map_.pk, "label": "Year 1"},
    }[path]
    if body.pop("same", False):
        body["target"] = a.pk
    audit = AuditEvent.objects.count()
    assert_error(api("facilitator").post(f"{API}/{path}/", {**defaults, **body}, format="json"), 400, field=field)
    assert AuditEvent.objects.count() == audit


def test_evidence_must_be_attached_to_exactly_one_thing(world, api, small):
    map_, (a, *_), (ab, *_) = small
    body = {"element": a.pk, "connection": ab.pk, "kind": "observation", "source_kind": "professional", "text": "x"}
    error = assert_error(api("facilitator").post(f"{API}/evidence/", body, format="json"), 400)
    assert "one element, connection or finding" in error["message"]


def test_another_localitys_map_and_everything_on_it_is_a_404(world, api):
    theirs, (a, *_), (ab, *_) = b.small_map(world, world.theirs)
    secret = b.quote(world, theirs, element=a)
    version = b.services.version_create(actor=world.people["outsider"], map=theirs, label="Theirs")
    client = api("facilitator")
    for path in (
        f"maps/{theirs.pk}/",
        f"maps/{theirs.pk}/data/",
        f"maps/{theirs.pk}/analysis/",
        f"maps/{theirs.pk}/export/?format=json",
        f"map-elements/{a.pk}/",
        f"map-connections/{ab.pk}/",
        f"evidence/{secret.pk}/",
        f"map-versions/{version.pk}/compare/",
    ):
        assert_error(client.get(f"{API}/{path}"), 404)
    assert_error(client.patch(f"{API}/map-elements/{a.pk}/", {"label": "Mine"}, format="json"), 404)
    assert_error(client.post(f"{API}/maps/{theirs.pk}/remove/"), 404)
    assert_error(client.post(f"{API}/maps/{theirs.pk}/import/", {"content": "Label\nX", "format": "csv"}), 404)
    # Given by id in a body, their map is as unknown as a missing one.
    assert_error(
        client.post(f"{API}/map-elements/", {"map": theirs.pk, "label": "X", "type": "need"}), 400, field="map"
    )
    assert Map.objects.get(pk=theirs.pk).elements.count() == 4


def test_members_never_see_sensitive_evidence_and_see_small_counts_as_fewer_than_5(world, api, small):
    map_, (a, *_), _ = small
    secret = b.quote(world, map_, element=a, sensitive=True, text="Said in confidence")
    small_count = b.data_point(world, map_, element=a, count=2)
    member = api("member")
    listed = member.get(f"{API}/evidence/", {"map": map_.pk}).json()["results"]
    assert [row["id"] for row in listed] == [small_count.pk]
    assert (listed[0]["count"], listed[0]["count_display"], listed[0]["suppressed"]) == (None, "fewer than 5", True)
    assert_error(member.get(f"{API}/evidence/{secret.pk}/"), 404)
    assert "Said in confidence" not in member.get(f"{API}/maps/{map_.pk}/data/").content.decode()
    facilitator = api("facilitator").get(f"{API}/evidence/", {"map": map_.pk}).json()["results"]
    assert {row["id"]: row["count"] for row in facilitator} == {secret.pk: None, small_count.pk: 2}


@pytest.mark.parametrize(
    ("format", "content_type"),
    [
        ("elements-csv", "text/csv"),
        ("connections-csv", "text/csv"),
        ("csv-zip", "application/zip"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("json", "application/json"),
        ("kumu", "application/json"),
        ("graphml", "application/graphml+xml"),
    ],
)
def test_every_export_format_downloads(world, api, small, format, content_type):
    map_, *_ = small
    response = api("observer").get(f"{API}/maps/{map_.pk}/export/", {"format": format})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith('attachment; filename="map-')
    content = response.content
    if format == "xlsx":
        assert load_workbook(bytes_io.BytesIO(content)).sheetnames == ["Elements", "Connections"]
    elif format == "csv-zip":
        assert sorted(zipfile.ZipFile(bytes_io.BytesIO(content)).namelist()) == ["connections.csv", "elements.csv"]
    elif format in ("json", "kumu"):
        assert len(json.loads(content)["elements"]) == 4


@pytest.mark.parametrize("query", [{"format": "pdf"}, {}])
def test_an_unknown_export_format_is_a_400_in_json(world, api, small, query):
    map_, *_ = small
    error = assert_error(api("member").get(f"{API}/maps/{map_.pk}/export/", query), 400, field="format")
    assert "csv-zip" in error["fields"]["format"][0]


def test_files_import_over_http_and_a_bad_file_is_a_400_listing_each_problem(world, api, small):
    map_, *_ = small
    client = api("facilitator")
    elements = bytes_io.BytesIO(b"Label,Type\nSchool nursing,Service\n")
    elements.name = "elements.csv"
    connections = bytes_io.BytesIO("From,To,Polarity\nSchool nursing,Early help,−\n".encode())
    connections.name = "connections.csv"
    answer = client.post(
        f"{API}/maps/{map_.pk}/import/", {"elements": elements, "connections": connections}, format="multipart"
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["elements"], answer.json()["connections"]) == (1, 1)
    assert answer.json()["map"]["element_count"] == 5
    assert Connection.objects.get(map=map_, source__label="School nursing").polarity == "-"
    bad = bytes_io.BytesIO(b"Label,Type\n,Service\nFine,Service\nAlso fine,Nonsense\n")
    bad.name = "more.csv"
    error = assert_error(client.post(f"{API}/maps/{map_.pk}/import/", {"file": bad}, format="multipart"), 400)
    assert error["code"] == "import_rejected"
    assert [line.split(":")[0] for line in error["fields"]["file"]] == ["more.csv, line 2", "more.csv, line 4"]
    assert Element.objects.filter(map=map_).count() == 5


def test_a_kumu_file_starts_a_new_map_over_http(world, api):
    kumu = bytes_io.BytesIO(KUMU_FIXTURE.read_bytes())
    kumu.name = KUMU_FIXTURE.name
    answer = api("anchor").post(
        f"{API}/maps/import/", {"collaborative": world.ours.pk, "file": kumu}, format="multipart"
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["elements"], body["connections"], body["format"]) == (230, 232, "kumu")
    assert body["map"]["title"] == "US Financial Inclusion" and len(body["warnings"]) == 2


def test_import_as_json_content_and_import_refusals(world, api):
    content = "Label,Type\nCAMHS,Organisation or actor\n"
    body = {"collaborative": world.ours.pk, "title": "From text", "content": content, "format": "csv"}
    assert api("facilitator").post(f"{API}/maps/import/", body, format="json").status_code == 201
    assert_error(api("member").post(f"{API}/maps/import/", body, format="json"), 403)
    assert_error(api("facilitator").post(f"{API}/maps/import/", {"collaborative": world.ours.pk}), 400, field="file")
    no_format = {"collaborative": world.ours.pk, "content": content}
    assert_error(api("facilitator").post(f"{API}/maps/import/", no_format, format="json"), 400, field="format")
    assert Map.objects.filter(title="From text").count() == 1


def test_versions_compare_to_now_or_to_another_version(world, api, small):
    map_, (a, *_), _ = small
    client = api("facilitator")
    first = client.post(f"{API}/map-versions/", {"map": map_.pk, "label": "Year 1 map"}, format="json").json()
    client.patch(f"{API}/map-elements/{a.pk}/", {"label": "Long waits"}, format="json")
    to_now = api("member").get(f"{API}/map-versions/{first['id']}/compare/").json()
    assert to_now["elements"]["changed"][0]["fields"] == {"label": ["Waiting lists", "Long waits"]}
    second = client.post(f"{API}/map-versions/", {"map": map_.pk, "label": "Year 2"}, format="json").json()
    between = api("member").get(f"{API}/map-versions/{first['id']}/compare/", {"to": second["id"]}).json()
    assert between["to"]["label"] == "Year 2" and len(between["elements"]["changed"]) == 1
    other = b.services.version_create(actor=world.people["facilitator"], map=b.a_map(world), label="Other map")
    assert_error(api("member").get(f"{API}/map-versions/{first['id']}/compare/", {"to": other.pk}), 400, field="to")


def test_members_comment_and_observers_cannot(world, api, small):
    map_, (a, *_), _ = small
    made = api("member").post(f"{API}/map-comments/", {"map": map_.pk, "element": a.pk, "body": "Same in KS2?"})
    assert made.status_code == 201 and made.json()["author_name"] == "Ashford Member"
    assert_error(api("observer").post(f"{API}/map-comments/", {"map": map_.pk, "body": "Me too"}), 403)
    assert_error(api("lead").post(f"{API}/map-comments/{made.json()['id']}/remove/"), 403)
    assert api("member").post(f"{API}/map-comments/{made.json()['id']}/remove/").status_code == 204


def test_lists_are_filtered_by_map(world, api, small):
    map_, (a, *_), _ = small
    other = b.a_map(world)
    b.element(world, other, "Elsewhere")
    labels = [e["label"] for e in api("member").get(f"{API}/map-elements/", {"map": map_.pk}).json()["results"]]
    assert "Elsewhere" not in labels and len(labels) == 4
    assert_error(api("member").get(f"{API}/map-elements/", {"map": 999999}), 400, field="map")
    assert Evidence.objects.count() == 0


def test_a_form_with_too_many_fields_is_a_400_in_the_apis_own_format(world, api, small):
    map_, *_ = small
    body = "&".join([f"map={map_.pk}", "title=Waits"] + [f"elements={n}" for n in range(1, 1200)])
    response = api("facilitator").post(f"{API}/findings/", body, content_type="application/x-www-form-urlencoded")
    assert assert_error(response, 400)["code"] == "parse_error"
    assert not map_.findings.exists()


@pytest.mark.parametrize(
    ("path", "parameter", "theirs"),
    [
        ("maps/", "collaborative", lambda w, their_map, their_element: w.theirs.pk),
        ("evidence/", "element", lambda w, their_map, their_element: their_element.pk),
        ("map-connections/", "source", lambda w, their_map, their_element: their_element.pk),
        ("map-comments/", "element", lambda w, their_map, their_element: their_element.pk),
    ],
)
def test_filtering_by_another_locality_s_id_is_refused_like_every_other_filter(world, api, path, parameter, theirs):
    """As for every list: an id one cannot see is a 400 naming the parameter, not an empty page."""
    b.a_map(world)
    their_map = b.their_map(world)
    their_element = b.element(world, their_map, "Brindle CAMHS")
    error = assert_error(
        api("member").get(f"{API}/{path}", {parameter: theirs(world, their_map, their_element)}), 400, field=parameter
    )
    assert "you can see" in error["fields"][parameter][0]


def test_an_element_without_a_sector_is_answered_as_the_schema_promises(world, answered_as_published):
    element = b.element(world, b.a_map(world), "Waiting list", type=ElementType.PRESSURE)
    assert element.sector == ""
    read = answered_as_published("member", "GET", "/api/v1/map-elements/{id}/", id=element.pk)
    assert read.json()["sector"] == ""
