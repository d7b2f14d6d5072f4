"""The content of an upload decides its format, never its name: each sniffer on real files,
on small files written by hand from the format's rules, and on what must not pass."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.drawings.formats import HEAD_SIZE, Format, sniff
from tests.support.drawings import sample


def sniffed(data: bytes) -> Format | None:
    return sniff(data[:HEAD_SIZE], len(data))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("featuretype.STEP", Format.STEP),
        ("base_interface_AP214.STEP", Format.STEP),
        ("unit_cube.STL", Format.STL_BINARY),  # binary, though its header starts with "solid"
        ("20mm-xyz-cube.stl", Format.STL_BINARY),
        ("stl_empty_bin.stl", Format.STL_BINARY),  # no triangle, but the size rule holds
        ("multibody.stl", Format.STL_ASCII),
        ("empty.stl", Format.STL_ASCII),
        ("box.obj", Format.OBJ),
        ("spline_1.dxf", Format.DXF),  # ASCII, release 10
        ("ae.r2000b.dxf", Format.DXF),  # binary DXF
        ("line.igs", Format.IGES),  # written by hand from the IGES 5.3 record layout
        ("featuretype.3MF", Format.ZIP),  # a 3MF is told from other ZIPs in the worker
        ("ascii.stl.zip", Format.ZIP),
    ],
)
def test_real_files_are_recognised_by_content(name: str, expected: Format) -> None:
    assert sniffed(sample(name)) is expected


def test_a_head_shorter_than_the_file_is_enough() -> None:
    step = sample("featuretype.STEP")
    assert sniff(step[:100], len(step)) is Format.STEP
    stl = sample("unit_cube.STL")
    assert sniff(stl[:84], len(stl)) is Format.STL_BINARY


DWG_2018 = b"AC1032" + bytes(5) + b"\x00\x01" + bytes(115)
DWG_R14 = b"AC1014" + bytes(5) + b"\x00\x01" + bytes(115)
PARASOLID = (
    b"**ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz**************************\n"
    b"**PARASOLID !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}0123456789**************************\n"
    b"**PART1;\nMC=x86;\nMC_MODEL=x86_64;\nAPPL=portal tests;\nFORMAT=text;\n"
    b"**PART2;\nSCH=SCH_2800213_28002;\n**PART3;\n**END_OF_HEADER*****************************\n"
    b"T51 : TRANSMIT FILE created by modeller version 2800213\n"
)
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff" + bytes(482)
ASCII_STL = b"solid part\n  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n"
MINIMAL_DXF = b"  0\r\nSECTION\r\n  2\r\nENTITIES\r\n  0\r\nLINE\r\n  8\r\n0\r\n 10\r\n0.0\r\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (DWG_2018, Format.DWG),
        (DWG_R14, Format.DWG),
        (PARASOLID, Format.PARASOLID),
        (PDF, Format.PDF),
        (b"\n\n%PDF-1.7\n", Format.PDF),  # readers accept a few bytes before the signature
        (OLE2, Format.SLDPRT),
        (ASCII_STL, Format.STL_ASCII),
        (MINIMAL_DXF, Format.DXF),
        (b"999\nmade by hand\n0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1009\n", Format.DXF),
        (b"\xef\xbb\xbfISO-10303-21;\r\nHEADER;\r\n", Format.STEP),
        (
            b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('see %PDF-1.4 drawing'),'2;1');\n",
            Format.STEP,
        ),
        (b"# a tetrahedron\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\n", Format.OBJ),
    ],
)
def test_hand_made_files_follow_their_signatures(data: bytes, expected: Format) -> None:
    assert sniffed(data) is expected


WINDOWS_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50) + b"PE\x00\x00" + bytes(400)
)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(WINDOWS_EXE, id="an .exe called .step"),
        pytest.param(sample("unit_cube.STL")[:-10], id="truncated binary STL"),
        pytest.param(sample("unit_cube.STL") + b"\0", id="binary STL with a byte too many"),
        pytest.param(
            b"solid state physics, chapter 2\nThe band gap of silicon\n", id="text about solids"
        ),
        pytest.param(b"ISO-10303-22 is not part 21\n", id="another ISO 10303 part"),
        pytest.param(b"AC9999 not a drawing", id="no DWG version"),
        pytest.param(
            b"**ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n", id="X_T without PART1"
        ),
        pytest.param(
            sample("line.igs").replace(b"0,          G      2", b"0,         G      2"),
            id="IGES with a broken column",
        ),
        pytest.param(sample("line.igs")[80:], id="IGES not starting with S 1"),
        pytest.param(b"v 0 0 0\nthis is not obj\n", id="text with one vertex"),
        pytest.param(b"0\nSECTION\n2\nNOTASECTION\n", id="DXF without a known section"),
        pytest.param("中文说明书\n".encode() * 20, id="Chinese text"),
    ],
)
def test_what_is_not_a_drawing_is_refused(data: bytes) -> None:
    assert sniffed(data) is None


@settings(max_examples=300, deadline=None)
@given(head=st.binary(max_size=2048), extra=st.integers(min_value=-10, max_value=10**9))
def test_random_bytes_never_raise(head: bytes, extra: int) -> None:
    result = sniff(head, len(head) + extra)
    assert result is None or isinstance(result, Format)


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(
        [b"ISO-10303-21;", b"solid ", b"AC10", b"%PDF-", b"PK\x03\x04", b"0\nSECTION\n"]
    ),
    rest=st.binary(max_size=512),
)
def test_signatures_followed_by_noise_never_raise(prefix: bytes, rest: bytes) -> None:
    data = prefix + rest
    result = sniffed(data)
    assert result is None or isinstance(result, Format)
