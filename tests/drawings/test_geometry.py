"""Size and volume read from drawings in a child process, and every way a hostile drawing is
refused with a code while the web process carries on. Limits are asserted by outcome."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.drawings.archives import ArchiveLimits
from portal.drawings.formats import Format
from portal.drawings.geometry import (
    ERROR_CODES,
    Geometry,
    GeometryError,
    GeometryLimits,
    Report,
    measure,
    measure_async,
)
from tests.support.drawings import (
    binary_stl,
    box_iges,
    box_step,
    cube_model,
    docx,
    sample,
    step_points,
    three_mf,
    zip_of,
)


def one_part(report: Report) -> Geometry:
    assert len(report.parts) == 1
    part = report.parts[0]
    assert part.error is None
    assert part.geometry is not None
    return part.geometry


def refused(source: bytes | Iterator[bytes], limits: GeometryLimits | None = None) -> str:
    with pytest.raises(GeometryError) as error:
        measure(source, limits)
    assert error.value.code in ERROR_CODES
    return error.value.code


# -- meshes -----------------------------------------------------------------------------------


def test_the_unit_cube_is_one_cubic_millimetre() -> None:
    geometry = one_part(measure(sample("unit_cube.STL")))
    assert geometry.size_mm == pytest.approx((1, 1, 1))
    assert geometry.volume_mm3 == pytest.approx(1.0)
    assert geometry.area_mm2 == pytest.approx(6.0)
    assert geometry.watertight
    assert geometry.declared_units is None  # STL has no unit: millimetres are assumed


def test_the_calibration_cube_is_20_mm_with_its_letters_engraved() -> None:
    geometry = one_part(measure(sample("20mm-xyz-cube.stl")))
    assert geometry.size_mm == pytest.approx((20, 20, 20), abs=1e-3)
    # 8000 mm³ less the engraved X, Y and Z.
    assert 7900 < geometry.volume_mm3 < 8000
    assert geometry.triangles is not None
    assert geometry.triangles > 12


def test_an_obj_made_of_two_groups_is_one_closed_box() -> None:
    geometry = one_part(measure(sample("box.obj")))
    assert geometry.size_mm == pytest.approx((2, 2, 2))
    assert geometry.volume_mm3 == pytest.approx(8.0)


def test_a_3mf_in_millimetres() -> None:
    geometry = one_part(measure(sample("pyramids.3mf")))
    assert geometry.declared_units == "millimeter"
    assert geometry.watertight
    assert geometry.volume_mm3 == pytest.approx(195037.70, rel=1e-6)


def test_a_mesh_with_holes_has_no_volume_and_says_so() -> None:
    geometry = one_part(measure(binary_stl(10)))
    assert not geometry.watertight
    assert geometry.volume_mm3 is None


# -- B-rep ------------------------------------------------------------------------------------


def test_a_step_part_in_inches_is_measured_in_millimetres() -> None:
    geometry = one_part(measure(sample("featuretype.STEP")))
    assert geometry.declared_units == "inch"
    assert geometry.size_mm == pytest.approx((127.0, 63.5, 34.925), abs=1e-4)  # 5 × 2.5 × 1.375 in
    # The exact B-rep volume; gmsh's OpenCascade gives the same to the last digit.
    assert geometry.volume_mm3 == pytest.approx(190531.995, rel=1e-7)
    assert geometry.solids == 1


def test_the_step_part_and_its_3mf_sibling_agree() -> None:
    exact = one_part(measure(sample("featuretype.STEP")))
    mesh = one_part(measure(sample("featuretype.3MF")))
    assert mesh.declared_units == "inch"
    assert mesh.size_mm == pytest.approx(exact.size_mm, abs=1e-3)
    assert mesh.area_mm2 == pytest.approx(exact.area_mm2, rel=0.005)  # tessellated
    assert not mesh.watertight  # this export is open, so only the STEP gives a volume
    assert mesh.volume_mm3 is None


def test_an_ap214_assembly_plate() -> None:
    geometry = one_part(measure(sample("base_interface_AP214.STEP")))
    assert geometry.volume_mm3 == pytest.approx(1257991.526, rel=1e-7)
    assert geometry.size_mm[2] == pytest.approx(4.7625)  # 3/16 in plate


@pytest.mark.parametrize(("unit", "name"), [("MM", "millimeter"), ("INCH", "inch"), ("M", "meter")])
def test_the_units_a_step_file_declares_are_reported(unit: str, name: str) -> None:
    geometry = one_part(measure(box_step(10, 20, 30, unit)))
    assert geometry.declared_units == name
    assert geometry.size_mm == pytest.approx((10, 20, 30), abs=1e-6)
    assert geometry.volume_mm3 == pytest.approx(6000)


def test_a_solid_iges_box() -> None:
    report = measure(box_iges(10, 20, 30))
    assert report.format is Format.IGES
    geometry = one_part(report)
    assert geometry.volume_mm3 == pytest.approx(6000)
    assert geometry.size_mm == pytest.approx((10, 20, 30), abs=1e-6)


def test_an_iges_file_without_a_solid_has_a_size_but_no_volume() -> None:
    geometry = one_part(measure(sample("line.igs")))  # written by hand: one line
    assert geometry.size_mm == pytest.approx((10, 20, 30), abs=1e-6)
    assert geometry.solids == 0
    assert geometry.volume_mm3 is None


# -- formats without geometry, and archives ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"), [("spline_1.dxf", Format.DXF), ("ae.r2000b.dxf", Format.DXF)]
)
def test_drawings_for_manual_quoting_have_a_format_and_no_geometry(
    name: str, expected: Format
) -> None:
    report = measure(sample(name))
    assert report.format is expected
    assert [(part.geometry, part.error) for part in report.parts] == [(None, None)]


def test_each_drawing_of_an_archive_is_measured() -> None:
    archive = zip_of(
        {
            "cube.stl": sample("unit_cube.STL"),
            "plan.dxf": sample("spline_1.dxf"),
            "empty.stl": sample("empty.stl"),
        }
    )
    report = measure(archive)
    assert report.format is Format.ZIP
    parts = {part.name: part for part in report.parts}
    assert parts["cube.stl"].geometry is not None
    assert parts["cube.stl"].geometry.volume_mm3 == pytest.approx(1.0)
    assert parts["plan.dxf"].format is Format.DXF
    assert parts["plan.dxf"].geometry is None
    assert parts["empty.stl"].error == "empty_geometry"


async def test_the_event_loop_version_reads_a_stream() -> None:
    data = sample("unit_cube.STL")

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 100):
            yield data[start : start + 100]

    geometry = one_part(await measure_async(chunks()))
    assert geometry.volume_mm3 == pytest.approx(1.0)


async def test_a_long_report_arrives_whole() -> None:
    cubes = {f"cube{n:03}.stl": sample("unit_cube.STL") for n in range(250)}
    limits = GeometryLimits(archive=ArchiveLimits(max_members=300))
    report = await measure_async(zip_of(cubes), limits)  # an answer larger than a pipe's buffer
    assert len(report.parts) == 250
    volumes = [part.geometry.volume_mm3 for part in report.parts if part.geometry]
    assert volumes == pytest.approx([1.0] * 250)
    assert [part.name for part in report.parts] == sorted(cubes)


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b"", "unknown_format", id="empty"),
        pytest.param(b"MZ\x90\x00" + bytes(500), "unknown_format", id="an .exe called .step"),
        pytest.param(sample("unit_cube.STL")[:-7], "unknown_format", id="truncated binary STL"),
        pytest.param(docx(), "unknown_format", id="a Word document"),
        pytest.param(sample("empty.stl"), "empty_geometry", id="STL without facets"),
        pytest.param(sample("stl_empty_bin.stl"), "empty_geometry", id="binary STL of 0 triangles"),
        pytest.param(sample("featuretype.STEP")[:30000], "parse_failed", id="truncated STEP"),
        pytest.param(
            three_mf(cube_model(), target="/3D/gone.model"), "3mf_no_model", id="3MF without model"
        ),
        pytest.param(
            zip_of({"../../cube.stl": sample("unit_cube.STL")}),
            "archive_unsafe_name",
            id="path in a ZIP",
        ),
    ],
)
def test_bad_drawings_are_refused_with_a_code(data: bytes, code: str) -> None:
    assert refused(data) == code


def test_a_3mf_whose_model_inflates_a_thousandfold_never_reaches_trimesh() -> None:
    package = three_mf(cube_model(padding=5 * 1024 * 1024))
    assert len(package) < 50 * 1024
    assert refused(package) == "archive_ratio"
    # The same cube without the padding is read: the refusal is the bomb's, not the cube's.
    assert one_part(measure(three_mf(cube_model()))).volume_mm3 == pytest.approx(1000)


def test_a_zip_bomb_is_refused() -> None:
    bomb = zip_of({f"part{n}.stl": b"solid x\n" + bytes(4 * 1024 * 1024) for n in range(5)})
    assert refused(bomb) == "archive_ratio"


def test_archive_limits_reach_the_worker() -> None:
    archive = zip_of({f"cube{n}.stl": sample("unit_cube.STL") for n in range(3)})
    limits = GeometryLimits(archive=ArchiveLimits(max_members=2))
    assert refused(archive, limits) == "archive_too_many_members"


def test_a_step_that_never_ends_is_cut_at_the_size_limit() -> None:
    def endless() -> Iterator[bytes]:
        yield b"ISO-10303-21;\nHEADER;\n"
        while True:
            yield b"/* still going */\n" * 4096

    assert refused(endless(), GeometryLimits(max_bytes=4 * 1024 * 1024)) == "too_large"


def child_processes() -> list[str]:
    pid = os.getpid()
    children: list[str] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as listing:
            children += listing.read().split()
    return children


def test_a_child_past_its_wall_clock_time_is_killed_and_reported() -> None:
    before = child_processes()
    assert refused(step_points(300_000), GeometryLimits(wall_seconds=0.5)) == "timeout"
    assert child_processes() == before  # killed and reaped
    assert one_part(measure(sample("unit_cube.STL"))).volume_mm3 == pytest.approx(1.0)


class SourceBroke(Exception):
    """What a decrypting source raises on a chunk that fails authentication."""


def test_a_source_that_fails_midway_fails_the_measure_and_leaves_no_child() -> None:
    def broken() -> Iterator[bytes]:
        yield sample("featuretype.STEP")[:4096]
        raise SourceBroke

    before = child_processes()
    with pytest.raises(SourceBroke):
        measure(broken())
    assert child_processes() == before


async def test_an_async_source_that_fails_midway_leaves_no_child() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield sample("featuretype.STEP")[:4096]
        raise SourceBroke

    before = child_processes()
    with pytest.raises(SourceBroke):
        await measure_async(broken())
    assert child_processes() == before


def test_a_child_past_its_cpu_time_is_killed_and_reported() -> None:
    limits = GeometryLimits(cpu_seconds=1, memory_bytes=8 * 1024**3, wall_seconds=600)
    assert refused(step_points(600_000), limits) == "cpu_limit"


def test_a_child_that_needs_too_much_memory_is_stopped_and_reported() -> None:
    limits = GeometryLimits(memory_bytes=32 * 1024 * 1024)
    assert refused(binary_stl(200_000), limits) == "memory_limit"  # 10 MB file, ~100 MB parsed


def test_a_step_that_needs_too_much_memory_is_stopped_and_reported() -> None:
    limits = GeometryLimits(memory_bytes=64 * 1024 * 1024)
    assert refused(step_points(300_000), limits) == "memory_limit"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["unit_cube.STL", "box.obj", "pyramids.3mf", "line.igs"]),
    position=st.integers(min_value=0),
    value=st.integers(min_value=0, max_value=255),
)
def test_a_damaged_drawing_gives_a_report_or_a_known_code(
    name: str, position: int, value: int
) -> None:
    data = bytearray(sample(name))
    data[position % len(data)] = value
    code = None
    try:
        report = measure(bytes(data))
    except GeometryError as error:
        code = error.code
    assert code in ERROR_CODES if code else report.parts
