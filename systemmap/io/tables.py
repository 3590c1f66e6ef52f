"""Spreadsheets in Kumu's import layout: an elements table (Label, with an optional ID column first, Type,
Description, Tags separated by "|", and any other columns as extra fields) and a connections table (From and To —
IDs, or labels — then Type, and any other columns). We add Sector, X, Y and Journey step to elements, and Polarity
(+ or −), Strength (1–5) and Note to connections; Kumu keeps those as fields of its own.

As CSV: one file for elements, one for connections, or a zip holding both. As Excel: one workbook whose sheets are
told apart by their header row (Label → elements; From and To → connections), as Kumu does; a sheet whose name ends
in "(ignore)" is skipped.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from systemmap.io.common import (
    MAX_CONNECTION_ROWS,
    MAX_ELEMENT_ROWS,
    MAX_FILE_BYTES,
    ConnectionIn,
    Existing,
    ImportData,
    ImportRejected,
    Problem,
    Resolver,
    RowProblems,
    check_connection_values,
    check_element,
    check_ids,
    guard,
    text,
)
from systemmap.models import ConnectionType, ElementType, Polarity

ELEMENT_COLUMNS = {
    "id": "id",
    "label": "label",
    "type": "type",
    "element type": "type",
    "sector": "sector",
    "description": "description",
    "tags": "tags",
    "x": "x",
    "y": "y",
    "journey step": "journey_step",
    "journey_step": "journey_step",
}
CONNECTION_COLUMNS = {
    "id": "id",
    "from": "from",
    "to": "to",
    "type": "type",
    "connection type": "type",
    "polarity": "polarity",
    "strength": "strength",
    "note": "note",
    "description": "note",
    "direction": "direction",
}
ELEMENT_HEADINGS = ["ID", "Label", "Type", "Sector", "Description", "Tags", "X", "Y", "Journey step"]
CONNECTION_HEADINGS = ["ID", "From", "To", "Type", "Polarity", "Strength", "Note"]

Table = tuple[str, list[str], list[tuple[int, list[Any]]]]  # (where, header, [(line, cells)])


# --- Reading -------------------------------------------------------------------------------------------------------


def read_csv(name: str, content: bytes, problems: list[Problem]) -> Table | None:
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(name, None, "This is not UTF-8 text: save the file as “CSV UTF-8” and try again."))
        return None
    first = decoded.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Any]]] = []
    header: list[str] | None = None
    last = 0
    try:
        for cells in reader:
            start, last = last + 1, reader.line_num
            if header is None:
                header = [text(c) for c in cells]
                continue
            rows.append((start, cells))
    except csv.Error as error:
        problems.append(Problem(name, reader.line_num, f"This line cannot be read as CSV ({error})."))
        return None
    if header is None:
        problems.append(Problem(name, None, "The file is empty: the first line should hold the column headings."))
        return None
    return name, header, rows


def read_xlsx(name: str, content: bytes, problems: list[Problem]) -> list[Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error for a file that is not a workbook
        problems.append(Problem(name, None, "This is not an Excel workbook (.xlsx) that can be read."))
        return []
    tables: list[Table] = []
    limit = MAX_ELEMENT_ROWS + MAX_CONNECTION_ROWS + 1
    try:
        for sheet in workbook.worksheets:
            if sheet.title.strip().lower().endswith("(ignore)"):
                continue
            header: list[str] | None = None
            rows: list[tuple[int, list[Any]]] = []
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if header is None:
                    header = [text(c) for c in cells]
                    continue
                rows.append((number, list(cells)))
                if len(rows) > limit:
                    break
            if header and any(header):
                tables.append((sheet.title, header, rows))
    except Exception:  # a damaged sheet inside a workbook that opened
        problems.append(Problem(name, None, "A sheet of this workbook cannot be read."))
    finally:
        workbook.close()
    return tables


def read_zip(name: str, content: bytes, problems: list[Problem]) -> list[Table]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        problems.append(Problem(name, None, "This is not a zip file that can be opened."))
        return []
    tables = []
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")]
        members = [i for i in members if not i.filename.rsplit("/", 1)[-1].startswith(("._", "~"))]
        if not members:
            problems.append(
                Problem(name, None, "The zip holds no .csv files (expected elements.csv and connections.csv).")
            )
        for info in members:
            if info.file_size > MAX_FILE_BYTES:
                problems.append(Problem(info.filename, None, "This file is too large (the most is 20 MB)."))
                continue
            try:
                content = archive.read(info)
            except Exception:  # damaged, or encrypted
                problems.append(Problem(info.filename, None, "This file in the zip cannot be read."))
                continue
            table = read_csv(info.filename, content, problems)
            if table:
                tables.append(table)
    return tables


def _kind(header: list[str]) -> str | None:
    names = {h.strip().lower() for h in header}
    if {"from", "to"} <= names:
        return "connections"
    if "label" in names:
        return "elements"
    return None


def tables_to_data(tables: list[Table], existing: Existing, problems: list[Problem], *, format: str) -> ImportData:
    """Check every row of every table and resolve each connection's ends; the data if there was no problem."""
    element_tables, connection_tables = [], []
    for table in tables:
        where, header, _ = table
        kind = _kind(header)
        if kind == "elements":
            element_tables.append(table)
        elif kind == "connections":
            connection_tables.append(table)
        else:
            problems.append(
                Problem(where, 1, "The headings should include Label (for elements) or From and To (for connections).")
            )
    data = ImportData(format=format)
    lines: list[tuple[str, int | None, int | None]] = []
    for where, header, rows in element_tables:
        columns = [ELEMENT_COLUMNS.get(h.strip().lower()) for h in header]
        if len(data.elements) + len(rows) > MAX_ELEMENT_ROWS:
            problems.append(Problem(where, None, f"There are more than {MAX_ELEMENT_ROWS:,} elements."))
            break
        for line, cells in rows:
            if not any(text(c) for c in cells):
                continue
            raw = _raw(header, columns, cells)
            row = RowProblems(problems, where, line)
            data.elements.append(check_element(raw, len(data.elements), row))
            lines.append((where, line, None))
    check_ids(data.elements, lines, existing, problems)
    resolver = Resolver(data.elements, existing)
    for where, header, rows in connection_tables:
        columns = [CONNECTION_COLUMNS.get(h.strip().lower()) for h in header]
        if len(data.connections) + len(rows) > MAX_CONNECTION_ROWS:
            problems.append(Problem(where, None, f"There are more than {MAX_CONNECTION_ROWS:,} connections."))
            break
        for line, cells in rows:
            if not any(text(c) for c in cells):
                continue
            raw = _raw(header, columns, cells)
            row = RowProblems(problems, where, line)
            source = resolver.find(text(raw.get("from")), "From", row)
            target = resolver.find(text(raw.get("to")), "To", row)
            if source is not None and source == target:
                row.add("From and To are the same element: a connection joins two different elements.")
            values = check_connection_values(raw, row)
            if source is not None and target is not None:
                data.connections.append(ConnectionIn(source=source, target=target, **values))
    if not element_tables and not connection_tables and not problems:
        problems.append(Problem(tables[0][0] if tables else "file", None, "There is nothing to import."))
    return data


def _raw(header: list[str], columns: list[str | None], cells: list[Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    fields: dict[str, str] = {}
    for heading, column, value in zip(header, columns, cells, strict=False):
        if column:
            raw[column] = value
        elif heading.strip() and text(value):
            fields[heading.strip()] = text(value)
    if fields:
        raw["extra"] = {"fields": fields}
    return raw


def parse_tables(files: dict[str, bytes], existing: Existing, *, format: str) -> ImportData:
    problems: list[Problem] = []
    tables: list[Table] = []
    for name, content in files.items():
        if format == "xlsx":
            tables.extend(read_xlsx(name, content, problems))
        elif format == "zip":
            tables.extend(read_zip(name, content, problems))
        else:
            table = read_csv(name, content, problems)
            if table:
                tables.append(table)
    data = tables_to_data(tables, existing, problems, format=format) if not problems else ImportData()
    if problems:
        raise ImportRejected(problems)
    return data


# --- Writing -------------------------------------------------------------------------------------------------------


def element_rows(export: Any) -> tuple[list[str], list[list[Any]]]:
    fields = _extra_field_names(export.elements)
    header = ELEMENT_HEADINGS + fields
    types, sectors = dict(ElementType.choices), export.sector_labels
    rows = []
    for e in export.elements:
        extra_fields = (e["extra"] or {}).get("fields", {})
        rows.append(
            [
                guard(e["export_id"]),
                guard(e["label"]),
                str(types[e["type"]]),
                str(sectors.get(e["sector"], "")),
                guard(e["description"]),
                guard("|".join(e["tags"])),
                "" if e["x"] is None else e["x"],
                "" if e["y"] is None else e["y"],
                "" if e["journey_step"] is None else e["journey_step"],
                *(guard(str(extra_fields.get(name, ""))) for name in fields),
            ]
        )
    return header, rows


def connection_rows(export: Any) -> tuple[list[str], list[list[Any]]]:
    fields = _extra_field_names(export.connections)
    with_direction = any((c["extra"] or {}).get("direction") for c in export.connections)
    header = CONNECTION_HEADINGS + (["Direction"] if with_direction else []) + fields
    types = dict(ConnectionType.choices)
    rows = []
    for c in export.connections:
        extra = c["extra"] or {}
        row = [
            guard(c["export_id"]),
            guard(export.element_ids[c["source"]]),
            guard(export.element_ids[c["target"]]),
            str(types[c["type"]]),
            "+" if c["polarity"] == Polarity.SAME else "-",
            c["strength"],
            guard(c["note"]),
        ]
        if with_direction:
            row.append(extra.get("direction", "directed"))
        row.extend(guard(str(extra.get("fields", {}).get(name, ""))) for name in fields)
        rows.append(row)
    return header, rows


def _extra_field_names(items: Iterable[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for item in items:
        for name in (item["extra"] or {}).get("fields", {}):
            names.setdefault(name, None)
    taken = {h.lower() for h in ELEMENT_HEADINGS + CONNECTION_HEADINGS + ["Direction"]}
    return [n for n in names if n.lower() not in taken]


def _csv_bytes(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write("\ufeff")  # so Excel opens it as UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_elements_csv(export: Any) -> bytes:
    return _csv_bytes(*element_rows(export))


def write_connections_csv(export: Any) -> bytes:
    return _csv_bytes(*connection_rows(export))


def write_zip(export: Any) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("elements.csv", write_elements_csv(export))
        archive.writestr("connections.csv", write_connections_csv(export))
    return buffer.getvalue()


def write_xlsx(export: Any) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, (header, rows) in (("Elements", element_rows(export)), ("Connections", connection_rows(export))):
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for row in _rows(rows):
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows(rows: list[list[Any]]) -> Iterator[list[Any]]:
    for row in rows:
        yield [None if value == "" else value for value in row]
