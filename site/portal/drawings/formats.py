"""What kind of drawing a file is, decided by its content, never by its name.

No maintained library recognises these formats (libmagic, puremagic and filetype miss STEP, IGES,
STL, OBJ and Parasolid, and call a 3MF a Word document), so each format has a small sniffer here
written from the format's own signature. :func:`sniff` looks at the first :data:`HEAD_SIZE`
bytes of a file and its total size, so the upload route can call it on the first chunk of a
stream (and again with the final size: a binary STL is only recognised by its size).

What each sniffer checks:

- **STEP** (ISO 10303-21): the file starts with ``ISO-10303-21;`` (after an optional UTF-8 byte
  order mark and white space), followed by a ``HEADER;`` section.
- **IGES** (IGES 5.3): fixed 80-column records whose column 73 holds the section letter
  (S start, G global, D directory, P parameter, T terminate) and columns 74-80 a sequence number.
  The first record is ``S`` number 1, sections never go backwards, and every complete record in
  the head follows the rule.
- **STL, ASCII**: ``solid`` then a ``facet normal`` or ``endsolid`` keyword, all in plain text.
  Many binary STLs also start with ``solid`` in their 80-byte header, so text alone decides.
- **STL, binary**: 80-byte header, a little-endian triangle count, and a total size of exactly
  ``84 + 50 × count`` bytes.
- **3MF**: a ZIP (``PK\\x03\\x04``). From the head alone a 3MF and any other ZIP (an archive of
  drawings, or a ``.docx``) look alike: :func:`sniff` answers :attr:`Format.ZIP`, and
  :func:`portal.drawings.archives.classify` opens the package in the geometry worker and decides
  (3MF when ``_rels/.rels`` has a 3D-model relationship to a member that exists).
- **OBJ**: text lines starting with OBJ keywords (``v``, ``vt``, ``vn``, ``f``, ``o``, ``g``,
  ``mtllib``, ...) or comments, with at least one vertex ``v x y z``.
- **DXF**: ASCII DXF is pairs of lines (an integer group code, then a value) starting with
  ``0``/``SECTION``, ``2``/one of the DXF section names (999 comments may come first); binary
  DXF starts with the sentinel ``AutoCAD Binary DXF\\r\\n\\x1a\\x00``.
- **DWG**: the six-byte version magic ``AC10nn`` (``AC1001`` release 2.2 to ``AC1032``
  AutoCAD 2018 and later).
- **Parasolid X_T** (text transmit file): the line of ``**ABCDEFGHIJKLMNOPQRSTUVWXYZ`` +
  ``abcdefghijklmnopqrstuvwxyz`` that opens every transmit file, and a ``**PART1;`` line in the
  head. Binary transmit files (``.x_b``) are not accepted.
- **SLDPRT**: only SolidWorks files up to version 2014, which are OLE2 compound files
  (``D0 CF 11 E0 A1 B1 1A E1``). That signature is also the one of old Office documents (``.doc``,
  ``.xls``) and nothing public tells a SolidWorks compound file apart without its proprietary
  streams, so a ``.doc`` passes as SLDPRT (it is only stored for staff, never parsed). SolidWorks
  2015 and later write a proprietary format with no published signature: such files are not
  recognised, and customers are asked for a STEP export.
- **PDF**: ``%PDF-`` and a version digit within the first 1024 bytes (as PDF readers accept).
"""

from __future__ import annotations

import enum
import re
import struct

HEAD_SIZE = 8192
"""How many leading bytes :func:`sniff` wants (it works with fewer, for short files)."""


class Format(enum.StrEnum):
    """The drawing formats the portal accepts. The values are stable: they are stored."""

    STEP = "step"
    IGES = "iges"
    STL_ASCII = "stl_ascii"
    STL_BINARY = "stl_binary"
    THREE_MF = "3mf"
    OBJ = "obj"
    DXF = "dxf"
    DWG = "dwg"
    PARASOLID = "x_t"
    SLDPRT = "sldprt"
    PDF = "pdf"
    ZIP = "zip"

    @property
    def is_mesh(self) -> bool:
        """Triangle meshes: trimesh reads them."""
        return self in {Format.STL_ASCII, Format.STL_BINARY, Format.THREE_MF, Format.OBJ}

    @property
    def is_brep(self) -> bool:
        """Exact solids: OpenCascade reads them."""
        return self in {Format.STEP, Format.IGES}

    @property
    def has_geometry(self) -> bool:
        """Whether the portal reads a size and volume from it (others go to manual quoting)."""
        return self.is_mesh or self.is_brep


_BOM = b"\xef\xbb\xbf"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_DXF = b"AutoCAD Binary DXF\r\n\x1a\x00"
_PARASOLID = b"**ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DWG = re.compile(rb"AC10(0[1-9]|1[0-9]|2[0-9]|3[0-2])")
_PDF = re.compile(rb"%PDF-[12]\.[0-9]")
_DXF_SECTIONS = frozenset(
    {"HEADER", "CLASSES", "TABLES", "BLOCKS", "ENTITIES", "OBJECTS", "THUMBNAILIMAGE", "ACDSDATA"}
)
_OBJ_KEYWORDS = frozenset(
    {
        "v", "vt", "vn", "vp", "f", "l", "p", "o", "g", "s", "mtllib", "usemtl",
        "cstype", "deg", "curv", "curv2", "surf", "parm", "trim", "hole", "end", "con",
        "mg", "lod", "bevel", "c_interp", "d_interp", "shadow_obj", "trace_obj",
    }
)  # fmt: skip
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_IGES_SECTIONS = "SGDPT"


def sniff(head: bytes, size: int) -> Format | None:
    """The format of a file whose first bytes are ``head`` and whose total size is ``size``.

    ``head`` should be the first :data:`HEAD_SIZE` bytes (or the whole file when it is shorter).
    Never raises; ``None`` means the content is none of the accepted formats.
    :attr:`Format.ZIP` means "a ZIP container": the geometry worker decides whether it is a 3MF,
    an archive of drawings, or neither (:func:`portal.drawings.archives.classify`).
    """
    if not head or size <= 0:
        return None
    if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP)):
        return Format.ZIP
    if head.startswith(_OLE2_MAGIC):
        return Format.SLDPRT
    if head.startswith(_BINARY_DXF):
        return Format.DXF
    if _DWG.match(head):
        return Format.DWG
    if _PDF.match(head):
        return Format.PDF
    text = _as_text(head)
    if text is not None:
        for check, found in (
            (is_step, Format.STEP),
            (is_parasolid, Format.PARASOLID),
            (is_iges, Format.IGES),
            (is_ascii_stl, Format.STL_ASCII),
            (is_dxf, Format.DXF),
            (is_obj, Format.OBJ),
        ):
            if check(text):
                return found
    if _PDF.search(head[:1024]):  # after the text formats, which may quote "%PDF-" early on
        return Format.PDF
    if is_binary_stl(head, size):
        return Format.STL_BINARY
    return None


def _as_text(head: bytes) -> str | None:
    """The head as text when it is plain text (UTF-8 or Latin-1, no control bytes but layout)."""
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end in the middle of a multi-byte character.
        if error.start < len(head) - 3:
            text = head.decode("latin-1")
        else:
            text = head[: error.start].decode("utf-8")
    if any(ord(char) < 32 and char not in "\t\n\r\f" for char in text):
        return None
    return text


def is_step(text: str) -> bool:
    """ISO 10303-21: the exchange structure's keyword, then the header section."""
    stripped = text.lstrip()
    if not stripped.startswith("ISO-10303-21;"):
        return False
    rest = stripped[len("ISO-10303-21;") :].lstrip()
    # A comment may stand between them; a short head may end before HEADER.
    rest = re.sub(r"^(/\*.*?\*/\s*)+", "", rest, flags=re.DOTALL)
    return rest.startswith("HEADER;") or len(text) < 64


def is_parasolid(text: str) -> bool:
    """A Parasolid text transmit file: its alphabet line, then ``**PART1;`` in the preamble."""
    return text.startswith(_PARASOLID.decode()) and "**PART1;" in text


def is_iges(text: str) -> bool:
    """IGES fixed-format records: section letter in column 73, sequence number in 74-80."""
    lines = text.splitlines()
    if not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the head may cut the last record
    if not lines:
        return False
    previous = 0
    for number, line in enumerate(lines):
        record = line.rstrip("\r")
        if len(record) != 80:
            return False
        letter, sequence = record[72], record[73:80].strip()
        if letter not in _IGES_SECTIONS or not sequence.isdigit():
            return False
        section = _IGES_SECTIONS.index(letter)
        if number == 0 and (letter != "S" or int(sequence) != 1):
            return False
        if section < previous:
            return False
        previous = section
    return True


def is_ascii_stl(text: str) -> bool:
    """ASCII STL: ``solid name`` then facets (or at once ``endsolid``), all text."""
    stripped = text.lstrip()
    if not re.match(r"solid(\s|$)", stripped):
        return False
    body = stripped.split("\n", 1)[1] if "\n" in stripped else ""
    words = body.split(None, 2)
    if not words:
        return len(text) < 80  # a very short head: the text test alone
    return words[0] == "endsolid" or words[:2] == ["facet", "normal"]


def is_dxf(text: str) -> bool:
    """ASCII DXF: group code / value line pairs, opening with a SECTION and its name."""
    lines = [line.strip() for line in text.splitlines()]
    pairs = list(zip(lines[0::2], lines[1::2], strict=False))
    while pairs and pairs[0][0] == "999":
        pairs.pop(0)
    if len(pairs) < 2:
        return False
    return pairs[0] == ("0", "SECTION") and pairs[1][0] == "2" and pairs[1][1] in _DXF_SECTIONS


def is_obj(text: str) -> bool:
    """Wavefront OBJ: every statement starts with an OBJ keyword, and there is a vertex."""
    lines = text.splitlines()
    if not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]
    vertices = 0
    for line in lines:
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] not in _OBJ_KEYWORDS:
            return False
        if words[0] == "v":
            if len(words) < 4 or not all(_NUMBER.fullmatch(word) for word in words[1:4]):
                return False
            vertices += 1
    return vertices > 0


def is_binary_stl(head: bytes, size: int) -> bool:
    """Binary STL: 80-byte header, a uint32 triangle count, 50 bytes per triangle, nothing else."""
    if len(head) < 84:
        return False
    count: int = struct.unpack_from("<I", head, 80)[0]
    return size == 84 + 50 * count
