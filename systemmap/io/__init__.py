"""Import and export of system maps.

Formats (the names the API takes):

| name              | import | export | what |
| ----------------- | ------ | ------ | ---- |
| `csv`             | yes    |        | CSV files in Kumu's spreadsheet layout (elements and/or connections) |
| `elements-csv`    |        | yes    | the elements as CSV |
| `connections-csv` |        | yes    | the connections as CSV |
| `csv-zip`         | yes    | yes    | a zip holding elements.csv and connections.csv |
| `xlsx`            | yes    | yes    | an Excel workbook with Elements and Connections sheets (Kumu's layout) |
| `json`            | yes    | yes    | the workspace's own JSON: the whole map with findings and evidence |
| `kumu`            | yes    | yes    | Kumu's project JSON (read: also Kumu blueprints) |
| `graphml`         | yes    | yes    | GraphML |

On import, a `.json` file is read as whichever JSON it is. Nothing is written unless the whole file is good: see
`systemmap.io.common`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from systemmap.io import graphml, jsonfmt, kumu, tables
from systemmap.io.common import (
    MAX_FILE_BYTES,
    Existing,
    ImportData,
    ImportRejected,
    Problem,
)
from systemmap.io.export import MapExport

IMPORT_FORMATS = ["csv", "csv-zip", "xlsx", "json", "kumu", "graphml"]


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str
    content_type: str


EXPORT_FORMATS: dict[str, tuple[str, str]] = {  # name → (file extension, content type)
    "elements-csv": ("elements.csv", "text/csv; charset=utf-8"),
    "connections-csv": ("connections.csv", "text/csv; charset=utf-8"),
    "csv-zip": ("csv.zip", "application/zip"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("json", "application/json"),
    "kumu": ("kumu.json", "application/json"),
    "graphml": ("graphml", "application/graphml+xml"),
}

EXPORT_FORMAT_NAMES = list(EXPORT_FORMATS)

_BY_EXTENSION = {".csv": "csv", ".zip": "csv-zip", ".xlsx": "xlsx", ".json": "json", ".graphml": "graphml"}


def guess_format(filenames: list[str]) -> str | None:
    formats = {_BY_EXTENSION.get("." + name.rsplit(".", 1)[-1].lower()) for name in filenames if "." in name}
    return formats.pop() if len(formats) == 1 else None


def parse(files: dict[str, bytes], existing: Existing, *, format: str | None = None) -> ImportData:
    """Read and check uploaded files (name → content). Raises ImportRejected listing every problem."""
    if not files:
        raise ImportRejected([Problem("file", None, "Choose a file to import.")])
    format = format or guess_format(list(files))
    if format not in IMPORT_FORMATS:
        raise ImportRejected([Problem("file", None, f"Say which format the file is in: {', '.join(IMPORT_FORMATS)}.")])
    too_large = [name for name, content in files.items() if len(content) > MAX_FILE_BYTES]
    if too_large:
        raise ImportRejected([Problem(name, None, "This file is too large (the most is 20 MB).") for name in too_large])
    if format in ("csv", "csv-zip", "xlsx"):
        return tables.parse_tables(files, existing, format={"csv-zip": "zip"}.get(format, format))
    if len(files) != 1:
        raise ImportRejected([Problem("file", None, f"Import one {format} file at a time.")])
    ((name, content),) = files.items()
    problems: list[Problem] = []
    if format == "graphml":
        data = graphml.parse(content, name, existing, problems)
    else:
        data = _parse_json(name, content, existing, problems, kumu_only=format == "kumu")
    if problems:
        raise ImportRejected(problems)
    return data


def _parse_json(
    name: str, content: bytes, existing: Existing, problems: list[Problem], *, kumu_only: bool
) -> ImportData:
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.append(Problem(name, None, "This is not UTF-8 text."))
        return ImportData()
    except json.JSONDecodeError as error:
        problems.append(Problem(name, error.lineno, f"This is not valid JSON ({error.msg}, column {error.colno})."))
        return ImportData()
    if jsonfmt.is_ours(document) and not kumu_only:
        return jsonfmt.parse(document, existing, problems)
    if kumu.is_kumu(document):
        return kumu.parse(document, existing, problems)
    problems.append(
        Problem(name, None, "This JSON is neither a map exported from this workspace nor a Kumu project or blueprint.")
    )
    return ImportData()


def export(export: MapExport, format: str) -> Download:
    extension, content_type = EXPORT_FORMATS[format]
    writer = {
        "elements-csv": tables.write_elements_csv,
        "connections-csv": tables.write_connections_csv,
        "csv-zip": tables.write_zip,
        "xlsx": tables.write_xlsx,
        "json": jsonfmt.write,
        "kumu": kumu.write,
        "graphml": graphml.write,
    }[format]
    return Download(writer(export), f"{_slug(export.title)}.{extension}", content_type)


def _slug(title: str) -> str:
    cleaned = "".join(c.lower() if c.isalnum() else "-" for c in title).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return cleaned[:60] or "system-map"


__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_FORMAT_NAMES",
    "IMPORT_FORMATS",
    "Download",
    "Existing",
    "ImportData",
    "ImportRejected",
    "MapExport",
    "Problem",
    "export",
    "guess_format",
    "parse",
]
