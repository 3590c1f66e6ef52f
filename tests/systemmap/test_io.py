"""Import and export: every format gives back the map it was given, and an import with any bad row reports every one
(where it is and why) and imports nothing."""

import io as bytes_io
import json
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from collab.models import AuditEvent, Sector
from systemmap import io, selectors, services
from systemmap.io.common import ImportRejected
from systemmap.models import Connection, Element, ElementType, Evidence, Finding, Map, Polarity
from tests.systemmap import builders as b


@pytest.fixture
def rich_map(world):
    """A map with everything a file has to carry: sectors, tags, positions, journey steps, two elements with the same
    label, − connections, strengths and notes, evidence of each kind, and findings."""
    map_ = b.a_map(world, title="Ashford map, year 1")
    primary = b.element(world, map_, "Primary school", type=ElementType.STAGE, journey_step=1, x=0.0, y=10.5)
    move = b.element(world, map_, "Move to secondary", type=ElementType.STAGE, journey_step=2, x=200.25, y=10.5)
    camhs = b.element(
        world,
        map_,
        "CAMHS",
        type=ElementType.ORGANISATION,
        sector=Sector.HEALTH,
        description='Child and adolescent mental health, "tier 3", waits, commas',
        tags=["health", "waiting"],
        x=-50.0,
        y=300.0,
    )
    waits = b.element(world, map_, "Long waits", type=ElementType.PRESSURE, description="Line one\nLine two")
    same_a = b.element(world, map_, "Secondary school", type=ElementType.SETTING, sector=Sector.SECONDARY_SCHOOL)
    same_b = b.element(world, map_, "Secondary school", type=ElementType.SETTING, tags=["academy trust"])
    formula = b.element(world, map_, "=1+1 looks like a formula", type=ElementType.NEED)
    b.connect(world, map_, primary, move, type="transition", strength=5)
    b.connect(world, map_, camhs, waits, polarity=Polarity.SAME, note="Demand far above capacity, 2025")
    b.connect(world, map_, waits, same_a, polarity=Polarity.OPPOSITE, type="influence", strength=1)
    b.connect(world, map_, same_b, camhs, type="referral")
    b.connect(world, map_, same_a, same_b, type="information", note="-starts with a minus")
    b.connect(world, map_, formula, waits, polarity=Polarity.OPPOSITE)
    b.quote(world, map_, element=waits, collected_on=date(2026, 3, 1))
    b.data_point(world, map_, element=camhs, count=212)
    finding = b.finding(world, map_, "Support stops while children wait", summary="Eleven months.", elements=[waits])
    b.quote(
        world,
        map_,
        finding=finding,
        kind="observation",
        source_kind="professional",
        attribution="Facilitator",
        text="Seen at three schools.",
    )
    return map_


def shape(user, map_, *, evidence=False):
    """A map by its content, not its database ids: what a round trip must keep."""
    data = selectors.map_data(user, map_)
    labels = {e["id"]: (e["label"], tuple(e["tags"])) for e in data["elements"]}
    result = {
        "elements": sorted(
            (e["label"], e["type"], e["sector"], e["description"], tuple(e["tags"]), e["x"], e["y"], e["journey_step"])
            for e in data["elements"]
        ),
        "connections": sorted(
            (labels[c["source"]], labels[c["target"]], c["type"], c["polarity"], c["strength"], c["note"])
            for c in data["connections"]
        ),
    }
    if evidence:
        findings = {f["id"]: f["title"] for f in data["findings"]}
        result["evidence"] = sorted(
            (
                labels.get(v["element"], ()),
                findings.get(v["finding"], ""),
                v["kind"],
                v["source_kind"],
                v["attribution"],
                v["text"],
                v["count"],
                v["collected_on"],
                v["sensitive"],
            )
            for v in data["evidence"]
        )
        result["findings"] = sorted(
            (f["title"], f["summary"], tuple(sorted(labels[e] for e in f["elements"]))) for f in data["findings"]
        )
    return result


def export(world, map_, format):
    return io.export(selectors.map_export_data(world.people["facilitator"], map_), format)


def import_new(world, files, format=None):
    return services.map_import_new(
        actor=world.people["facilitator"], collaborative=world.ours, files=files, format=format
    ).map


@pytest.mark.parametrize("format", ["csv-zip", "xlsx", "json", "kumu", "graphml"])
def test_every_format_gives_back_the_map_it_was_given(world, rich_map, format):
    download = export(world, rich_map, format)
    again = import_new(world, {download.filename: download.content})
    facilitator = world.people["facilitator"]
    assert shape(facilitator, again) == shape(facilitator, rich_map)
    assert again.title == rich_map.title or format in ("csv-zip", "xlsx")


def test_the_two_csv_files_give_back_the_map(world, rich_map):
    elements, connections = export(world, rich_map, "elements-csv"), export(world, rich_map, "connections-csv")
    assert elements.content_type.startswith("text/csv") and elements.filename.endswith(".elements.csv")
    again = import_new(world, {"elements.csv": elements.content, "connections.csv": connections.content}, "csv")
    assert shape(world.people["facilitator"], again) == shape(world.people["facilitator"], rich_map)


def test_the_workspace_json_keeps_evidence_and_findings(world, rich_map):
    download = export(world, rich_map, "json")
    again = import_new(world, {"map.json": download.content})
    facilitator = world.people["facilitator"]
    assert shape(facilitator, again, evidence=True) == shape(facilitator, rich_map, evidence=True)
    assert Finding.objects.get(map=again).elements.get().label == "Long waits"


def test_spreadsheets_are_in_kumus_layout_and_text_that_looks_like_a_formula_stays_text(world, rich_map):
    workbook = load_workbook(bytes_io.BytesIO(export(world, rich_map, "xlsx").content))
    assert workbook.sheetnames == ["Elements", "Connections"]
    elements = list(workbook["Elements"].iter_rows(values_only=True))
    connections = list(workbook["Connections"].iter_rows(values_only=True))
    assert elements[0][:3] == ("ID", "Label", "Type") and connections[0][:3] == ("ID", "From", "To")
    assert ("'=1+1 looks like a formula") in [row[1] for row in elements]  # not run by a spreadsheet
    archive = zipfile.ZipFile(bytes_io.BytesIO(export(world, rich_map, "csv-zip").content))
    assert sorted(archive.namelist()) == ["connections.csv", "elements.csv"]
    assert "Tags" in archive.read("elements.csv").decode("utf-8-sig").splitlines()[0]


def test_an_export_holds_only_the_evidence_its_reader_may_see(world, rich_map):
    waits = Element.objects.get(map=rich_map, label="Long waits")
    b.quote(world, rich_map, element=waits, sensitive=True, text="A sensitive account.")
    b.data_point(world, rich_map, element=waits, count=3)
    as_member = json.loads(io.export(selectors.map_export_data(world.people["member"], rich_map), "json").content)
    texts = [v["text"] for v in as_member["evidence"]]
    assert "A sensitive account." not in texts
    small = next(
        v for v in as_member["evidence"] if v["text"] == "Pupils permanently excluded this year" and not v["count"]
    )
    assert small["count"] is None
    as_facilitator = json.loads(export(world, rich_map, "json").content)
    assert "A sensitive account." in [v["text"] for v in as_facilitator["evidence"]]
    assert 3 in [v["count"] for v in as_facilitator["evidence"]]


# --- Imports with problems ------------------------------------------------------------------------------------------

ELEMENTS_CSV = (
    "ID,Label,Type,Sector,Description,Tags,X,Y,Journey step\n"
    "e1,CAMHS,Service,Health (NHS therapies; CAMHS; paediatrics),,,,,\n"
    "e2,,Service,,,,,,\n"
    "e3,Schools,Persn,,,,,,\n"
    "e1,Duplicate,Service,,,,,,\n"
    'e4,"A label over\ntwo lines",Service,,,,abc,,\n'
    "e5,Early help,Service,Somewhere,,,,,2\n"
)
CONNECTIONS_CSV = (
    "From,To,Type,Polarity,Strength\n"
    "e1,e3,Referral,+,3\n"
    "e1,Nowhere,Referral,+,3\n"
    "e1,e1,Support,+,2\n"
    "e3,e1,Referral,x,9\n"
)


def problems_of(error):
    return [(p.where, p.line, p.reason) for p in error.value.problems]


def test_an_import_reports_every_bad_row_with_its_line_and_reason_and_imports_nothing(world):
    maps, audit = Map.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ImportRejected) as error:
        import_new(world, {"elements.csv": ELEMENTS_CSV.encode(), "connections.csv": CONNECTIONS_CSV.encode()})
    found = problems_of(error)
    where = [(w, line) for w, line, _ in found]
    assert where == [
        ("elements.csv", 2),  # the sector is not one of ours (the semicolons are not the sector's label)
        ("elements.csv", 3),
        ("elements.csv", 4),
        ("elements.csv", 6),  # the row starts on line 6 even though its label runs onto line 7
        ("elements.csv", 8),
        ("elements.csv", 8),
        ("elements.csv", 5),  # a repeated ID is found when the IDs are compared, after each row is checked
        ("connections.csv", 3),
        ("connections.csv", 4),
        ("connections.csv", 5),
        ("connections.csv", 5),
    ]
    reasons = [reason for *_, reason in found]
    assert "Label is empty" in reasons[1]
    assert "Type “Persn” is not one of" in reasons[2]
    assert "X “abc” is not a number" in reasons[3]
    assert "Sector “Somewhere”" in reasons[4] and "Journey step is only for a stage" in reasons[5]
    assert "ID “e1” is already used by line 2" in reasons[6]
    assert "To “Nowhere” is not an element in this file or on the map" in reasons[7]
    assert "same element" in reasons[8]
    assert "Polarity “x”" in reasons[9] and "Strength must be a whole number from 1 to 5" in reasons[10]
    assert error.value.status == 400 and error.value.fields["file"][7].startswith("connections.csv, line 3: ")
    assert "11 problems; nothing was imported" in error.value.message
    assert (Map.objects.count(), AuditEvent.objects.count(), Element.objects.count()) == (maps, audit, 0)


def test_an_import_into_a_map_with_a_bad_row_leaves_the_map_as_it_was(world, rich_map):
    before = shape(world.people["facilitator"], rich_map)
    bad = "From,To,Polarity\nCAMHS,Long waits,-\nCAMHS,Secondary school,+\n"
    with pytest.raises(ImportRejected) as error:
        services.map_import(actor=world.people["facilitator"], map=rich_map, files={"connections.csv": bad.encode()})
    assert problems_of(error) == [
        ("connections.csv", 3, "To “Secondary school” is the label of 2 elements: use the element's ID instead.")
    ]
    assert shape(world.people["facilitator"], rich_map) == before


def test_connections_may_join_elements_already_on_the_map_by_label(world, rich_map):
    rows = "From,To,Polarity,Note\nCAMHS,Long waits,-,Second route\nPrimary school,New stage,+,\n"
    elements = "Label,Type,Journey step\nNew stage,Stage,3\n"
    result = services.map_import(
        actor=world.people["facilitator"],
        map=rich_map,
        files={"connections.csv": rows.encode(), "elements.csv": elements.encode()},
    )
    assert (result.elements, result.connections) == (1, 2)
    assert Connection.objects.filter(map=rich_map, note="Second route", polarity="-").exists()


def test_excel_rows_are_reported_by_their_row_number(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Elements"
    sheet.append(["Label", "Type"])
    sheet.append(["CAMHS", "Service"])
    sheet.append([None, None])  # a blank row is skipped, not an error
    sheet.append(["", "Service"])
    notes = workbook.create_sheet("Notes (ignore)")
    notes.append(["anything at all"])
    buffer = bytes_io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportRejected) as error:
        import_new(world, {"map.xlsx": buffer.getvalue()})
    assert [(w, line) for w, line, _ in problems_of(error)] == [("Elements", 4)]


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"elements.csv": "Label\nCafé".encode("latin-1")}, "not UTF-8"),
        ({"map.json": b'{"elements": [\n  {"label": "A",}\n]}'}, "not valid JSON"),
        ({"map.json": b'{"something": "else"}'}, "neither a map exported from this workspace nor a Kumu"),
        ({"map.graphml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><graphml/>'}, "DOCTYPE"),
        ({"map.graphml": b"<graphml><graph><node"}, "not GraphML"),
        ({"map.xlsx": b"not a workbook"}, "not an Excel workbook"),
        ({"map.zip": b"not a zip"}, "not a zip"),
        ({"map.pdf": b"%PDF"}, "Say which format"),
        ({"elements.csv": b"Name,Kind\nA,B\n"}, "headings should include Label"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_a_reason(world, files, reason):
    with pytest.raises(ImportRejected) as error:
        import_new(world, files)
    assert reason in str(error.value.problems[0])
    assert Map.objects.count() == 0


def test_invalid_json_is_reported_at_its_line(world):
    with pytest.raises(ImportRejected) as error:
        import_new(world, {"map.json": b'{"elements": [\n  {"label": "A",}\n]}'})
    assert error.value.problems[0].line == 2


def test_json_evidence_is_checked_like_any_other(world, rich_map):
    document = json.loads(export(world, rich_map, "json").content)
    document["evidence"][0]["attribution"] = "Sarah Jones"
    document["evidence"][1]["kind"] = "rumour"
    with pytest.raises(ImportRejected) as error:
        import_new(world, {"map.json": json.dumps(document).encode()})
    assert [(p.where, p.item) for p in error.value.problems] == [
        ("evidence", 1),
        ("evidence", 2),
    ]
    assert "role only" in error.value.problems[0].reason
    assert Evidence.objects.count() == 3  # the original map's, nothing more


def test_only_those_who_see_sensitive_evidence_import_it(world, rich_map):
    waits = Element.objects.get(map=rich_map, label="Long waits")
    b.quote(world, rich_map, element=waits, sensitive=True)
    document = export(world, rich_map, "json").content
    with pytest.raises(ImportRejected) as error:
        services.map_import_new(actor=world.people["anchor"], collaborative=world.ours, files={"m.json": document})
    assert "marked sensitive" in error.value.problems[0].reason
    assert Map.objects.count() == 1
