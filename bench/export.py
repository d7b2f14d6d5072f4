"""The copy of one's personal information (policy 5.1): a customer with many quotes and drawings.

One run signs a customer up through the real form on a real uvicorn server of the portal
(``bench/_servers.py``, production settings, a fresh SQLite database), gives them
:data:`QUOTES` quote requests with one drawing each, :data:`DRAWING_BYTES` bytes of drawings in
all (stored as an upload stores them: encrypted under the customer's data key, in the app's
local store), and then, in :data:`REPEATS` rounds, takes turns between:

- ``export.seconds``, ``export.mb_s``: ``POST /account/privacy/my-data/copy`` with the CSRF token,
  as the button sends it, streamed by curl (or httpx2) into a file, then ``fsync`` of that file.
  Timed from the start of the client to the file's fsync: the whole copy, made while it is sent
  (the audit row, every query, data.json, the CSVs, index.html, and every drawing read,
  decrypted and zipped).
- ``export.cp_mb_s``: ``cp --reflink=never`` of that very ZIP to a new file in the same folder,
  then ``fsync`` of the copy: the same bytes, on the same disk, written as durably.
- ``export.vs_cp``: the copy's throughput as a percentage of ``cp``'s in the same run (the best
  round of each), which cancels most of the disk's and the machine's speed. Target: at least
  :data:`RATIO_TARGET`.
- ``export.peak_rss_growth``: the server process's peak resident memory during the copies, less
  its resident memory just before the first (after a small copy that warms the code paths up),
  read as ``bench/_memory.py`` reads it. Target: at most :data:`RSS_TARGET_MB` MB, whatever the
  size of the drawings: the app holds no drawing in memory.

The size is a parameter: ``BENCH_EXPORT_MB`` (default 1000, the issue's gigabyte) and
``BENCH_EXPORT_QUOTES`` (default 1000), so a quick run can use less::

    BENCH_EXPORT_MB=100 python -m bench export

Every ZIP is checked: its length is the ``Content-Length`` the app announced, it has one drawing
per quote, and the first round's drawings are read back and compared with what was stored. MB
are 10^6 bytes. Everything lives in a scratch folder removed at the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import AsyncIterator
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
from bench.uploads import cp_seconds, fsync_file

DRAWING_BYTES = int(os.environ.get("BENCH_EXPORT_MB", "1000")) * 10**6
QUOTES = int(os.environ.get("BENCH_EXPORT_QUOTES", "1000"))
REPEATS = 3
RATIO_TARGET = 50.0
RSS_TARGET_MB = 50.0
COPY_URL = "/account/privacy/my-data/copy"
PIECE = 1024 * 1024
MB = 10**6
SEED = 5_1  # policy 5.1


def drawing_content(number: int, size: int) -> bytes:
    """The ``number``-th drawing: ``size`` bytes that do not compress (as most CAD files)."""
    return random.Random(SEED * 1_000_003 + number).randbytes(size)


# -- the customer's data, stored as the app stores it ------------------------------------------


def give_quotes(env: dict[str, str], first: int, count: int, size: int) -> None:
    """Quote requests ``first`` … ``first + count - 1`` for the bench's customer, each with one
    drawing of ``size`` bytes, encrypted into the app's store by ``store_drawing``."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.crypto import DataKeys
    from portal.db import create_engine, session_factory
    from portal.drawings.local import LocalStorage
    from portal.drawings.services import store_drawing
    from portal.quotes.models import QuoteRequest
    from portal.settings import Settings

    settings = Settings.from_env(env)

    async def pieces(content: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(content), PIECE):
            yield content[start : start + PIECE]

    async def run() -> None:
        engine = create_engine(settings.database_url)
        storage = LocalStorage(settings.drawings_dir)
        data_keys = DataKeys.from_settings(settings)
        try:
            async with session_factory(engine)() as session:
                found = await session.execute(
                    select(User).where(User.email_key == USER["email"].lower())
                )
                user = found.scalars().one()
                for number in range(first, first + count):
                    quote = QuoteRequest(
                        reference=f"Q-B{number:07d}",
                        user_id=user.id,
                        process="cnc_machining",
                        material="aluminium_6061",
                        finish="as_machined",
                        tolerance="standard",
                        quantity=1 + number % 50,
                        notes=f"Bench request {number}: M6 threads on both ends.",
                    )
                    session.add(quote)
                    await session.flush()
                    drawing = await store_drawing(
                        session=session,
                        data_keys=data_keys,
                        storage=storage,
                        user=user,
                        filename=f"part-{number:04d}.stl",
                        chunks=pieces(drawing_content(number, size)),
                        limit=size,
                    )
                    drawing.quote_id = quote.id
                    session.add(drawing)
                    await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


# -- the client ----------------------------------------------------------------------------


def take_copy(base_url: str, visitor: Visitor, target: Path) -> tuple[float, int]:
    """POST the button's form, stream the ZIP into ``target`` and fsync it: the time it took,
    and the ``Content-Length`` the app announced."""
    page = visitor.request("GET", COPY_URL)
    found = CSRF_META.search(page.text)
    if page.status_code != 200 or not found:
        raise BenchError(f"{COPY_URL}: {page.status_code}, no CSRF token")
    started = time.perf_counter()
    if shutil.which("curl"):
        done = subprocess.run(
            [
                *("curl", "-sS", "-o", str(target), "-D", "-", "-w", "%{http_code}"),
                *("-H", f"Cookie: {visitor.cookie_header}", "--data-urlencode"),
                f"csrf_token={found[1]}",
                base_url + COPY_URL,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        status = done.stdout[-3:]
        length = re.search(r"(?im)^content-length:\s*(\d+)", done.stdout)
        announced = int(length[1]) if length else -1
    else:
        with (
            httpx2.Client(base_url=base_url, timeout=600) as client,
            client.stream(
                "POST",
                COPY_URL,
                data={"csrf_token": found[1]},
                headers={"Cookie": visitor.cookie_header},
            ) as answer,
            target.open("wb") as out,
        ):
            status = str(answer.status_code)
            announced = int(answer.headers.get("content-length", "-1"))
            for block in answer.iter_raw(PIECE):
                out.write(block)
    fsync_file(target)
    elapsed = time.perf_counter() - started
    if status != "200":
        raise BenchError(f"the copy answered {status}: {target.read_bytes()[:500]!r}")
    return elapsed, announced


def check_zip(path: Path, announced: int, quotes: int, size: int, *, read_back: bool) -> None:
    """The ZIP is whole, and (``read_back``) every drawing is the one that was stored."""
    if path.stat().st_size != announced:
        raise BenchError(f"the ZIP has {path.stat().st_size} bytes, {announced} announced")
    with zipfile.ZipFile(path) as archive:
        drawings = sorted(n for n in archive.namelist() if n.startswith("drawings/"))
        if len(drawings) != quotes or "data.json" not in archive.namelist():
            raise BenchError(f"the ZIP holds {len(drawings)} drawings, not {quotes}")
        if not read_back:
            return
        for name in drawings:
            number = int(name.rsplit("-", 1)[1].removesuffix(".stl"))
            digest = hashlib.sha256()
            with archive.open(name) as member:
                while block := member.read(PIECE):
                    digest.update(block)
            expected = hashlib.sha256(drawing_content(number, size)).hexdigest()
            if digest.hexdigest() != expected:
                raise BenchError(f"{name} is not the drawing that was stored")


# -- the benchmark -------------------------------------------------------------------------


def measure(scratch: Path) -> list[Figure]:
    size = max(1, DRAWING_BYTES // QUOTES)
    public_dir = scratch / "public"
    database_url = f"sqlite+aiosqlite:///{scratch / 'portal.sqlite3'}"
    env = portal_environment(scratch, database_url, public_dir)
    run_tool(["build.py"], env)
    run_tool(["-m", "portal", "migrate"], env)
    exports: list[float] = []
    cp_times: list[float] = []
    peaks: list[int] = []
    with served(["portal"], env, scratch / "portal.log", "/healthz") as base_url:
        visitor = sign_up(base_url)
        try:
            # Warm up every code path on one small quote, then give the customer the rest.
            give_quotes(env, 0, 1, size)
            seconds, announced = take_copy(base_url, visitor, scratch / "warm.zip")
            check_zip(scratch / "warm.zip", announced, 1, size, read_back=True)
            started = time.perf_counter()
            give_quotes(env, 1, QUOTES - 1, size)
            print(
                f"# export: stored {QUOTES} quotes with {QUOTES * size / MB:.0f} MB of drawings "
                f"in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            with MemoryWatch(SERVER_PIDS[base_url]) as memory:
                baseline = memory.field("VmRSS")
                for n in range(REPEATS):
                    target = scratch / f"copy-{n}.zip"
                    memory.reset()
                    seconds, announced = take_copy(base_url, visitor, target)
                    peaks.append(memory.peak())
                    exports.append(seconds)
                    check_zip(target, announced, QUOTES, size, read_back=n == 0)
                    cp_times.append(cp_seconds(target, scratch / f"cp-{n}.zip"))
        finally:
            visitor.close()
    zip_bytes = announced
    print(
        f"# export: ZIP of {zip_bytes / MB:.0f} MB; copy {_times(exports)} s, cp "
        f"{_times(cp_times)} s; server RSS before {baseline / MB:.0f} MB, peaks "
        f"{', '.join(f'{p / MB:.0f}' for p in peaks)} MB",
        file=sys.stderr,
        flush=True,
    )
    export_rate, cp_rate = (zip_bytes / MB / min(t) for t in (exports, cp_times))
    growth = max(0, max(peaks) - baseline) / MB
    return [
        Figure("export.vs_cp", round(100 * export_rate / cp_rate, 1), "%", ">=", RATIO_TARGET),
        Figure("export.seconds", round(min(exports), 2), "s"),
        Figure("export.mb_s", round(export_rate, 1), "MB/s"),
        Figure("export.cp_mb_s", round(cp_rate, 1), "MB/s"),
        Figure("export.zip_mb", round(zip_bytes / MB, 1), "MB"),
        Figure("export.peak_rss_growth", round(growth, 1), "MB", "<=", RSS_TARGET_MB),
    ]


def _times(seconds: list[float]) -> str:
    return "/".join(f"{each:.2f}" for each in seconds)


@benchmark("export")
def export_benchmark() -> list[Figure]:
    with terminated_as_interrupted(), tempfile.TemporaryDirectory(prefix="bench-export-") as name:
        return measure(Path(name))
