"""Hostile uploads: each is refused with a clear reason (or read within its real size), nothing is imported, and the
limits are counted on what is really read — not on what the file declares. Memory itself is measured by the
benchmark (`tests/bench/uploads.py`); here spies show that reading stops early."""

import io as bytes_io
import re
import struct
import zipfile
import zlib

import pytest
from openpyxl import Workbook

from systemmap import services
from systemmap.io import common, graphml, tables
from systemmap.io.common import ImportRejected
from systemmap.models import Element, Map
from tests.api.conftest import assert_error

API = "/api/v1"


def import_new(world, files, format=None):
    return services.map_import_new(
        actor=world.people["facilitator"], collaborative=world.ours, files=files, format=format
    ).map


def refused(world, files, format=None):
    maps, elements = Map.objects.count(), Element.objects.count()
    with pytest.raises(ImportRejected) as error:
        import_new(world, files, format)
    assert (Map.objects.count(), Element.objects.count()) == (maps, elements)  # nothing half-written
    assert error.value.status == 400
    return [str(problem) for problem in error.value.problems]


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = bytes_io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def lie_about_sizes(content: bytes, declared: int) -> bytes:
    """The zip with every member's uncompressed size, in its local header and the central directory, set to
    `declared` bytes."""
    data = bytearray(content)
    for match in re.finditer(rb"PK\x03\x04", bytes(data)):
        struct.pack_into("<I", data, match.start() + 22, declared)
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):
        struct.pack_into("<I", data, match.start() + 24, declared)
    return bytes(data)


def workbook(rows: list[list], *, dimension: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Elements"
    for row in rows:
        sheet.append(row)
    buffer = bytes_io.BytesIO()
    book.save(buffer)
    if dimension is None:
        return buffer.getvalue()
    source = zipfile.ZipFile(bytes_io.BytesIO(buffer.getvalue()))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = re.sub(
        r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', sheet_xml
    ).encode()
    return zip_of(parts)


# --- Excel ---------------------------------------------------------------------------------------------------------


def test_a_workbook_declaring_every_column_is_read_only_as_wide_as_its_cells(world, monkeypatch):
    content = workbook([["Label", "Type"], ["CAMHS", "Service"], ["Long waits", "Pressure"]], dimension="A1:XFD300")
    widths = []
    real = tables.tables_to_data

    def spy(found, *args, **kwargs):
        widths.extend(len(cells) for _, _, rows in found for _, cells in rows)
        return real(found, *args, **kwargs)

    monkeypatch.setattr(tables, "tables_to_data", spy)
    map_ = import_new(world, {"map.xlsx": content})
    assert sorted(Element.objects.filter(map=map_).values_list("label", flat=True)) == ["CAMHS", "Long waits"]
    assert widths and max(widths) <= 2  # not the 16,384 columns the sheet declares


def test_a_workbook_with_more_rows_than_the_limit_stops_being_read_at_the_limit(world, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ELEMENT_ROWS", 10)
    content = workbook([["Label"]] + [[f"Element {n}"] for n in range(200)])
    held = []
    real = tables.tables_to_data
    monkeypatch.setattr(tables, "tables_to_data", lambda found, *a, **k: held.append(found) or real(found, *a, **k))
    problems = refused(world, {"map.xlsx": content})
    assert problems == ["Elements: There are more than 10 elements."]
    assert held == []  # refused while reading: the 200 rows were never gathered to be checked


def test_a_workbook_with_a_cell_past_the_last_column_we_read_is_refused(world):
    book = Workbook()
    sheet = book.active
    sheet["A1"], sheet["B1"], sheet["GT1"] = "Label", "Type", "Far away"  # GT is column 202
    sheet["A2"] = "CAMHS"
    buffer = bytes_io.BytesIO()
    book.save(buffer)
    problems = refused(world, {"map.xlsx": buffer.getvalue()})
    assert problems == ["Sheet, line 1: There are more than 200 columns; the most is 200."]


# --- CSV in a zip --------------------------------------------------------------------------------------------------


class CountingDecompressor:
    """zlib's decompressor, counting the bytes it really produces."""

    produced = 0

    def __init__(self, real):
        self.real = real

    def decompress(self, data, max_length=0):
        out = self.real.decompress(data, max_length)
        CountingDecompressor.produced += len(out)
        return out

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_zip_member_that_lies_about_its_size_is_unpacked_only_a_chunk_at_a_time(world, monkeypatch):
    rows = b"Label\n" + b"".join(b"Element %d\n" % n for n in range(2_000_000))  # about 25 MB unpacked
    content = lie_about_sizes(zip_of({"elements.csv": rows}), declared=1024)
    assert zipfile.ZipFile(bytes_io.BytesIO(content)).infolist()[0].file_size == 1024
    real = zlib.decompressobj
    CountingDecompressor.produced = 0
    monkeypatch.setattr(zlib, "decompressobj", lambda *a: CountingDecompressor(real(*a)))
    problems = refused(world, {"map.zip": content})
    assert problems == ["elements.csv: This file in the zip cannot be read."]
    assert CountingDecompressor.produced < 1024 * 1024  # not the 25 MB it really holds


def test_csv_rows_past_the_limit_are_never_read(world, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ELEMENT_ROWS", 10)
    read = []
    real = tables.csv.reader

    class Reader:
        def __init__(self, *args, **kwargs):
            self.real = real(*args, **kwargs)

        def __iter__(self):
            return self

        def __next__(self):
            row = next(self.real)
            read.append(row)
            return row

        @property
        def line_num(self):
            return self.real.line_num

    monkeypatch.setattr(tables.csv, "reader", Reader)
    rows = "Label\n" + "".join(f"Element {n}\n" for n in range(1000))
    problems = refused(world, {"map.zip": zip_of({"elements.csv": rows.encode()})})
    assert problems == ["elements.csv: There are more than 10 elements."]
    assert len(read) <= 1 + 11  # the headings and one row past the limit, not the 1,000 rows


def test_a_zip_of_too_many_files_is_refused_before_any_is_read(world):
    members = {f"part{n}.csv": f"Label\nElement {n}\n".encode() for n in range(101)}
    problems = refused(world, {"map.zip": zip_of(members)})
    assert problems == ["map.zip: The zip holds too many files (the most is 100)."]


def test_a_zip_bomb_is_refused_by_its_size(world):
    bomb = zip_of({"elements.csv": b"Label\n" + b"\n" * (21 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    assert refused(world, {"map.zip": bomb}) == ["elements.csv: This file is too large (the most is 20 MB)."]


def test_what_a_zip_unpacks_to_in_all_is_counted(world, monkeypatch):
    monkeypatch.setattr(common, "MAX_UNPACKED_BYTES", 1024 * 1024, raising=False)
    blank = b"Label\n" + (b" " * 100_000 + b"\n") * 6  # blank rows: few rows to count, and many bytes
    problems = refused(world, {"map.zip": zip_of({"a.csv": blank, "b.csv": blank})})
    assert problems == ["b.csv: The files are too large once unpacked (the most is 1 MB in all)."]


# --- GraphML -------------------------------------------------------------------------------------------------------

GRAPHML = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    '<key id="d0" for="node" attr.name="label" attr.type="string"/>'
    '<graph edgedefault="directed"><node id="n1"><data key="d0">{label}</data></node>'
    '<node id="n2"><data key="d0">Long waits</data></node><edge source="n1" target="n2"/></graph></graphml>'
)
ENTITY = '<!DOCTYPE graphml [<!ENTITY injected "Injected by an entity">]>'


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(
            ('<?xml version="1.0"?><!--' + "x" * 5000 + "-->" + ENTITY + GRAPHML.format(label="&injected;")).encode(),
            id="entity after a long comment",
        ),
        pytest.param(
            ('<?xml version="1.0"?><!--' + "x" * 5000 + '--><!DOCTYPE graphml SYSTEM "graphml.dtd">').encode()
            + GRAPHML.format(label="CAMHS").encode(),
            id="doctype after a long comment",
        ),
        pytest.param(
            ('<?xml version="1.0" encoding="UTF-16"?>' + ENTITY + GRAPHML.format(label="&injected;")).encode("utf-16"),
            id="utf-16 with an entity",
        ),
        pytest.param(
            (ENTITY + GRAPHML.format(label="&injected;")).encode("utf-16-be"),
            id="utf-16 without a byte order mark",
        ),
    ],
)
def test_graphml_with_a_dtd_anywhere_in_any_encoding_is_refused(world, content):
    assert refused(world, {"map.graphml": content}) == [
        "map.graphml: GraphML with a DOCTYPE or entities is not accepted."
    ]


def test_utf16_graphml_without_a_dtd_is_read(world):
    content = ('<?xml version="1.0" encoding="UTF-16"?>' + GRAPHML.format(label="CAMHS")).encode("utf-16")
    map_ = import_new(world, {"map.graphml": content})
    assert sorted(Element.objects.filter(map=map_).values_list("label", flat=True)) == ["CAMHS", "Long waits"]


def test_deeply_nested_graphml_is_refused(world):
    deep = "<x>" * 100_000 + "</x>" * 100_000
    content = GRAPHML.format(label="CAMHS").replace("</data></node>", f"</data><data key='d0'>{deep}</data></node>", 1)
    problems = refused(world, {"map.graphml": content.encode()})
    assert problems == ["map.graphml: This is not GraphML that can be read (it is nested more than 64 levels deep)."]


def test_graphml_with_more_nodes_than_the_limit_stops_being_read_at_the_limit(world, monkeypatch):
    monkeypatch.setattr(graphml, "MAX_ELEMENT_ROWS", 5)
    checked = []
    real = graphml.check_element
    monkeypatch.setattr(graphml, "check_element", lambda *a, **k: checked.append(1) or real(*a, **k))
    nodes = "".join(f'<node id="n{n}"/>' for n in range(1000))
    content = f'<graphml><graph edgedefault="directed">{nodes}</graph></graphml>'.encode()
    assert refused(world, {"map.graphml": content}) == ["map.graphml: The graph is too large to import."]
    assert len(checked) <= 5


# --- Over HTTP -----------------------------------------------------------------------------------------------------


def test_a_hostile_upload_over_the_api_is_a_400_with_the_reason_and_makes_no_map(world, api):
    members = {f"part{n}.csv": b"Label\nX\n" for n in range(101)}
    upload = bytes_io.BytesIO(zip_of(members))
    upload.name = "map.zip"
    response = api("facilitator").post(
        f"{API}/maps/import/", {"collaborative": world.ours.pk, "file": upload}, format="multipart"
    )
    error = assert_error(response, 400, field="file")
    assert error["fields"]["file"] == ["map.zip: The zip holds too many files (the most is 100)."]
    assert Map.objects.count() == 0


def test_formats_are_still_read_whole_when_they_are_within_bounds(world):
    # A sanity check that bounding did not cut off honest files: a zip of both CSV files at once.
    elements = b"ID,Label\ne1,CAMHS\ne2,Long waits\n"
    connections = b"From,To,Polarity\ne1,e2,-\n"
    map_ = import_new(world, {"map.zip": zip_of({"elements.csv": elements, "connections.csv": connections})})
    assert map_.connections.count() == 1


def test_a_csv_line_of_countless_cells_is_refused_before_it_is_split(world):
    content = b"Label\n" + b"," * 1_000_000 + b"\n"
    problems = refused(world, {"elements.csv": content})
    assert problems == ["elements.csv, line 2: This line cannot be read as CSV (it has more than 2,000 cells)."]
