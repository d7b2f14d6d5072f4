"""ZIP containers: a 3MF is told from a Word document and from an archive of drawings, and a ZIP
that could hurt (zip bomb, path in a name, too many members, lies about its sizes) is refused
before any member is inflated."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.drawings.archives import ArchiveError, ArchiveLimits, classify, drawings
from portal.drawings.formats import Format
from tests.support.drawings import cube_model, docx, sample, three_mf, zip_of

LIMITS = ArchiveLimits()


@pytest.mark.parametrize("name", ["featuretype.3MF", "pyramids.3mf"])
def test_real_3mf_packages_are_3mf(name: str) -> None:
    assert classify(sample(name), LIMITS) is Format.THREE_MF


def test_a_word_document_is_not_a_3mf_nor_an_archive_of_drawings() -> None:
    assert classify(docx(), LIMITS) is None


def test_a_3mf_whose_relationship_points_nowhere_has_no_model() -> None:
    package = three_mf(cube_model(), target="/3D/missing.model")
    with pytest.raises(ArchiveError) as refused:
        classify(package, LIMITS)
    assert refused.value.code == "3mf_no_model"


def test_an_archive_of_drawings_lists_each_drawing_by_its_content() -> None:
    archive = zip_of(
        {
            "parts/cube.bin": sample("unit_cube.STL"),  # names and extensions say nothing
            "parts/feature.step": sample("featuretype.STEP"),
            "drawing.dxf": sample("spline_1.dxf"),
            "bracket.3mf": sample("pyramids.3mf"),  # one level of ZIP: a 3MF
        }
    )
    assert classify(archive, LIMITS) is Format.ZIP
    found = {member.name: member.format for member in drawings(archive, LIMITS)}
    assert found == {
        "parts/cube.bin": Format.STL_BINARY,
        "parts/feature.step": Format.STEP,
        "drawing.dxf": Format.DXF,
        "bracket.3mf": Format.THREE_MF,
    }


def test_the_finders_companion_files_are_left_out() -> None:
    found = drawings(sample("ascii.stl.zip"), LIMITS)
    assert [(member.name, member.format) for member in found] == [
        ("fuji_obj.stl", Format.STL_ASCII)
    ]


def refusal(data: bytes, limits: ArchiveLimits = LIMITS) -> tuple[str, str | None]:
    with pytest.raises(ArchiveError) as refused:
        drawings(data, limits)
    return refused.value.code, refused.value.member


@pytest.mark.parametrize(
    "name", ["../evil.stl", "parts/../../evil.stl", "/etc/evil.stl", "C:/evil.stl", "..\\evil.stl"]
)
def test_paths_in_member_names_are_refused(name: str) -> None:
    code, _ = refusal(zip_of({name: sample("unit_cube.STL")}))
    assert code == "archive_unsafe_name"


def test_a_symbolic_link_member_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("cube.stl")
        link.external_attr = (0o120777 << 16) | 0
        archive.writestr(link, "/etc/passwd")
    assert refusal(buffer.getvalue())[0] == "archive_unsafe_name"


def test_too_many_members_are_refused() -> None:
    members = {f"cube{n}.stl": sample("unit_cube.STL") for n in range(4)}
    assert refusal(zip_of(members), ArchiveLimits(max_members=3))[0] == "archive_too_many_members"


def test_a_member_declaring_too_many_bytes_is_refused() -> None:
    members = {"big.stl": sample("multibody.stl")}
    code, member = refusal(zip_of(members), ArchiveLimits(max_member_bytes=1000))
    assert (code, member) == ("archive_too_large", "big.stl")


def test_members_declaring_too_many_bytes_together_are_refused() -> None:
    members = {f"cube{n}.stl": sample("unit_cube.STL") for n in range(3)}
    assert refusal(zip_of(members), ArchiveLimits(max_total_bytes=2000))[0] == "archive_too_large"


def test_a_zip_bomb_is_refused_by_its_compression_ratio() -> None:
    bomb = zip_of({"cube.stl": b"solid bomb\n" + b" " * (20 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    assert refusal(bomb) == ("archive_ratio", "cube.stl")


def test_a_member_that_inflates_past_its_declared_size_is_caught() -> None:
    honest = zip_of({"cube.stl": b"solid liar\n" + b" " * 500_000 + b"endsolid liar\n"})
    # Make the central directory claim 1,000 bytes: zipfile stops there and the CRC fails.
    entry = honest.rindex(b"PK\x01\x02")
    liar = honest[: entry + 24] + struct.pack("<I", 1000) + honest[entry + 28 :]
    assert refusal(liar)[0] == "archive_corrupt"


def test_an_encrypted_member_is_refused() -> None:
    archive = bytearray(zip_of({"cube.stl": sample("unit_cube.STL")}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # general purpose flags
        at = archive.index(signature) + offset
        archive[at] |= 0x1  # bit 0: encrypted
    assert refusal(bytes(archive))[0] == "archive_encrypted"


def test_a_zip_in_the_zip_is_refused_unless_it_is_a_3mf() -> None:
    nested = zip_of({"more.zip": sample("ascii.stl.zip")})
    assert refusal(nested) == ("archive_nested", "more.zip")


def test_a_member_that_is_no_drawing_refuses_the_archive() -> None:
    archive = zip_of({"cube.stl": sample("unit_cube.STL"), "readme.txt": b"Machined in 6061.\n"})
    assert refusal(archive) == ("archive_unknown_member", "readme.txt")


def test_an_archive_without_drawings_is_refused() -> None:
    archive = zip_of({"__MACOSX/._cube.stl": b"\x00\x05\x16\x07", "parts/": b""})
    assert refusal(archive)[0] == "archive_empty"


def test_a_truncated_zip_is_corrupt() -> None:
    archive = zip_of({"cube.stl": sample("unit_cube.STL")})
    with pytest.raises(ArchiveError) as refused:
        classify(archive[: len(archive) // 2], LIMITS)
    assert refused.value.code == "archive_corrupt"


@settings(max_examples=150, deadline=None)
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255))
def test_a_damaged_zip_is_refused_or_read_never_crashes(position: int, value: int) -> None:
    archive = bytearray(zip_of({"cube.stl": sample("unit_cube.STL"), "box.obj": sample("box.obj")}))
    archive[position % len(archive)] = value
    try:
        kind = classify(bytes(archive), LIMITS)
        if kind is Format.ZIP:
            drawings(bytes(archive), LIMITS)
    except ArchiveError:
        pass
