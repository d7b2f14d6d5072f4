"""Drawings through the app: a 200 MB upload and its download against ``cp`` of the same bytes.

One run generates a binary STL of :data:`DRAWING_BYTES` (an 84-byte header and 50-byte
triangles, so the content sniffer accepts it) in a scratch folder, then measures in
:data:`REPEATS` rounds of ``cp``, upload and download, and keeps the best of each. The three
take turns because this disk's speed changes from one moment to the next (see ``cp``), and a
ratio is only fair when both sides meet the same disk:

- ``uploads.cp_mb_s``: ``cp --reflink=never`` of the file to a new file in the same folder, then
  ``fsync`` of the copy. The same file system as the app's store, and durable, because that is
  what the upload does: the app writes its ciphertext to a new temporary file beside the object,
  fsyncs it, renames it into place and fsyncs the folder (``portal/drawings/local.py``). Without
  the fsync, ``cp`` would only measure copying into the page cache, which no upload may stop at.
  Every copy, like every drawing stored and every file downloaded, is kept until the end of the
  run: on a virtual disk (ext4 mounted with ``discard``), overwriting blocks that a file deleted
  a moment ago was five times as fast as writing new ones, and the app never gets to do that.
- ``uploads.upload_mb_s``: ``POST /quotes/new`` of the file as a browser's form does (the CSRF
  token first, the choices, the file part ``drawings``) to a real uvicorn server of the portal
  on loopback (``bench/_servers.py``, production settings, a fresh SQLite database), from
  ``curl -F`` (it reads the file as it sends it; where curl is missing, httpx2 with a generator
  body). Timed from the start of the client to the 303: the client's time counts, as does
  everything the app does before answering (multipart parsing, SHA-256, AES-GCM per 64 KiB
  segment, the writes and fsync, the rows and their commits).
- ``uploads.download_mb_s``: ``GET /quotes/<reference>/drawings/<id>`` of the drawing just
  uploaded, streamed by curl (or httpx2) to a file, then ``fsync`` of that file, as for ``cp``.
  After an upload the app reads the drawing's geometry in the background (decrypting it into a
  child process: ``portal/quotes/reading.py``); the download starts only once that reading is
  over, so the two never overlap and the download is measured alone.
- ``uploads.upload_vs_cp`` and ``uploads.download_vs_cp``: each throughput as a percentage of
  ``cp``'s in the same run, which cancels most of the disk's and the machine's speed. Target: at
  least :data:`RATIO_TARGET` each way.
- ``uploads.peak_rss_growth``: the server process's peak resident memory during the uploads and
  downloads, less its resident memory just before the first of them (after a small upload and
  download that warm up the code paths). Read from ``/proc/<pid>/status``: ``VmHWM`` after
  resetting it (``/proc/<pid>/clear_refs``), or, where the kernel refuses, the highest
  ``VmRSS`` a thread saw every few milliseconds. Only the web process: the geometry reader is a
  child with its own limits (``GeometryLimits.memory_bytes``). Target: at most
  :data:`RSS_TARGET_MB` MB, a fraction of the file, so the app holds no file in memory.

MB are 10^6 bytes. The generated file and every copy are removed with the scratch folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2

from bench import Figure, benchmark
from bench._memory import MemoryWatch
from bench._servers import (
    SERVER_PIDS,
    portal_environment,
    run_tool,
    served,
    terminated_as_interrupted,
)
from bench._visitor import CSRF_META, USER, BenchError, Visitor, sign_up

DRAWING_BYTES = 200 * 10**6
REPEATS = 3
RATIO_TARGET = 50.0
RSS_TARGET_MB = 50.0
WRITE_BLOCK = 1024 * 1024
READING_TIMEOUT = 300.0
CHOICE = {
    "process": "cnc_machining",
    "material": "aluminium_6061",
    "finish": "as_machined",
    "tolerance": "standard",
    "quantity": "1",
}
DRAWING_LINK = re.compile(r'href="(/quotes/[^"/]+/drawings/[0-9a-fA-F-]+)"')
MB = 10**6


def write_stl(path: Path, size: int) -> int:
    """A binary STL of about ``size`` bytes (one flat triangle repeated); returns its size."""
    triangles = (size - 84) // 50
    facet = struct.pack("<12fH", 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0)
    block = facet * (WRITE_BLOCK // len(facet))
    with path.open("wb") as out:
        out.write(b"binary STL made by bench/uploads.py".ljust(80, b" "))
        out.write(struct.pack("<I", triangles))
        left = triangles
        while left:
            count = min(left, WRITE_BLOCK // len(facet))
            out.write(block if count * len(facet) == len(block) else facet * count)
            left -= count
        out.flush()
        os.fsync(out.fileno())
    return 84 + 50 * triangles


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(WRITE_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def cp_seconds(source: Path, target: Path) -> float:
    """``cp`` (never a reflink) to the new file ``target``, and its fsync."""
    started = time.perf_counter()
    subprocess.run(["cp", "--reflink=never", str(source), str(target)], check=True)
    fsync_file(target)
    return time.perf_counter() - started


# -- the client ----------------------------------------------------------------------------


def csrf_token(visitor: Visitor) -> str:
    page = visitor.request("GET", "/quotes/new")
    found = CSRF_META.search(page.text)
    if page.status_code != 200 or not found:
        raise BenchError(f"/quotes/new: {page.status_code}, no CSRF token")
    return found[1]


def upload(base_url: str, visitor: Visitor, path: Path) -> tuple[float, str]:
    """Post ``path`` as the form does; the time to the 303, and where it points."""
    fields = {"csrf_token": csrf_token(visitor), **CHOICE}
    started = time.perf_counter()
    if shutil.which("curl"):
        arguments = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}"]
        arguments += ["-H", "Expect:", "-H", f"Cookie: {visitor.cookie_header}"]
        for name, value in fields.items():
            arguments += ["--form-string", f"{name}={value}"]
        arguments += ["-F", f"drawings=@{path};type=application/octet-stream"]
        done = subprocess.run(
            [*arguments, base_url + "/quotes/new"], capture_output=True, text=True, check=False
        )
        elapsed = time.perf_counter() - started
        status, _, location = done.stdout.partition(" ")
        location = location.removeprefix(base_url)
    else:
        status, location, elapsed = _upload_httpx(base_url, visitor, fields, path, started)
    if status != "303" or not location.startswith("/quotes/"):
        raise BenchError(f"upload answered {status} {location!r}")
    return elapsed, location


def _upload_httpx(
    base_url: str, visitor: Visitor, fields: dict[str, str], path: Path, started: float
) -> tuple[str, str, float]:
    boundary = "bench-" + os.urandom(12).hex()
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="drawings"; '
        f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        with path.open("rb") as source:
            while block := source.read(WRITE_BLOCK):
                yield block
        yield tail

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + path.stat().st_size + len(tail)),
        "Cookie": visitor.cookie_header,
    }
    with httpx2.Client(base_url=base_url, timeout=600) as client:
        answer = client.post("/quotes/new", content=body(), headers=headers)
    elapsed = time.perf_counter() - started
    return str(answer.status_code), answer.headers.get("location", ""), elapsed


def download(base_url: str, visitor: Visitor, link: str, target: Path) -> float:
    """Stream ``link`` into ``target`` and fsync it; the time it took."""
    started = time.perf_counter()
    if shutil.which("curl"):
        done = subprocess.run(
            [
                *("curl", "-sS", "-o", str(target), "-w", "%{http_code}"),
                *("-H", f"Cookie: {visitor.cookie_header}", base_url + link),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        status = done.stdout
    else:
        with (
            httpx2.Client(base_url=base_url, timeout=600) as client,
            client.stream("GET", link, headers={"Cookie": visitor.cookie_header}) as answer,
            target.open("wb") as out,
        ):
            status = str(answer.status_code)
            for block in answer.iter_bytes(WRITE_BLOCK):
                out.write(block)
    fsync_file(target)
    elapsed = time.perf_counter() - started
    if status != "200":
        raise BenchError(f"download of {link} answered {status}")
    return elapsed


def drawing_link(visitor: Visitor, quote_path: str) -> str:
    page = visitor.request("GET", quote_path)
    found = DRAWING_LINK.search(page.text)
    if page.status_code != 200 or not found:
        raise BenchError(f"{quote_path}: {page.status_code}, no download link")
    return found[1]


# -- the database --------------------------------------------------------------------------


def _database(database_url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    from sqlalchemy import text

    from portal.db import create_engine

    async def run() -> list[tuple[object, ...]]:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def verify_email(database_url: str) -> None:
    """What the link in the verification mail does: only verified customers send requests."""
    _database(
        database_url,
        "UPDATE users SET email_verified_at = CURRENT_TIMESTAMP WHERE lower(email) = :email",
        email=USER["email"].lower(),
    )


def wait_until_read(database_url: str, link: str) -> str:
    """Wait until the background reading of the drawing at ``link`` is over; its status."""
    drawing_id = link.rsplit("/", 1)[1].replace("-", "")
    deadline = time.monotonic() + READING_TIMEOUT
    while time.monotonic() < deadline:
        rows = _database(
            database_url,
            "SELECT status FROM drawings WHERE replace(CAST(id AS TEXT), '-', '') = :id",
            id=drawing_id,
        )
        if not rows:
            raise BenchError(f"no drawing {drawing_id} in the database")
        status = str(rows[0][0])
        if status not in {"stored", "reading"}:
            return status
        time.sleep(0.2)
    raise BenchError(f"the drawing {drawing_id} was still being read after {READING_TIMEOUT} s")


# -- the benchmark -------------------------------------------------------------------------


def measure(scratch: Path) -> list[Figure]:
    drawing = scratch / "drawing.stl"
    size = write_stl(drawing, DRAWING_BYTES)
    expected = sha256_of(drawing)
    small = scratch / "small.stl"
    write_stl(small, 84 + 50 * 1000)

    public_dir = scratch / "public"
    database_url = f"sqlite+aiosqlite:///{scratch / 'portal.sqlite3'}"
    env = portal_environment(scratch, database_url, public_dir)
    run_tool(["build.py"], env)
    run_tool(["-m", "portal", "migrate"], env)
    cp_times: list[float] = []
    uploads: list[float] = []
    downloads: list[float] = []
    peaks: list[int] = []
    with served(["portal"], env, scratch / "portal.log", "/healthz") as base_url:
        visitor = sign_up(base_url)
        try:
            verify_email(database_url)
            # Warm up: the code paths of both directions, and the geometry reader, once.
            _, quote = upload(base_url, visitor, small)
            link = drawing_link(visitor, quote)
            wait_until_read(database_url, link)
            download(base_url, visitor, link, scratch / "small.out")
            with MemoryWatch(SERVER_PIDS[base_url]) as memory:
                baseline = memory.field("VmRSS")
                for n in range(REPEATS):
                    cp_times.append(cp_seconds(drawing, scratch / f"copy-{n}.stl"))
                    memory.reset()
                    seconds, quote = upload(base_url, visitor, drawing)
                    peaks.append(memory.peak())
                    uploads.append(seconds)
                    link = drawing_link(visitor, quote)
                    status = wait_until_read(database_url, link)
                    target = scratch / f"download-{n}.stl"
                    memory.reset()
                    downloads.append(download(base_url, visitor, link, target))
                    peaks.append(memory.peak())
                    if target.stat().st_size != size or sha256_of(target) != expected:
                        raise BenchError("the downloaded drawing is not the uploaded one")
        finally:
            visitor.close()
    print(
        f"# uploads: {size / MB:.0f} MB; cp {_times(cp_times)}, upload {_times(uploads)}, "
        f"download {_times(downloads)} s; the drawing read as {status!r}; server RSS before "
        f"{baseline / MB:.0f} MB, peaks {', '.join(f'{p / MB:.0f}' for p in peaks)} MB",
        file=sys.stderr,
        flush=True,
    )
    cp_rate, up_rate, down_rate = (size / MB / min(t) for t in (cp_times, uploads, downloads))
    growth = max(0, max(peaks) - baseline) / MB
    return [
        Figure("uploads.upload_vs_cp", round(100 * up_rate / cp_rate, 1), "%", ">=", RATIO_TARGET),
        Figure(
            "uploads.download_vs_cp", round(100 * down_rate / cp_rate, 1), "%", ">=", RATIO_TARGET
        ),
        Figure("uploads.upload_mb_s", round(up_rate, 1), "MB/s"),
        Figure("uploads.download_mb_s", round(down_rate, 1), "MB/s"),
        Figure("uploads.cp_mb_s", round(cp_rate, 1), "MB/s"),
        Figure("uploads.peak_rss_growth", round(growth, 1), "MB", "<=", RSS_TARGET_MB),
    ]


def _times(seconds: list[float]) -> str:
    return "/".join(f"{each:.2f}" for each in seconds)


@benchmark("uploads")
def uploads_benchmark() -> list[Figure]:
    with terminated_as_interrupted(), tempfile.TemporaryDirectory(prefix="bench-uploads-") as name:
        return measure(Path(name))
