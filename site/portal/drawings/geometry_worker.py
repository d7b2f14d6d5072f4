"""The child process that reads an untrusted drawing: ``python -m portal.drawings.geometry_worker``.

Started only by :mod:`portal.drawings.geometry`, which describes the protocol and the limits. The
drawing arrives on standard input and stays in memory: trimesh reads a file object and
OpenCascade's STEP reader a Python stream; its IGES reader fails on streams (OpenCascade 8.0), so
it opens an anonymous memory file (``memfd_create``, a ``/proc/self/fd`` path) that never reaches
a disk. The child may create no other file (``RLIMIT_FSIZE`` 0, lifted only while filling the
memory file). One JSON object goes to the original standard output; whatever the libraries print
goes to standard error, which the parent discards.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from portal.drawings import archives
from portal.drawings.formats import HEAD_SIZE, Format, sniff

MM_PER_UNIT = {
    "micron": 0.001,
    "millimeter": 1.0,
    "centimeter": 10.0,
    "meter": 1000.0,
    "inch": 25.4,
    "foot": 304.8,
}


_UNIT_NAMES = {
    "mm": "millimeter",
    "millimetre": "millimeter",
    "cm": "centimeter",
    "centimetre": "centimeter",
    "m": "meter",
    "metre": "meter",
    "micrometre": "micron",
    "micrometer": "micron",
    "in": "inch",
    "inches": "inch",
    "ft": "foot",
    "feet": "foot",
}


def unit_name(declared: str) -> str:
    """One spelling per length unit, whether a STEP file (``INCH``, ``millimetre``) or a 3MF
    (``millimeter``) declared it: the names of :data:`MM_PER_UNIT`, else the declared name."""
    name = declared.strip().lower()
    return _UNIT_NAMES.get(name, name)


class Failure(Exception):
    """A drawing refused, with the stable code the parent reports."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


class Budget:
    """Address space allowed beyond what the process (and its parser libraries) already maps.

    RLIMIT_AS caps the whole address space, and the parser libraries alone map hundreds of MB
    (OpenCascade about 400), so the cap is re-set after each library is imported: the budget
    is what parsing may add, the same whichever library reads the file.
    """

    def __init__(self, headroom: int) -> None:
        self.headroom = headroom
        self.import_seconds = 0.0
        self.apply()

    def apply(self) -> None:
        limit = _address_space() + self.headroom
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))

    def importing(self, load: Callable[[], Any]) -> Any:
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        started = time.process_time()
        try:
            return load()
        finally:
            self.import_seconds += time.process_time() - started
            self.apply()


def _address_space() -> int:
    with open("/proc/self/statm", "rb") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # libraries that print (OpenCascade does) print to standard error
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
    cpu = int(config["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    try:
        budget = Budget(int(config["memory_bytes"]))
        data = sys.stdin.buffer.read(int(config["max_bytes"]) + 1)
        if len(data) > int(config["max_bytes"]):
            raise Failure("too_large")
        started = time.process_time()
        report = read_drawing(data, budget, archives.ArchiveLimits(**config["archive"]))
        answer: dict[str, Any] = {
            "ok": True,
            **report,
            "cpu_seconds": time.process_time() - started - budget.import_seconds,
        }
    except Failure as failure:
        answer = {"ok": False, "error": failure.code, "detail": failure.detail}
    except archives.ArchiveError as error:
        answer = {"ok": False, "error": error.code, "detail": error.member or ""}
    except MemoryError:
        answer = {"ok": False, "error": "memory_limit", "detail": ""}
    except Exception as error:  # noqa: BLE001 (a parser's failure on a hostile file)
        answer = {"ok": False, "error": "parse_failed", "detail": type(error).__name__}
    results.write(json.dumps(answer))
    results.flush()
    return 0


def read_drawing(data: bytes, budget: Budget, limits: archives.ArchiveLimits) -> dict[str, Any]:
    kind = sniff(data[:HEAD_SIZE], len(data))
    if kind is Format.ZIP:
        kind = archives.classify(data, limits)
    if kind is None:
        raise Failure("unknown_format")
    if kind is Format.ZIP:
        parts = []
        for member in archives.drawings(data, limits):
            try:
                geometry = measure(member.format, member.data, budget, limits)
                parts.append(_part(member.name, member.format, geometry, None))
            except Failure as failure:
                parts.append(_part(member.name, member.format, None, failure.code))
        return {"format": kind.value, "parts": parts}
    return {
        "format": kind.value,
        "parts": [_part(None, kind, measure(kind, data, budget, limits), None)],
    }


def _part(
    name: str | None, kind: Format, geometry: dict[str, Any] | None, error: str | None
) -> dict[str, Any]:
    return {"name": name, "format": kind.value, "geometry": geometry, "error": error}


def measure(
    kind: Format, data: bytes, budget: Budget, limits: archives.ArchiveLimits
) -> dict[str, Any] | None:
    if kind.is_mesh:
        return measure_mesh(kind, data, budget, limits)
    if kind.is_brep:
        return measure_brep(kind, data, budget)
    return None


def measure_mesh(
    kind: Format, data: bytes, budget: Budget, limits: archives.ArchiveLimits
) -> dict[str, Any]:
    if kind is Format.THREE_MF:
        # Checked here, before trimesh, which believes a ZIP's declared sizes up to 32 GiB.
        with archives.open_zip(data, limits) as package:
            if archives.model_part(package, limits) is None:
                raise Failure("3mf_no_model")
    trimesh = budget.importing(_import_trimesh)
    file_type = {
        Format.STL_ASCII: "stl",
        Format.STL_BINARY: "stl",
        Format.THREE_MF: "3mf",
        Format.OBJ: "obj",
    }[kind]
    options: dict[str, Any] = {"skip_materials": True} if kind is Format.OBJ else {}
    try:
        loaded = trimesh.load(io.BytesIO(data), file_type=file_type, **options)
    except MemoryError:
        raise
    except Exception as error:  # whatever a parser raises on a hostile file
        raise Failure("parse_failed", type(error).__name__) from error
    declared = getattr(loaded, "units", None) if kind is Format.THREE_MF else None
    units = unit_name(declared) if declared else None
    mesh = _one_mesh(trimesh, loaded)
    if len(mesh.faces) == 0:
        raise Failure("empty_geometry")
    scale = 1.0
    if units is not None:
        if units not in MM_PER_UNIT:
            raise Failure("parse_failed", f"unit {units}")
        scale = MM_PER_UNIT[units]
    low, high = (mesh.bounds * scale).tolist()
    watertight = bool(mesh.is_watertight)
    volume = abs(float(mesh.volume)) * scale**3 if watertight else None
    return _geometry(
        low,
        high,
        volume=volume,
        area=float(mesh.area) * scale**2,
        watertight=watertight,
        units=units,
        solids=None,
        triangles=len(mesh.faces),
    )


def _one_mesh(trimesh: Any, loaded: Any) -> Any:
    """All the scene's triangles placed by its transforms, as one mesh (vertices merged, so
    groups of one OBJ that share an edge are closed). Built from the arrays, leaving out colours
    and textures, which trimesh cannot copy without Pillow."""
    if isinstance(loaded, trimesh.Trimesh):
        return loaded
    vertices, faces, offset = [], [], 0
    if isinstance(loaded, trimesh.Scene):
        for node in loaded.graph.nodes_geometry:
            transform, name = loaded.graph[node]
            geometry = loaded.geometry.get(name)
            if not isinstance(geometry, trimesh.Trimesh) or len(geometry.faces) == 0:
                continue
            vertices.append(trimesh.transformations.transform_points(geometry.vertices, transform))
            faces.append(geometry.faces + offset)
            offset += len(geometry.vertices)
    if not faces:
        return trimesh.Trimesh()
    numpy = trimesh.util.np
    return trimesh.Trimesh(vertices=numpy.vstack(vertices), faces=numpy.vstack(faces), process=True)


def _import_trimesh() -> Any:
    import trimesh

    return trimesh


def measure_brep(kind: Format, data: bytes, budget: Budget) -> dict[str, Any]:
    ocp = budget.importing(_import_ocp)
    try:
        if kind is Format.STEP:
            reader = ocp.STEPControl_Reader()
            status = reader.ReadStream("drawing", io.BytesIO(data))
        else:
            # OpenCascade 8.0's IGES reader fails on streams: it gets the bytes from an
            # anonymous in-memory file (memfd), which never touches a disk.
            reader = ocp.IGESControl_Reader()
            with _memory_file(data) as path:
                status = reader.ReadFile(path)
    except MemoryError:
        raise
    except Exception as error:
        raise Failure("parse_failed", type(error).__name__) from error
    if status != ocp.IFSelect_RetDone:
        raise Failure("parse_failed", str(status))
    units = None
    if kind is Format.STEP:
        lengths = ocp.Sequence_TCollection_AsciiString()
        reader.FileUnits(
            lengths, ocp.Sequence_TCollection_AsciiString(), ocp.Sequence_TCollection_AsciiString()
        )
        names = sorted(
            {unit_name(name.ToCString()) for name in lengths if name.ToCString().strip()}
        )
        units = ", ".join(names) or None
    reader.TransferRoots()
    shape = reader.OneShape()
    if shape.IsNull():
        raise Failure("empty_geometry")
    box = ocp.Bnd_Box()
    ocp.BRepBndLib.AddOptimal_s(shape, box, False, False)
    if box.IsVoid():
        raise Failure("empty_geometry")
    low, high = box.CornerMin(), box.CornerMax()
    solids = 0
    explorer = ocp.TopExp_Explorer(shape, ocp.TopAbs_SOLID)
    while explorer.More():
        solids += 1
        explorer.Next()
    surface = ocp.GProp_GProps()
    ocp.BRepGProp.SurfaceProperties_s(shape, surface)
    volume = None
    if solids:
        mass = ocp.GProp_GProps()
        ocp.BRepGProp.VolumeProperties_s(shape, mass)
        volume = abs(mass.Mass())
    return _geometry(
        [low.X(), low.Y(), low.Z()],
        [high.X(), high.Y(), high.Z()],
        volume=volume,
        area=surface.Mass(),
        watertight=solids > 0,
        units=units,
        solids=solids,
        triangles=None,
    )


@contextlib.contextmanager
def _memory_file(data: bytes) -> Iterator[str]:
    """A path to ``data`` held in an anonymous memory file (``memfd_create``), not on a disk."""
    descriptor = os.memfd_create("drawing", os.MFD_CLOEXEC)
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (len(data) + 1, hard))
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
        yield f"/proc/self/fd/{descriptor}"
    finally:
        os.close(descriptor)


def _import_ocp() -> Any:
    from types import SimpleNamespace

    from OCP.Bnd import Bnd_Box
    from OCP.BRepBndLib import BRepBndLib
    from OCP.BRepGProp import BRepGProp
    from OCP.collections import Sequence_TCollection_AsciiString
    from OCP.GProp import GProp_GProps
    from OCP.IFSelect import IFSelect_ReturnStatus
    from OCP.IGESControl import IGESControl_Reader
    from OCP.STEPControl import STEPControl_Reader
    from OCP.TopAbs import TopAbs_ShapeEnum
    from OCP.TopExp import TopExp_Explorer

    return SimpleNamespace(
        Bnd_Box=Bnd_Box,
        BRepBndLib=BRepBndLib,
        BRepGProp=BRepGProp,
        Sequence_TCollection_AsciiString=Sequence_TCollection_AsciiString,
        GProp_GProps=GProp_GProps,
        IFSelect_RetDone=IFSelect_ReturnStatus.IFSelect_RetDone,
        IGESControl_Reader=IGESControl_Reader,
        STEPControl_Reader=STEPControl_Reader,
        TopAbs_SOLID=TopAbs_ShapeEnum.TopAbs_SOLID,
        TopExp_Explorer=TopExp_Explorer,
    )


def _geometry(
    low: list[float],
    high: list[float],
    *,
    volume: float | None,
    area: float,
    watertight: bool,
    units: str | None,
    solids: int | None,
    triangles: int | None,
) -> dict[str, Any]:
    if not all(math.isfinite(value) for value in [*low, *high, area, volume or 0.0]):
        raise Failure("parse_failed", "not finite")
    return {
        "bbox_min_mm": low,
        "bbox_max_mm": high,
        "volume_mm3": volume,
        "area_mm2": area,
        "watertight": watertight,
        "declared_units": units,
        "solids": solids,
        "triangles": triangles,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
