"""Reading an uploaded file within fixed bounds, whatever the file says about itself.

A 20 MB upload can unpack to gigabytes (a zip bomb, a workbook whose sheet claims 16,384 columns, a zip member
that declares 1 KB and holds 2 GB), and XML can hide a DTD after a long comment or in UTF-16. So every reader here:

- counts the bytes it really unpacks as it reads them, and stops at the limit (`Capped`, `Budget`); the sizes a zip
  declares are only used to refuse early, never to decide how much to read;
- opens a zip only after checking its central directory is of a sane size, then refuses one with too many members
  (`open_zip`);
- parses XML with defusedxml, which refuses any DTD or entity whatever the encoding, and refuses nesting deeper than
  `MAX_XML_DEPTH` (`xml_events`).

What each format does with the rows it reads (counting them, and stopping at its limit) is in `tables` and
`graphml`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from systemmap.io import common
from systemmap.io.common import MAX_XML_DEPTH, MAX_ZIP_MEMBERS

CHUNK = 64 * 1024
# A central directory entry is 46 bytes plus the member's name and extras: this is room for the most members we
# accept with long names, and stops a 20 MB zip of empty members from becoming hundreds of thousands of objects.
MAX_CENTRAL_DIRECTORY_BYTES = MAX_ZIP_MEMBERS * 1024


class TooLarge(Exception):
    """More bytes than the limit were unpacked."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"more than {limit:,} bytes")


class Unreadable(Exception):
    """The file cannot be read as what it claims to be; `reason` says why, for a person. `xml`: the XML itself is at
    fault (the reason then completes "… cannot be read (reason)."); `dtd`: it holds a DOCTYPE or entities."""

    def __init__(self, reason: str, *, xml: bool = False, dtd: bool = False):
        self.reason, self.xml, self.dtd = reason, xml, dtd
        super().__init__(reason)


def megabytes(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


class Budget:
    """The bytes one upload may unpack in all, across every member and every pass over them."""

    def __init__(self, limit: int | None = None):
        self.limit = common.MAX_UNPACKED_BYTES if limit is None else limit
        self.used = 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            raise TooLarge(self.limit)


class Capped(io.RawIOBase):
    """A stream that reads `source` and raises TooLarge once more than `limit` bytes came out of it (or the shared
    budget is spent). It never asks the source for more than a chunk at a time, so a zip member is decompressed a
    chunk at a time, not all at once."""

    def __init__(self, source: IO[bytes], limit: int, budget: Budget | None = None):
        self.source, self.limit, self.budget = source, limit, budget
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), CHUNK)
        data = self.source.read(want)
        self.count += len(data)
        if self.count > self.limit:
            raise TooLarge(self.limit)
        if self.budget is not None:
            self.budget.spend(len(data))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.source.close()
        finally:
            super().close()


def open_zip(content: bytes) -> zipfile.ZipFile:
    """The zip, once its central directory is of a sane size and it holds at most MAX_ZIP_MEMBERS entries.
    Raises Unreadable."""
    directory = _central_directory_size(content)
    if directory is None:
        raise Unreadable("This is not a zip file that can be opened.")
    if directory > MAX_CENTRAL_DIRECTORY_BYTES:
        raise Unreadable(f"The zip holds too many files (the most is {MAX_ZIP_MEMBERS}).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise Unreadable("This is not a zip file that can be opened.") from None
    if len(archive.infolist()) > MAX_ZIP_MEMBERS:
        archive.close()
        raise Unreadable(f"The zip holds too many files (the most is {MAX_ZIP_MEMBERS}).")
    return archive


def _central_directory_size(content: bytes) -> int | None:
    """The size the zip's end record gives its central directory (what `zipfile` reads whole on opening)."""
    try:
        end = zipfile._EndRecData(io.BytesIO(content))  # the standard library's own reading of the end record
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if not end:
        return None
    return end[zipfile._ECD_SIZE]


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, budget: Budget) -> Capped:
    """A member's bytes, unpacked a chunk at a time and counted. Raises Unreadable if it cannot be opened."""
    try:
        return Capped(archive.open(info), limit, budget)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError, OSError, EOFError):
        raise Unreadable("This file in the zip cannot be read.") from None


# Errors a damaged member or damaged XML raises while it is read; each becomes a clear problem, not a server error.
READ_ERRORS = (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError, UnicodeError)


def xml_events(stream: IO[bytes]) -> Iterator[tuple[str, Any, list[str]]]:
    """("start" or "end", element, path) for each element of a document read with defusedxml: no DTD, no entities,
    in any encoding. `path` is the names (without namespace) from the root to the element, itself included. Once its
    "end" has been handled an element is dropped from the tree, so the document is never held whole: a reader keeps
    what it needs as the events pass (an element's text is there at its end; its children are already gone).
    Refuses nesting deeper than MAX_XML_DEPTH. Raises Unreadable (with `xml` set); TooLarge passes through from the
    stream."""
    stack: list[Any] = []
    path: list[str] = []
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                stack.append(element)
                path.append(local(element.tag))
                if len(stack) > MAX_XML_DEPTH:
                    raise Unreadable(f"it is nested more than {MAX_XML_DEPTH} levels deep", xml=True)
                yield event, element, path
            else:
                yield event, element, path
                stack.pop()
                path.pop()
                if stack:
                    stack[-1].remove(element)
    except DefusedXmlException:
        raise Unreadable("a DOCTYPE or entities are not accepted", xml=True, dtd=True) from None
    except SyntaxError as error:  # ElementTree's ParseError
        raise Unreadable(str(error), xml=True) from None


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]
