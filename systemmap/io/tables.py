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
import itertools
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from systemmap.io.bounded import (
    CHUNK,
    READ_ERRORS,
    Budget,
    TooLarge,
    Unreadable,
    megabytes,
    open_member,
    open_zip,
    xml_events,
)
from systemmap.io.common import (
    MAX_COLUMNS,
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


# --- Reading ---------------------------------------------------------------------------------------------------------
#
# Every table is streamed: rows are counted as they are read, against the limit of their kind (known from the header)
# across all the tables of one upload (blank rows count too, as they always have), and reading stops at the first row
# past it. A table holds at most its kind's
# limit of rows, and only the cells under its headings. See `systemmap.io.bounded` for the bytes.


class RowCounter:
    """The rows of each kind read so far from one upload."""

    def __init__(self) -> None:
        self.limits = {"elements": MAX_ELEMENT_ROWS, "connections": MAX_CONNECTION_ROWS}
        self.counts = dict.fromkeys(self.limits, 0)
        self.stopped = False

    def take(self, kind: str, where: str, problems: list[Problem]) -> bool:
        """Count one more row; False (with the problem reported) once there are more than the limit."""
        self.counts[kind] += 1
        limit = self.limits[kind]
        if self.counts[kind] > limit:
            problems.append(Problem(where, None, f"There are more than {limit:,} {kind}."))
            self.stopped = True
            return False
        return True


def _blank(cells: list[Any]) -> bool:
    return not any(isinstance(c, SharedRef) or text(c) for c in cells)


def _headings(cells: list[Any], where: str, problems: list[Problem]) -> list[str] | None:
    """The header row's headings, up to the last one given; None (with the problem) if there are too many."""
    header = [text(c) for c in cells]
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        problems.append(Problem(where, 1, f"There are more than {MAX_COLUMNS} columns; the most is {MAX_COLUMNS}."))
        return None
    return header


def read_csv(name: str, source: IO[bytes], problems: list[Problem], counter: RowCounter) -> Table | None:
    """One CSV file, streamed from `source` (its bytes, as they are unpacked)."""
    stream = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    rows: list[tuple[int, list[Any]]] = []
    header: list[str] | None = None
    kind: str | None = None
    reader = None
    try:
        first = stream.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(_lines(itertools.chain([first], stream), delimiter), delimiter=delimiter)
        last = 0
        for cells in reader:
            start, last = last + 1, reader.line_num
            if header is None:
                header = _headings(cells, name, problems)
                if header is None:
                    return None
                kind = _kind(header)
                if kind is None:
                    break  # refused with a reason once every table is read; its rows are not needed for that
                continue
            if not counter.take(kind, name, problems):  # type: ignore[arg-type]
                return None
            if not _blank(cells):
                rows.append((start, cells[: len(header)]))
    except UnicodeDecodeError:
        problems.append(Problem(name, None, "This is not UTF-8 text: save the file as “CSV UTF-8” and try again."))
        return None
    except csv.Error as error:
        line = (reader.line_num if reader else 0) + isinstance(error, TooManyCells)  # refused before csv counted it
        problems.append(Problem(name, line or 1, f"This line cannot be read as CSV ({error})."))
        return None
    except TooLarge as error:
        problems.append(Problem(name, None, _too_large(error)))
        counter.stopped = True
        return None
    except READ_ERRORS:  # a damaged or lying zip member: its data is not what the zip says
        problems.append(Problem(name, None, "This file in the zip cannot be read."))
        return None
    finally:
        stream.detach()
    if header is None:
        problems.append(Problem(name, None, "The file is empty: the first line should hold the column headings."))
        return None
    return name, header, rows


MAX_CELLS_PER_LINE = 10 * MAX_COLUMNS


class TooManyCells(csv.Error):
    pass


def _lines(lines: Iterable[str], delimiter: str) -> Iterator[str]:
    """The lines, refusing one with so many cells that splitting it would cost more than a whole table (only the
    cells under the headings are kept anyway)."""
    for line in lines:
        if line.count(delimiter) > MAX_CELLS_PER_LINE:
            raise TooManyCells(f"it has more than {MAX_CELLS_PER_LINE:,} cells")
        yield line


def _too_large(error: TooLarge) -> str:
    if error.limit == MAX_FILE_BYTES:
        return f"This file is too large (the most is {megabytes(MAX_FILE_BYTES)})."
    return f"The files are too large once unpacked (the most is {megabytes(error.limit)} in all)."


def read_zip(name: str, content: bytes, problems: list[Problem], counter: RowCounter, budget: Budget) -> list[Table]:
    try:
        archive = open_zip(content)
    except Unreadable as error:
        problems.append(Problem(name, None, error.reason))
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
            if info.file_size > MAX_FILE_BYTES:  # what it declares is enough to refuse it, never to accept it
                problems.append(
                    Problem(info.filename, None, f"This file is too large (the most is {megabytes(MAX_FILE_BYTES)}).")
                )
                continue
            try:
                member = open_member(archive, info, MAX_FILE_BYTES, budget)
            except Unreadable as error:
                problems.append(Problem(info.filename, None, error.reason))
                continue
            with member:
                table = read_csv(info.filename, io.BufferedReader(member, CHUNK), problems, counter)
            if table:
                tables.append(table)
            if counter.stopped:
                break
    return tables


class SharedRef:
    """A workbook cell that holds the n-th of the workbook's shared strings (read once the rows are known)."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


SPREADSHEET_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class Workbook:
    """An .xlsx read from its XML: the sheets in the workbook's order, each row as its cells up to the last one with
    a value (never wider than MAX_COLUMNS, whatever the sheet's declared dimension), the shared strings only where a
    kept cell uses them. Raises Unreadable or TooLarge."""

    def __init__(self, archive: zipfile.ZipFile, budget: Budget):
        self.archive, self.budget = archive, budget
        main = self._target("", self._relationships("_rels/.rels"), "/officeDocument") or "xl/workbook.xml"
        folder, base = posixpath.split(main)
        relationships = self._relationships(posixpath.join(folder, "_rels", f"{base}.rels"))
        self.shared_strings = self._target(folder, relationships, "/sharedStrings")
        self.sheets: list[tuple[str, str]] = []
        for event, element, path in self._events(main):
            if event == "end" and path[-1] == "sheet":
                relationship = relationships.get(element.get(f"{{{SPREADSHEET_RELATIONSHIPS}}}id", ""))
                if relationship and relationship[0].endswith("/worksheet"):
                    self.sheets.append((element.get("name", ""), _resolve_target(folder, relationship[1])))

    def _events(self, part: str) -> Iterator[tuple[str, Any, list[str]]]:
        try:
            info = self.archive.getinfo(part)
        except KeyError:
            raise Unreadable("This is not an Excel workbook (.xlsx) that can be read.") from None
        if info.file_size > self.budget.limit:
            raise TooLarge(self.budget.limit)
        with open_member(self.archive, info, self.budget.limit, self.budget) as stream:
            yield from xml_events(stream)

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        found = {}
        if part not in self.archive.NameToInfo:
            return found
        for event, element, path in self._events(part):
            if event == "end" and path[-1] == "Relationship":
                found[element.get("Id", "")] = (element.get("Type", ""), element.get("Target", ""))
        return found

    @staticmethod
    def _target(folder: str, relationships: dict[str, tuple[str, str]], kind: str) -> str | None:
        for type_, target in relationships.values():
            if type_.endswith(kind):
                return _resolve_target(folder, target)
        return None

    def rows(self, part: str) -> Iterator[tuple[int, list[Any], bool]]:
        """(row number, cells, whether a cell past MAX_COLUMNS had a value) for each row the sheet holds."""
        number, column = 0, 0
        cells: dict[int, Any] | None = None
        cell: dict[str, Any] | None = None
        beyond = False
        for event, element, path in self._events(part):
            name = path[-1]
            if event == "start":
                if name == "row" and len(path) == 3:
                    given = element.get("r", "")
                    number = int(given) if given.isdigit() else number + 1
                    cells, column, beyond = {}, 0, False
                elif name == "c" and cells is not None and len(path) == 4:
                    column = _column(element.get("r", "")) or column + 1
                    cell = {"type": element.get("t", "n"), "value": None, "parts": []}
                continue
            if cell is not None:
                if name == "v":
                    cell["value"] = element.text or ""
                elif name == "t" and "rPh" not in path:  # phonetic runs are not part of the text
                    cell["parts"].append(element.text or "")
                elif name == "c":
                    value = _cell_value(cell)
                    if value is not None and value != "":
                        if column <= MAX_COLUMNS:
                            cells[column] = value  # type: ignore[index]
                        else:
                            beyond = True
                    cell = None
            elif name == "row" and cells is not None:
                yield number, [cells.get(i) for i in range(1, max(cells, default=0) + 1)], beyond
                cells = None

    def strings(self, wanted: set[int]) -> dict[int, str]:
        """The shared strings at the `wanted` indexes (read until the last of them)."""
        found: dict[int, str] = {}
        if not wanted or not self.shared_strings:
            return found
        index, parts = -1, None
        last = max(wanted)
        for event, _element, path in self._events(self.shared_strings):
            name = path[-1]
            if event == "start":
                if name == "si" and len(path) == 2:
                    index += 1
                    parts = [] if index in wanted else None
                continue
            if parts is not None:
                if name == "t" and "rPh" not in path:
                    parts.append(_element.text or "")
                elif name == "si":
                    found[index] = "".join(parts)
                    parts = None
                    if index >= last:
                        break
        return found


def _resolve_target(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _column(reference: str) -> int:
    """A cell reference's column number ("C7" → 3), 0 if it has none."""
    number = 0
    for character in reference:
        if "A" <= character <= "Z":
            number = number * 26 + ord(character) - 64
            if number > 16384:  # past Excel's last column: no real cell is there
                return 16385
        else:
            break
    return number


def _cell_value(cell: dict[str, Any]) -> Any:
    kind, value = cell["type"], cell["value"]
    if kind == "s":
        if value is None or not value.strip().isdigit():
            raise Unreadable("A cell refers to a shared string that is not there.")
        return SharedRef(int(value))
    if kind == "inlineStr":
        return "".join(cell["parts"])
    if value is None:
        return None
    if kind == "b":
        return value.strip() == "1"
    if kind in ("str", "e", "d"):
        return value
    try:
        return int(value) if value.strip().lstrip("-").isdigit() else float(value)
    except ValueError:
        return value


def read_xlsx(name: str, content: bytes, problems: list[Problem], counter: RowCounter, budget: Budget) -> list[Table]:
    not_a_workbook = Problem(name, None, "This is not an Excel workbook (.xlsx) that can be read.")
    try:
        archive = open_zip(content)
    except Unreadable as error:
        problems.append(not_a_workbook if "not a zip" in error.reason else Problem(name, None, error.reason))
        return []
    with archive:
        try:
            return _read_workbook(Workbook(archive, budget), problems, counter)
        except TooLarge as error:
            problems.append(
                Problem(name, None, f"This workbook is too large once unpacked (the most is {megabytes(error.limit)}).")
            )
        except Unreadable as error:
            if error.xml:
                problems.append(Problem(name, None, f"A sheet of this workbook cannot be read ({error.reason})."))
            else:
                problems.append(Problem(name, None, error.reason))
        except READ_ERRORS:  # a damaged or lying part
            problems.append(Problem(name, None, "A sheet of this workbook cannot be read."))
    return []


def _read_workbook(workbook: Workbook, problems: list[Problem], counter: RowCounter) -> list[Table]:
    sheets = [(title, part) for title, part in workbook.sheets if not title.strip().lower().endswith("(ignore)")]
    first_rows: dict[str, list[Any]] = {}
    for title, part in sheets:
        for number, cells, beyond in workbook.rows(part):
            first_rows[title] = cells if number == 1 else []  # the headings are on row 1, as Kumu has them
            if number == 1 and beyond:
                problems.append(
                    Problem(title, 1, f"There are more than {MAX_COLUMNS} columns; the most is {MAX_COLUMNS}.")
                )
                return []
            break
    strings = workbook.strings({c.index for cells in first_rows.values() for c in cells if isinstance(c, SharedRef)})
    tables: list[Table] = []
    for title, part in sheets:
        header = _headings([_shared(c, strings) for c in first_rows.get(title, [])], title, problems)
        if header is None:
            return []
        if not header:
            continue  # a sheet without headings is not a table (notes, a chart's data)
        rows: list[tuple[int, list[Any]]] = []
        kind = _kind(header)
        if kind is not None:
            for number, cells, _ in workbook.rows(part):
                if number == 1:
                    continue
                if not counter.take(kind, title, problems):
                    return []
                if not _blank(cells):
                    rows.append((number, cells[: len(header)]))
        tables.append((title, header, rows))
    wanted = {c.index for _, _, rows in tables for _, cells in rows for c in cells if isinstance(c, SharedRef)}
    strings = workbook.strings(wanted)
    for _, _, rows in tables:
        for _, cells in rows:
            cells[:] = [_shared(c, strings) for c in cells]
    return tables


def _shared(value: Any, strings: dict[int, str]) -> Any:
    if isinstance(value, SharedRef):
        if value.index not in strings:
            raise Unreadable("A cell refers to a shared string that is not there.")
        return strings[value.index]
    return value


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
    counter, budget = RowCounter(), Budget()
    for name, content in files.items():
        if format == "xlsx":
            tables.extend(read_xlsx(name, content, problems, counter, budget))
        elif format == "zip":
            tables.extend(read_zip(name, content, problems, counter, budget))
        else:
            table = read_csv(name, io.BytesIO(content), problems, counter)
            if table:
                tables.append(table)
        if counter.stopped:
            break
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
