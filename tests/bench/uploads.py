"""Benchmark: hostile uploads to the map import, against a real server process, with its memory watched.

Run from the project root with PostgreSQL running:

    .venv/bin/python -m tests.bench.uploads

It uses its own database, `BENCH_UPLOADS_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/collab_bench_uploads),
created and migrated if needed, and makes one collaborative with a facilitator and an API token. `REDIS_URL`, if set,
is given to the server (cache and channel layer, as in production); without it the server runs on the embedded
default's in-memory ones.

For each file it starts a fresh `uvicorn config.asgi:application` (one process, `--port`, default 8110), imports a
small good file once (so what every import loads is loaded), reads the process's resident memory at rest ("idle"),
then posts the file to `POST /api/v1/maps/import/` as a facilitator would and samples the process's VmRSS every
5 ms until the answer comes (and its VmHWM, the kernel's own peak, when that rose during the request). It prints,
per file: the upload's size, what it would unpack to, the answer's status and time, the peak memory above idle, and
the start of the reason given. Aims: each under 150 MB above idle and answered within 10 s.

The files (built in memory, each under the 20 MB upload limit):

- xlsx declared dimension: two rows, with the sheet declaring A1:XFD1048576 (every column of every row);
- xlsx far cells: 60,000 rows, each with a value in column XFD (the last) as well as in column A;
- zip lying sizes: elements.csv declares 1 KB and holds 1 GB;
- zip bomb: elements.csv honestly declares 1 GB (of blank lines);
- zip blank members: 60 members of 19 MB each, in blank rows of 100 KB (few rows, many bytes);
- zip many members: about 150,000 empty members;
- zip many rows: elements.csv of 2,000,000 rows;
- graphml deep: 1,000,000 nested elements inside a node;
- graphml doctype after comment: a billion-laughs DTD after a 10,000-character comment;
- graphml utf-16 entities: the same DTD, in UTF-16;
- graphml many nodes: 900,000 nodes;
- csv good 5,000 rows (a zip of 1,000 elements and 4,000 connections, imported): for comparison.

Options: `--only NAME` (repeatable: a part of a file's name), `--port N`, `--json PATH`. Nothing here asserts:
`tests/systemmap/test_uploads.py` holds what each file must be answered with.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/collab_bench_uploads"
MB = 1024 * 1024


@dataclass
class Figure:
    file: str
    upload_kb: float
    unpacks_to: str
    status: int
    seconds: float
    peak_mb: float
    idle_mb: float
    answer: str


# --- The files -----------------------------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _streamed_zip(name: str, chunk: bytes, count: int, head: bytes = b"") -> bytes:
    """A zip of one member written a chunk at a time (`head`, then `chunk` × count), never held unpacked."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        member.write(head)
        for _ in range(count):
            member.write(chunk)
    return buffer.getvalue()


def _lie(content: bytes, declared: int) -> bytes:
    """Every member's uncompressed size, in the local header and the central directory, set to `declared`."""
    data = bytearray(content)
    for match in re.finditer(rb"PK\x03\x04", bytes(data)):
        struct.pack_into("<I", data, match.start() + 22, declared)
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):
        struct.pack_into("<I", data, match.start() + 24, declared)
    return bytes(data)


def _workbook(rows, *, dimension: str | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Elements")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    if dimension:
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        xml = re.sub(r"<dimension ref=\"[^\"]*\"/>", "", xml)
        parts["xl/worksheets/sheet1.xml"] = xml.replace(
            "<sheetViews>", f'<dimension ref="{dimension}"/><sheetViews>', 1
        ).encode()
        if f'<dimension ref="{dimension}"' not in parts["xl/worksheets/sheet1.xml"].decode():
            xml = parts["xl/worksheets/sheet1.xml"].decode()
            parts["xl/worksheets/sheet1.xml"] = re.sub(
                r"(<worksheet[^>]*>)", rf'\1<dimension ref="{dimension}"/>', xml, count=1
            ).encode()
    return _zip(parts)


def _far_cells(rows: int) -> bytes:
    """A workbook whose rows each have a value in column A and in column XFD, the last Excel has."""
    base = _workbook([["Label"], ["x"]])
    source = zipfile.ZipFile(io.BytesIO(base))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    body = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Element {n}</t></is></c>'
        f'<c r="XFD{n}" t="inlineStr"><is><t>far</t></is></c></row>'
        for n in range(2, rows + 2)
    )
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(r"<sheetData>.*</sheetData>", "", xml, flags=re.S)
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>Label</t></is></c></row>'
    xml = re.sub(r"(</sheetViews>|<sheetFormatPr[^>]*/>)", rf"\1<sheetData>{header}{body}</sheetData>", xml, count=1)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    return _zip(parts)


LAUGHS = (
    '<!DOCTYPE graphml [<!ENTITY a "ha">'
    + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9))
    + "]>"
)
GRAPHML = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    '<key id="d0" for="node" attr.name="label" attr.type="string"/>'
    '<graph edgedefault="directed"><node id="n1"><data key="d0">{label}</data></node></graph></graphml>'
)


def _good_zip(elements: int, connections: int) -> bytes:
    rows = ["ID,Label,Type"] + [f"e{n},Element {n},Service" for n in range(elements)]
    links = ["From,To,Polarity"] + [f"e{n % elements},e{(n * 7 + 1) % elements},+" for n in range(connections)]
    return _zip({"elements.csv": "\n".join(rows).encode(), "connections.csv": "\n".join(links).encode()})


def files() -> list[tuple[str, str, bytes, str]]:
    """(name, upload file name, content, what it unpacks to)."""
    blank_member = _streamed_zip("x.csv", b" " * (100 * 1024 - 1) + b"\n", 190, head=b"Label\n")
    blank_data = zipfile.ZipFile(io.BytesIO(blank_member)).read("x.csv")
    many_blank = _zip({f"part{n}.csv": blank_data for n in range(60)})
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", compression=zipfile.ZIP_STORED) as archive:
        for n in range(150_000):
            archive.writestr(f"{n}.csv", b"")
    deep = GRAPHML.format(label="CAMHS").replace(
        "</data></node>", "</data><data key='d0'>" + "<x>" * 1_000_000 + "</x>" * 1_000_000 + "</data></node>", 1
    )
    rows = b"Label\n" + b"".join(b"E%d\n" % n for n in range(2_000_000))
    nodes = "".join(f'<node id="n{n}"/>' for n in range(900_000))
    return [
        ("xlsx declared dimension", "map.xlsx", _workbook([["Label"], ["CAMHS"]], dimension="A1:XFD1048576"),
         "two rows; declares 1,048,576 × 16,384"),
        ("xlsx far cells", "map.xlsx", _far_cells(60_000), "60,000 rows to column XFD"),
        ("zip lying sizes", "map.zip", _lie(_streamed_zip("elements.csv", b"\0" * MB, 1024, b"Label\n"), 1024),
         "1 GB, declared 1 KB"),
        ("zip bomb", "map.zip", _streamed_zip("elements.csv", b"\n" * MB, 1024, head=b"Label\n"), "1 GB, declared"),
        ("zip blank members", "map.zip", many_blank, "60 × 19 MB"),
        ("zip many members", "map.zip", many.getvalue(), "150,000 members"),
        ("zip many rows", "map.zip", _zip({"elements.csv": rows}), "2,000,000 rows"),
        ("graphml deep", "map.graphml", deep.encode(), "1,000,000 levels"),
        ("graphml doctype after comment", "map.graphml",
         ('<?xml version="1.0"?><!--' + "x" * 10_000 + "-->" + LAUGHS + GRAPHML.format(label="&j;")).encode(),
         "10⁹ × “ha” by entities"),
        ("graphml utf-16 entities", "map.graphml",
         ('<?xml version="1.0" encoding="UTF-16"?>' + LAUGHS + GRAPHML.format(label="&j;")).encode("utf-16"),
         "10⁹ × “ha” by entities"),
        ("graphml many nodes", "map.graphml",
         f'<graphml><graph edgedefault="directed">{nodes}</graph></graphml>'.encode(), "900,000 nodes"),
        ("csv good 5,000 rows", "map.zip", _good_zip(1000, 4000), "1,000 + 4,000 rows"),
    ]  # fmt: skip


# --- Server and requests -------------------------------------------------------------------------------------------


def _configure() -> str:
    url = os.environ.get("BENCH_UPLOADS_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return url


def _setup() -> tuple[int, str]:
    """The collaborative and a facilitator's API token."""
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from collab.models import Collaborative, Membership, Organisation, Programme, Role, Sector, User

    call_command("migrate", verbosity=0)
    programme, _ = Programme.objects.get_or_create(slug="bench-uploads", defaults={"name": "Upload benchmark"})
    collaborative, _ = Collaborative.objects.get_or_create(
        slug="bench-uploads", defaults={"programme": programme, "name": "Benchmark Collaborative", "locality": "Bench"}
    )
    organisation, _ = Organisation.objects.get_or_create(
        collaborative=collaborative,
        name="Benchmark LA",
        defaults={"programme": programme, "sector": Sector.LA_EDUCATION},
    )
    user, _ = User.objects.get_or_create(email="facilitator@bench-uploads.example", defaults={"display_name": "Bench"})
    Membership.objects.get_or_create(
        user=user,
        collaborative=collaborative,
        defaults={
            "programme": programme,
            "organisation": organisation,
            "sector": Sector.LA_EDUCATION,
            "role": Role.FACILITATOR,
        },
    )
    token, _ = Token.objects.get_or_create(user=user)
    return collaborative.pk, token.key


def _status(pid: int) -> dict[str, int]:
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line.split(":")[0]] = int(line.split()[1])
    return found


def _post(port: int, token: str, collaborative: int, filename: str, content: bytes) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="collaborative"\r\n\r\n{collaborative}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'.encode(),
            b"Content-Type: application/octet-stream\r\n\r\n",
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/maps/import/",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _answer(status: int, text: str) -> str:
    try:
        body = json.loads(text)
    except ValueError:
        return text[:80]
    if status < 300:
        return f"imported {body.get('elements')} elements, {body.get('connections')} connections"
    fields = (body.get("error") or {}).get("fields", {}).get("file") or [(body.get("error") or {}).get("message", "")]
    return fields[0][:100]


def measure(name: str, filename: str, content: bytes, unpacks: str, *, port: int, token: str, collaborative: int,
            warm: bytes, log_dir: Path) -> Figure:  # fmt: skip
    env = dict(os.environ)
    env.update(ALLOWED_HOSTS="127.0.0.1,localhost", HTTPS="off", PYTHONUNBUFFERED="1")
    log = (log_dir / f"{re.sub(r'[^a-z0-9]+', '-', name)}.log").open("w")
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
               "--lifespan", "off", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=1).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: see {log.name}") from None
                time.sleep(0.2)
        _post(port, token, collaborative, "warm.zip", warm)  # load what every import loads
        time.sleep(0.5)
        before = _status(process.pid)
        peak, done = [before["VmRSS"]], threading.Event()

        def sample() -> None:
            while not done.is_set():
                try:
                    peak[0] = max(peak[0], _status(process.pid)["VmRSS"])
                except OSError:
                    return
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        status, text = _post(port, token, collaborative, filename, content)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        after = _status(process.pid)
        top = max(peak[0], after["VmHWM"] if after["VmHWM"] > before["VmHWM"] else 0)
        return Figure(
            file=name,
            upload_kb=len(content) / 1024,
            unpacks_to=unpacks,
            status=status,
            seconds=seconds,
            peak_mb=(top - before["VmRSS"]) / 1024,
            idle_mb=before["VmRSS"] / 1024,
            answer=_answer(status, text),
        )
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        log.close()


def table(figures: list[Figure]) -> str:
    headings = ["file", "upload KB", "unpacks to", "status", "seconds", "peak MB above idle", "answer"]
    rows = [
        [f.file, f"{f.upload_kb:,.0f}", f.unpacks_to, str(f.status), f"{f.seconds:.2f}", f"{f.peak_mb:.1f}", f.answer]
        for f in figures
    ]
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=False)]
    numeric = {1, 3, 4, 5}

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headings), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], help="Only files whose name contains this.")
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--json", help="Also write the figures to this file.")
    args = parser.parse_args()

    from tests.bench.overview import _ensure_database

    url = _configure()
    _ensure_database(url)
    import django

    django.setup()
    collaborative, token = _setup()
    from django.db import connections

    connections.close_all()
    warm = _good_zip(5, 5)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    figures = []
    print("Building the files…", file=sys.stderr, flush=True)
    for name, filename, content, unpacks in files():
        if args.only and not any(part in name for part in args.only):
            continue
        figure = measure(name, filename, content, unpacks, port=args.port, token=token, collaborative=collaborative,
                         warm=warm, log_dir=log_dir)  # fmt: skip
        figures.append(figure)
        print(table([figure]).splitlines()[-1], file=sys.stderr, flush=True)
    print()
    print(
        f"Map import, one uvicorn process; Python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs; server logs in {log_dir}."
    )
    print()
    print(table(figures))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([asdict(f) for f in figures], handle, indent=2)


if __name__ == "__main__":
    main()
