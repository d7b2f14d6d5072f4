"""Drawings for the tests: the real sample files, and small ones made here from the formats' own
rules (ZIP packages, a STEP of many points, solids written by OpenCascade's own writers)."""

from __future__ import annotations

import io
import struct
import zipfile

from portal.settings import ROOT

DRAWINGS = ROOT / "tests" / "data" / "drawings"  # real CAD files (trimesh, MIT): README.md

RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Type="{type}" Target="{target}" Id="rel0"/></Relationships>'
)
MODEL_TYPE = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
WORD_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def sample(name: str) -> bytes:
    return (DRAWINGS / name).read_bytes()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 4, 0, 0, 0)), data,
                             compress_type=compression)  # fmt: skip
    return buffer.getvalue()


def docx() -> bytes:
    """A minimal Word document: an OPC package like a 3MF, pointing to word/document.xml."""
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES.encode(),
            "_rels/.rels": RELS.format(type=WORD_TYPE, target="word/document.xml").encode(),
            "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
            b'openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>',
        }
    )


def three_mf(
    model: bytes, *, target: str = "/3D/3dmodel.model", name: str = "3D/3dmodel.model"
) -> bytes:
    """A 3MF package with ``model`` as its 3D model part."""
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES.encode(),
            "_rels/.rels": RELS.format(type=MODEL_TYPE, target=target).encode(),
            name: model,
        }
    )


def cube_model(size: float = 10.0, padding: int = 0) -> bytes:
    """A 3MF model part: one closed cube in millimetres, then ``padding`` bytes of white space."""
    corners = [(x, y, z) for z in (0, size) for y in (0, size) for x in (0, size)]
    triangles = [
        (0, 2, 1), (1, 2, 3), (4, 5, 6), (5, 7, 6), (0, 1, 4), (1, 5, 4),
        (2, 6, 3), (3, 6, 7), (0, 4, 2), (2, 4, 6), (1, 3, 5), (3, 7, 5),
    ]  # fmt: skip
    vertices = "".join(f'<vertex x="{x}" y="{y}" z="{z}"/>' for x, y, z in corners)
    faces = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in triangles)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<model unit="millimeter" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">'
        f'<resources><object id="1" type="model"><mesh><vertices>{vertices}</vertices>'
        f"<triangles>{faces}</triangles></mesh></object></resources>"
        f'<build><item objectid="1"/></build>{" " * padding}</model>'
    ).encode()


def binary_stl(triangles: int) -> bytes:
    """A binary STL of ``triangles`` copies of one flat triangle (not watertight)."""
    facet = struct.pack("<12fH", 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0)
    return (
        b"solid made by the tests".ljust(80, b" ")
        + struct.pack("<I", triangles)
        + facet * triangles
    )


def step_points(count: int) -> bytes:
    """A valid STEP file of ``count`` Cartesian points: slow and big to read, nothing to measure."""
    header = (
        b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('points'),'2;1');\n"
        b"FILE_NAME('points.step','2026-12-04T00:00:00',(''),(''),'','','');\n"
        b"FILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\nDATA;\n"
    )
    body = b"".join(b"#%d=CARTESIAN_POINT('',(%d.,1.,2.));\n" % (n + 1, n) for n in range(count))
    return header + body + b"ENDSEC;\nEND-ISO-10303-21;\n"


def box_step(dx: float, dy: float, dz: float, unit: str) -> bytes:
    """A box written by OpenCascade's STEP writer in ``unit`` (``MM`` or ``INCH``)."""
    from OCP.BRepPrimAPI import BRepPrimAPI_MakeBox
    from OCP.Interface import Interface_Static
    from OCP.STEPControl import STEPControl_AsIs, STEPControl_Writer

    Interface_Static.SetCVal_s("write.step.unit", unit)
    writer = STEPControl_Writer()
    writer.Transfer(BRepPrimAPI_MakeBox(dx, dy, dz).Shape(), STEPControl_AsIs)
    out = io.BytesIO()
    writer.WriteStream(out)
    return out.getvalue()


def box_iges(dx: float, dy: float, dz: float) -> bytes:
    """A solid box written by OpenCascade's IGES writer (B-rep mode, millimetres)."""
    from OCP.BRepPrimAPI import BRepPrimAPI_MakeBox
    from OCP.IGESControl import IGESControl_Writer

    writer = IGESControl_Writer("MM", 1)
    writer.AddShape(BRepPrimAPI_MakeBox(dx, dy, dz).Shape())
    writer.ComputeModel()
    out = io.BytesIO()
    writer.Write(out)
    return out.getvalue()
