"""The size and volume of a drawing, read in a separate, resource-limited process.

CAD parsers are large C++ libraries fed with files from strangers, so they never run in the web
process. :func:`measure` (or :func:`measure_async`) starts ``python -m
portal.drawings.geometry_worker``, streams the already decrypted bytes to its standard input
(a pipe: no plaintext file is written, and the child may create none) and reads one JSON answer.
The child works on the bytes in memory: trimesh reads a file object and OpenCascade's STEP reader
a Python stream (``ReadStream``). Its IGES reader fails on streams (OpenCascade 8.0), so IGES
bytes go to an anonymous in-memory file (``memfd_create``) opened by its ``/proc/self/fd`` path:
still no file on a disk.

Limits (:class:`GeometryLimits`): input size (the parent stops feeding past it, so a stream that
never ends is refused), address space the parsing may add beyond the parser libraries themselves
(``RLIMIT_AS``), CPU seconds (``RLIMIT_CPU``), wall-clock seconds (the parent kills the child's
process group), the ZIP limits of :class:`portal.drawings.archives.ArchiveLimits`, checked before
trimesh opens a 3MF, and no file writes (``RLIMIT_FSIZE`` 0). Whatever happens, the parent gets a
:class:`Report` or a :class:`GeometryError` with one of :data:`ERROR_CODES`.

What is read:

- Meshes (STL, 3MF, OBJ), with trimesh: bounding box, surface area, and the volume only when the
  mesh is watertight (otherwise ``volume_mm3`` is None and ``watertight`` False: the UI says the
  volume could not be measured). STL and OBJ carry no unit and are taken as millimetres; a 3MF
  declares its unit, reported and converted. The scene's meshes are joined into one (vertices
  merged), so volume and box are the part's as a whole.
- B-rep solids (STEP, IGES), with OpenCascade: exact volume (``BRepGProp``, None when the file
  holds surfaces but no solid), surface area, tight bounding box (``BRepBndLib::AddOptimal``),
  and for STEP the length units the file declares (OpenCascade converts to millimetres).

Why ``cadquery-ocp-novtk`` for OpenCascade, measured on this project's samples:

- licence: the binding is Apache-2.0 and OpenCascade itself LGPL-2.1 with the OCCT exception,
  which ask only for notices; gmsh is GPL-2.0-or-later, whose copyleft reaches whoever ships the
  portal together with it.
- size: 380 MB installed (150 MB binding, 230 MB bundled libraries; 10 s to download and
  install here) against 90 MB for gmsh (6 s), and none of the 1.3 GB of VTK that
  ``cadquery-ocp`` pulls in (the ``-novtk`` wheel is the same binding built without it).
- correctness: identical volumes to gmsh on both sample STEP files (1 257 991.53 mm³ and
  190 531.995 mm³), and a tight bounding box where gmsh's is loose (featuretype.STEP: 127.0 mm
  long by OpenCascade, 127.67 mm by gmsh's ``getBoundingBox``). trimesh with cascadio tessellates
  and gets volumes wrong.
- streams: ``STEPControl_Reader.ReadStream`` reads from memory (and IGES from a memory file);
  gmsh only opens paths, and chooses its reader by the file's extension.
- time: 0.03 s (base_interface_AP214) and 0.16 s (featuretype) to read and measure, plus about
  1 s to import the library in each child.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from portal.drawings.archives import ArchiveLimits
from portal.drawings.formats import Format

ERROR_CODES = frozenset(
    {
        "unknown_format",  # the content is none of the accepted formats (or an Office document)
        "too_large",  # more bytes than GeometryLimits.max_bytes
        "timeout",  # wall clock: killed
        "cpu_limit",  # RLIMIT_CPU: killed
        "memory_limit",  # RLIMIT_AS: the parse needed more memory than allowed
        "parse_failed",  # the library could not read the file (corrupt, truncated, hostile)
        "empty_geometry",  # read, but nothing to measure
        "3mf_no_model",  # a 3MF package without its 3D model
        "archive_corrupt",
        "archive_too_many_members",
        "archive_unsafe_name",  # absolute path, "..", drive letter, symbolic link, duplicate
        "archive_encrypted",
        "archive_too_large",  # a member or the whole archive declares too many bytes
        "archive_ratio",  # a member inflates more than ArchiveLimits.max_ratio times: a zip bomb
        "archive_nested",  # a ZIP in the ZIP (a 3MF in a ZIP is fine)
        "archive_unknown_member",  # a member that is none of the accepted formats
        "archive_empty",
        "worker_failed",  # the child died in another way (a crash in a parser library)
        # Set by portal.quotes.reading, never by the child: the ciphertext did not decrypt (the
        # owner's key erased, the object altered or gone), so there was nothing to read.
        "undecryptable",
    }
)

_CHUNK = 256 * 1024


@dataclass(frozen=True)
class GeometryLimits:
    """What one drawing may cost (per child: one child reads one upload at a time)."""

    max_bytes: int = 256 * 1024 * 1024
    memory_bytes: int = 1024 * 1024 * 1024
    """Address space parsing may add beyond the parser libraries (RLIMIT_AS)."""
    cpu_seconds: int = 60
    wall_seconds: float = 120.0
    archive: ArchiveLimits = field(default_factory=ArchiveLimits)


@dataclass(frozen=True)
class Geometry:
    """What was read from one part, in millimetres."""

    bbox_min_mm: tuple[float, float, float]
    bbox_max_mm: tuple[float, float, float]
    area_mm2: float
    volume_mm3: float | None
    """None when the mesh is not watertight, or the B-rep file has no solid."""
    watertight: bool
    declared_units: str | None
    """The length unit the file declares, one spelling for all formats: ``millimeter``,
    ``centimeter``, ``meter``, ``micron``, ``inch``, ``foot`` (another as the file names it,
    lower case; several joined by ``, ``). None for STL, OBJ and IGES, which are read as mm."""
    solids: int | None
    triangles: int | None

    @property
    def size_mm(self) -> tuple[float, float, float]:
        low, high = self.bbox_min_mm, self.bbox_max_mm
        return (high[0] - low[0], high[1] - low[1], high[2] - low[2])


@dataclass(frozen=True)
class Part:
    """One drawing: the file itself, or a member of an archive (``name``)."""

    name: str | None
    format: Format
    geometry: Geometry | None
    """None for formats read by staff (PDF, DXF, DWG, X_T, SLDPRT), or when ``error`` is set."""
    error: str | None = None


@dataclass(frozen=True)
class Report:
    format: Format
    parts: tuple[Part, ...]
    cpu_seconds: float = 0.0
    """CPU time the child spent reading the drawing: not starting, nor importing the library."""


class GeometryError(Exception):
    """The drawing was refused or could not be read; ``code`` is one of :data:`ERROR_CODES`."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code} ({detail})" if detail else code)
        self.code = code
        self.detail = detail


def _command(limits: GeometryLimits) -> list[str]:
    config = {
        "max_bytes": limits.max_bytes,
        "memory_bytes": limits.memory_bytes,
        "cpu_seconds": limits.cpu_seconds,
        "archive": asdict(limits.archive),
    }
    return [sys.executable, "-m", "portal.drawings.geometry_worker", json.dumps(config)]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # One thread each: thread stacks and pools would count against the address space.
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        path for path in [_source_root(), env.get("PYTHONPATH", "")] if path
    )
    return env


def _source_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def measure(source: bytes | Iterable[bytes], limits: GeometryLimits | None = None) -> Report:
    """Read a drawing's geometry in a child process. Raises :class:`GeometryError`, or what
    ``source`` raised (a chunk that does not decrypt), after the child is gone."""
    limits = limits or GeometryLimits()
    chunks = [source] if isinstance(source, bytes | bytearray | memoryview) else source
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        _command(limits),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_environment(),
        start_new_session=True,
    )
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None
    assert stdout is not None
    fed = {"oversize": False}
    output: list[bytes] = []
    failures: list[Exception] = []

    def feed() -> None:
        sent = 0
        try:
            for chunk in chunks:
                sent += len(chunk)
                if sent > limits.max_bytes:
                    fed["oversize"] = True
                    break
                stdin.write(chunk)
        except OSError:  # the child stopped reading: it finished, failed, or was killed
            pass
        except Exception as error:  # noqa: BLE001 (the source failed: re-raised by measure)
            failures.append(error)
        finally:
            with contextlib.suppress(OSError, ValueError):
                stdin.close()

    def collect() -> None:
        output.append(stdout.read(1024 * 1024))

    threads = [
        threading.Thread(target=feed, daemon=True),
        threading.Thread(target=collect, daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        returncode = process.wait(timeout=limits.wall_seconds)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill(process.pid)
        returncode = process.wait()
        timed_out = True
    for thread in threads:
        thread.join(timeout=5)
    stdout.close()
    if failures:
        raise failures[0]
    if fed["oversize"]:
        raise GeometryError("too_large")
    return _answer(returncode, b"".join(output), timed_out)


async def measure_async(
    source: bytes | AsyncIterable[bytes] | Iterable[bytes], limits: GeometryLimits | None = None
) -> Report:
    """:func:`measure` for the event loop: the stream may be asynchronous."""
    limits = limits or GeometryLimits()
    process = await asyncio.create_subprocess_exec(
        *_command(limits),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=_environment(),
        start_new_session=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    oversize = False

    async def feed() -> None:
        nonlocal oversize
        assert process.stdin is not None
        sent = 0
        try:
            async for chunk in _aiter(source):
                sent += len(chunk)
                if sent > limits.max_bytes:
                    oversize = True
                    break
                process.stdin.write(chunk)
                await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the child stopped reading: it finished, failed, or was killed
        finally:
            process.stdin.close()

    async def run() -> tuple[bytes, int]:
        assert process.stdout is not None
        _, output = await asyncio.gather(feed(), _read_all(process.stdout))
        return output, await process.wait()

    try:
        output, returncode = await asyncio.wait_for(run(), timeout=limits.wall_seconds)
        timed_out = False
    except TimeoutError:
        _kill(process.pid)
        await process.wait()
        output, returncode, timed_out = b"", process.returncode or 0, True
    except BaseException:  # the source failed, or the request was cancelled: no orphan child
        _kill(process.pid)
        await process.wait()
        raise
    if oversize:
        raise GeometryError("too_large")
    return _answer(returncode, output, timed_out)


async def _read_all(stream: asyncio.StreamReader, limit: int = 1024 * 1024) -> bytes:
    """Everything up to end of file (the answer may come in several pieces), at most ``limit``."""
    pieces: list[bytes] = []
    size = 0
    while size < limit:
        piece = await stream.read(limit - size)
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)


async def _aiter(source: bytes | AsyncIterable[bytes] | Iterable[bytes]) -> AsyncIterable[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        for start in range(0, len(source), _CHUNK):
            yield bytes(source[start : start + _CHUNK])
    elif isinstance(source, AsyncIterable):
        async for chunk in source:
            yield chunk
    else:
        for chunk in source:
            yield chunk


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _answer(returncode: int, output: bytes, timed_out: bool) -> Report:
    if timed_out:
        raise GeometryError("timeout")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL) and not output:
        raise GeometryError("cpu_limit")
    try:
        answer: dict[str, Any] = json.loads(output)
    except ValueError:
        raise GeometryError("worker_failed", f"exit status {returncode}") from None
    if not answer.get("ok"):
        code = str(answer.get("error"))
        raise GeometryError(
            code if code in ERROR_CODES else "worker_failed", str(answer.get("detail", ""))
        )
    return Report(
        format=Format(answer["format"]),
        parts=tuple(_read_part(part) for part in answer["parts"]),
        cpu_seconds=float(answer.get("cpu_seconds", 0.0)),
    )


def _read_part(part: dict[str, Any]) -> Part:
    raw = part.get("geometry")
    geometry = None
    if raw is not None:
        geometry = Geometry(
            bbox_min_mm=tuple(raw["bbox_min_mm"]),
            bbox_max_mm=tuple(raw["bbox_max_mm"]),
            area_mm2=raw["area_mm2"],
            volume_mm3=raw["volume_mm3"],
            watertight=raw["watertight"],
            declared_units=raw["declared_units"],
            solids=raw["solids"],
            triangles=raw["triangles"],
        )
    return Part(
        name=part["name"], format=Format(part["format"]), geometry=geometry, error=part["error"]
    )
