"""What every import format shares: the checked rows it produces, the problems it reports, and the rules for values.

An import is all or nothing. Every format is read and each row checked on its own and against the rest
(duplicate ids, connections to elements that are not there); every problem found is reported with where it is (file
or sheet and line, or item number for JSON and GraphML) and why. Only a file without a single problem is written,
in one transaction, by `systemmap.services.importing`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from collab.errors import DomainError
from collab.models import Sector
from systemmap.models import (
    DESCRIPTION_MAX,
    EXTERNAL_ID_MAX,
    LABEL_MAX,
    NOTE_MAX,
    ConnectionType,
    ElementType,
    EvidenceKind,
    Polarity,
    SourceKind,
)
from systemmap.rules import COORDINATE_LIMIT, clean_evidence_attribution, clean_tags

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ELEMENT_ROWS = 20_000
MAX_CONNECTION_ROWS = 50_000
# What an upload may unpack to and how it may be shaped, whatever it declares about itself (see `systemmap.io.bounded`).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # all the parts of one workbook or zip, as really decompressed
MAX_ZIP_MEMBERS = 100  # files in one zip or workbook (a workbook of a few sheets holds about fifteen)
MAX_COLUMNS = 200  # headings of a table; cells beyond the last heading are not read
MAX_XML_DEPTH = 64  # GraphML and workbooks nest a handful of levels
MAX_PROBLEMS_LISTED = 500  # all are counted; this many are listed, which is already more than anyone reads
DEFAULT_ELEMENT_TYPE = ElementType.PRESSURE  # a factor in a causal loop map, which is what untyped maps hold


class ImportRejected(DomainError):
    """The file had problems; nothing was imported. `problems` lists each with where it is and why."""

    code = "import_rejected"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = len(problems)
        listed = [str(p) for p in problems[:MAX_PROBLEMS_LISTED]]
        if count > MAX_PROBLEMS_LISTED:
            listed.append(f"… and {count - MAX_PROBLEMS_LISTED:,} more.")
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"The file has {count:,} {noun}; nothing was imported.", fields={"file": listed})


@dataclass(frozen=True)
class Problem:
    where: str  # "elements.csv", "Connections" (a sheet), "elements" (a JSON list)…
    line: int | None  # a line of a text file or a row of a sheet; None where the format has no lines
    reason: str
    item: int | None = None  # the item's number (from 1) where there are no lines

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.where}, line {self.line}: {self.reason}"
        if self.item is not None:
            return f"{self.where}, item {self.item}: {self.reason}"
        return f"{self.where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "line": self.line, "item": self.item, "reason": self.reason}


@dataclass
class ElementIn:
    key: int  # its place in the file's element list
    label: str
    type: str
    sector: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    x: float | None = None
    y: float | None = None
    journey_step: int | None = None
    external_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# Where a connection's end is: ("file", key of an ElementIn) or ("map", id of an element already on the map).
Ref = tuple[str, int]


@dataclass
class ConnectionIn:
    source: Ref
    target: Ref
    type: str = ConnectionType.INFLUENCE
    polarity: str = Polarity.SAME
    strength: int = 3
    note: str = ""
    external_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvidenceIn:
    on: tuple[str, Any]  # ("element", Ref) | ("connection", index) | ("finding", index)
    kind: str
    source_kind: str
    text: str
    attribution: str = ""
    count: int | None = None
    reference: str = ""
    collected_on: date | None = None
    sensitive: bool = False


@dataclass
class FindingIn:
    title: str
    summary: str = ""
    elements: list[Ref] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)  # indexes into ImportData.evidence


@dataclass
class ImportData:
    elements: list[ElementIn] = field(default_factory=list)
    connections: list[ConnectionIn] = field(default_factory=list)
    evidence: list[EvidenceIn] = field(default_factory=list)
    findings: list[FindingIn] = field(default_factory=list)
    title: str = ""  # the map's name in the file, if it has one
    description: str = ""
    map_extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    format: str = ""


@dataclass
class Existing:
    """The elements already on the map an import adds to: connections may point at them by id or label."""

    by_external_id: dict[str, int] = field(default_factory=dict)
    by_label: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


# --- Values --------------------------------------------------------------------------------------------------------


def _words(choices: type, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Each choice by its value, its label, and each half of an "x or y" label, case-insensitively."""
    words: dict[str, str] = {}
    for value, label in choices.choices:
        words[str(value).lower()] = value
        words[str(label).lower()] = value
        for part in str(label).lower().split(" or "):
            words.setdefault(part.strip(), value)
    for word, value in (extra or {}).items():
        words[word] = value
    return words


ELEMENT_TYPES = _words(
    ElementType,
    {
        "organization": ElementType.ORGANISATION,
        "actor": ElementType.ORGANISATION,
        "person": ElementType.ORGANISATION,
        "stage": ElementType.STAGE,
        "stage of the journey": ElementType.STAGE,
        "journey stage": ElementType.STAGE,
        "pressure": ElementType.PRESSURE,
        "issue": ElementType.PRESSURE,
        "factor": ElementType.PRESSURE,
    },
)
CONNECTION_TYPES = _words(
    ConnectionType,
    {"information": ConnectionType.INFORMATION, "funding": ConnectionType.FUNDING, "commissioning": "funding"},
)
SECTORS = _words(Sector)
EVIDENCE_KINDS = _words(EvidenceKind, {"data": EvidenceKind.DATA_POINT, "data point": EvidenceKind.DATA_POINT})
SOURCE_KINDS = _words(SourceKind, {"child": SourceKind.CHILD, "young person": SourceKind.CHILD, "parent": "parent"})
# Kumu's causal-loop connection types say how the two ends move: "++" both up, "--" both down (the same direction),
# "+-" and "-+" opposite directions.
SAME_SIGNS = {"+", "++", "--", "same", "s", "positive", "1", "+1", Polarity.SAME.label.lower()}
OPPOSITE_SIGNS = {"-", "−", "–", "+-", "-+", "+−", "−+", "opposite", "o", "negative", "-1", "−1"}
OPPOSITE_SIGNS.add(Polarity.OPPOSITE.label.lower())
KUMU_SIGNS = {"++", "--", "+-", "-+", "+", "-"}


def text(value: Any) -> str:
    """A cell or JSON value as clean text: numbers written plainly, a leading apostrophe (the guard a spreadsheet
    export puts before =, +, - or @) taken off."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if len(result) > 1 and result[0] == "'" and result[1] in "=+-@":
        result = result[1:]
    return result


def guard(value: str) -> str:
    """What a spreadsheet will not run as a formula: text starting with =, +, -, @ gets a leading apostrophe (undone on
    import by `text`). Single-character values such as a polarity "+" are left alone: no spreadsheet runs those."""
    if len(value) > 1 and value[0] in "=+-@\t\r":
        return "'" + value
    return value


class RowProblems:
    """Collects the problems of one row, so a row reports everything wrong with it at once."""

    def __init__(self, problems: list[Problem], where: str, line: int | None, item: int | None = None):
        self.problems, self.where, self.line, self.item = problems, where, line, item
        self.count = 0

    def add(self, reason: str) -> None:
        self.problems.append(Problem(self.where, self.line, reason, self.item))
        self.count += 1


def _number(value: Any, name: str, row: RowProblems) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        row.add(f"{name} “{text(value)}” is not a number.")
        return None
    if not math.isfinite(number) or abs(number) > COORDINATE_LIMIT:
        row.add(f"{name} must be a number between −{COORDINATE_LIMIT:,.0f} and {COORDINATE_LIMIT:,.0f}.")
        return None
    return number


def _whole(value: Any, name: str, row: RowProblems, *, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        cleaned = value.strip()
        if cleaned.endswith(".0"):
            cleaned = cleaned[:-2]
        if cleaned.lstrip("-").isdigit():
            number = int(cleaned)
    if number is None or not low <= number <= high:
        row.add(f"{name} must be a whole number from {low} to {high:,} (it is “{text(value)}”).")
        return None
    return number


def _limited(value: Any, name: str, limit: int, row: RowProblems) -> str:
    result = text(value)
    if "\x00" in result:
        row.add(f"{name} contains a NUL character.")
        return ""
    if len(result) > limit:
        row.add(f"{name} is {len(result):,} characters long; the most is {limit:,}.")
    return result[:limit]


def clean_extra(value: Any) -> dict[str, Any]:
    """What a file carried beyond our fields, in the shapes the exporters rely on; anything else is dropped."""
    if not isinstance(value, dict):
        return {}
    extra: dict[str, Any] = {}
    fields = value.get("fields")
    if isinstance(fields, dict):
        kept = {str(k)[:100]: v for k, v in fields.items() if isinstance(v, str | int | float | bool | list)}
        if kept:
            extra["fields"] = kept
    for key in ("kumu_sign", "kumu_type", "direction"):
        if isinstance(value.get(key), str):
            extra[key] = value[key][:20]
    kumu = value.get("kumu")
    if isinstance(kumu, dict):
        flags = {k: True for k in ("delayed", "reversed") if kumu.get(k) is True}
        if flags:
            extra["kumu"] = flags
    return extra


def check_element(raw: dict[str, Any], key: int, row: RowProblems, *, unknown_types: str = "refuse") -> ElementIn:
    """One element's values. `unknown_types`: "refuse" (a problem) or "keep" (Kumu: the default type, with the file's
    type kept as a tag so nothing is lost)."""
    label = _limited(raw.get("label"), "Label", LABEL_MAX, row)
    if not label:
        row.add("Label is empty: every element needs one.")
    tags_value = raw.get("tags")
    raw_type = text(raw.get("type"))
    element_type = ELEMENT_TYPES.get(raw_type.lower()) if raw_type else DEFAULT_ELEMENT_TYPE
    extra_tags: list[str] = []
    if element_type is None:
        if unknown_types == "keep":
            element_type = DEFAULT_ELEMENT_TYPE
            extra_tags = [raw_type[:40]]
        else:
            choices = ", ".join(str(label) for label in ElementType.labels)
            row.add(f"Type “{raw_type}” is not one of: {choices}.")
            element_type = DEFAULT_ELEMENT_TYPE
    raw_sector = text(raw.get("sector"))
    sector = SECTORS.get(raw_sector.lower(), None) if raw_sector else ""
    if sector is None:
        row.add(f"Sector “{raw_sector}” is not one of the sectors (for example “{Sector.HEALTH.label}”).")
        sector = ""
    tags: list[str] = []
    if isinstance(tags_value, str):
        tags_value = tags_value.split("|")
    if tags_value is not None and not isinstance(tags_value, list | tuple):
        row.add("Tags should be a list, or text with the tags separated by “|”.")
    else:
        try:
            tags = clean_tags(list(tags_value or []) + extra_tags)
        except DomainError as error:
            row.add(f"Tags: {error.message}")
    journey_step = _whole(raw.get("journey_step"), "Journey step", row, low=1, high=1000)
    if journey_step is not None and element_type != ElementType.STAGE:
        row.add("Journey step is only for a stage of the child's journey.")
    external_id = _limited(raw.get("id"), "ID", EXTERNAL_ID_MAX, row)
    return ElementIn(
        key=key,
        label=label,
        type=element_type,
        sector=sector,
        description=_limited(raw.get("description"), "Description", DESCRIPTION_MAX, row),
        tags=tags,
        x=_number(raw.get("x"), "X", row),
        y=_number(raw.get("y"), "Y", row),
        journey_step=journey_step,
        external_id=external_id,
        extra=clean_extra(raw.get("extra")),
    )


def check_connection_values(raw: dict[str, Any], row: RowProblems) -> dict[str, Any]:
    """A connection's values other than its ends."""
    raw_type = text(raw.get("type"))
    raw_polarity = text(raw.get("polarity"))
    extra = clean_extra(raw.get("extra"))
    if raw_type in KUMU_SIGNS and not raw_polarity:
        raw_polarity, raw_type = raw_type, ""  # a Kumu causal-loop sheet: its Type is the polarity
    connection_type = CONNECTION_TYPES.get(raw_type.lower()) if raw_type else ConnectionType.INFLUENCE
    if connection_type is None:
        choices = ", ".join(str(label) for label in ConnectionType.labels)
        row.add(f"Type “{raw_type}” is not one of: {choices}.")
    polarity = Polarity.SAME
    if raw_polarity:
        lowered = raw_polarity.lower()
        if lowered in SAME_SIGNS:
            polarity = Polarity.SAME
        elif lowered in OPPOSITE_SIGNS:
            polarity = Polarity.OPPOSITE
        else:
            row.add(f"Polarity “{raw_polarity}” must be + (same direction) or − (opposite direction).")
        if raw_polarity in KUMU_SIGNS and len(raw_polarity) == 2:
            extra["kumu_sign"] = raw_polarity  # "--" and "++" are both +: keep which, for the way back to Kumu
    strength = _whole(raw.get("strength"), "Strength", row, low=1, high=5)
    direction = text(raw.get("direction")).lower()
    if direction and direction not in ("directed", "undirected", "mutual"):
        row.add(f"Direction “{direction}” must be directed, undirected or mutual.")
    elif direction and direction != "directed":
        extra["direction"] = direction  # drawn as directed here; kept for the way back
    return {
        "type": connection_type or ConnectionType.INFLUENCE,
        "polarity": polarity,
        "strength": 3 if strength is None else strength,
        "note": _limited(raw.get("note"), "Note", NOTE_MAX, row),
        "external_id": _limited(raw.get("id"), "ID", EXTERNAL_ID_MAX, row),
        "extra": extra,
    }


def check_evidence_values(raw: dict[str, Any], row: RowProblems) -> dict[str, Any] | None:
    kind = EVIDENCE_KINDS.get(text(raw.get("kind")).lower())
    if kind is None:
        row.add(f"Kind “{text(raw.get('kind'))}” must be one of: {', '.join(EvidenceKind.labels)}.")
    source_kind = SOURCE_KINDS.get(text(raw.get("source_kind")).lower())
    if source_kind is None:
        row.add(f"Source “{text(raw.get('source_kind'))}” must be one of: {', '.join(SourceKind.labels)}.")
    body = _limited(raw.get("text"), "Text", 2000, row)
    if not body:
        row.add("Text is empty: give the quote, observation or figure.")
    try:
        attribution = clean_evidence_attribution(text(raw.get("attribution")), kind)
    except DomainError as error:
        row.add(f"Attribution: {error.message}")
        attribution = ""
    count = _whole(raw.get("count"), "Count", row, low=0, high=10_000_000)
    if count is not None and kind is not None and kind != EvidenceKind.DATA_POINT:
        row.add("Count is only for a data point.")
    collected_on = None
    raw_date = text(raw.get("collected_on"))
    if raw_date:
        try:
            collected_on = date.fromisoformat(raw_date)
        except ValueError:
            row.add(f"Collected on “{raw_date}” is not a date such as 2026-03-31.")
        else:
            if collected_on > timezone.localdate():
                row.add("Collected on is in the future.")
    sensitive = raw.get("sensitive", False)
    if not isinstance(sensitive, bool):
        row.add("Sensitive must be true or false.")
    if row.count:
        return None
    return {
        "kind": kind,
        "source_kind": source_kind,
        "text": body,
        "attribution": attribution,
        "count": count,
        "reference": _limited(raw.get("reference"), "Reference", 300, row),
        "collected_on": collected_on,
        "sensitive": bool(sensitive),
    }


class Resolver:
    """Finds the element a connection's From or To names: an ID of the file, an ID already on the map, else a label
    (of the file first, then of the map) that names exactly one element."""

    def __init__(self, elements: list[ElementIn], existing: Existing):
        self.by_id = {e.external_id: e.key for e in elements if e.external_id}
        self.by_label: dict[str, list[int]] = defaultdict(list)
        for element in elements:
            self.by_label[element.label].append(element.key)
        self.existing = existing

    def find(self, name: str, column: str, row: RowProblems) -> Ref | None:
        if not name:
            row.add(
                f"{column} is empty: say which element the connection {'starts' if column == 'From' else 'ends'} at."
            )
            return None
        if name in self.by_id:
            return ("file", self.by_id[name])
        if name in self.existing.by_external_id:
            return ("map", self.existing.by_external_id[name])
        for where, found in (("file", self.by_label.get(name, [])), ("map", self.existing.by_label.get(name, []))):
            if len(found) == 1:
                return (where, found[0])
            if len(found) > 1:
                row.add(f"{column} “{name}” is the label of {len(found)} elements: use the element's ID instead.")
                return None
        row.add(f"{column} “{name}” is not an element in this file or on the map.")
        return None


def check_ids(elements: list[ElementIn], lines: list[tuple[str, int | None, int | None]], existing: Existing,
              problems: list[Problem]) -> None:  # fmt: skip
    """No two elements of the file share an ID, and none takes an ID already on the map."""
    first: dict[str, int] = {}
    for element, (where, line, item) in zip(elements, lines, strict=True):
        if not element.external_id:
            continue
        if element.external_id in existing.by_external_id:
            problems.append(Problem(where, line, f"ID “{element.external_id}” is already on this map.", item))
        elif element.external_id in first:
            seen = first[element.external_id]
            problems.append(
                Problem(where, line, f"ID “{element.external_id}” is already used by {_place(lines[seen])}.", item)
            )
        else:
            first[element.external_id] = element.key


def _place(location: tuple[str, int | None, int | None]) -> str:
    _, line, item = location
    return f"line {line}" if line is not None else f"item {item}"
