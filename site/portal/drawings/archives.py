"""ZIP containers: a 3MF package, an archive of drawings, or neither (an Office document).

Everything here trusts nothing in the ZIP and runs in the geometry worker, never in the web
process. The central directory is checked before any member is read: the number of members, safe
names (no absolute path, no ``..``, no drive letter, no control character, no duplicate, no
symbolic link), no encryption, declared sizes per member and in total, and the declared
compression ratio (a zip bomb declares its inflated size, or lies about it; a member that inflates
past its declared size fails :mod:`zipfile`'s own size and CRC checks, reported as corrupt).
Members are then read with a bound, so a lie costs at most the limit.

A 3MF is an OPC package whose ``_rels/.rels`` holds a relationship of the 3MF core type
(``.../3dmanufacturing/2013/01/3dmodel``) to a member that exists, normally ``/3D/3dmodel.model``.
Other OPC packages (``.docx``, ``.xlsx``: same ``[Content_Types].xml`` and ``_rels/.rels``) are not
drawings. Any other ZIP is an archive of drawings: each member is sniffed
(:func:`portal.drawings.formats.sniff`) and must be one of the accepted formats; a ZIP inside it
is accepted only when it is a 3MF (one level), never another archive.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from portal.drawings.formats import HEAD_SIZE, Format, sniff

MODEL_RELATIONSHIP = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
_RELS_MAX = 64 * 1024
# What zipfile raises on a damaged archive (ValueError covers undecodable names; NotImplementedError
# an unknown version or compression method).
_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    OSError,
    EOFError,
    ValueError,
    struct.error,
)
_IGNORED_PREFIXES = ("__MACOSX/",)  # the Finder's AppleDouble companions, not drawings


@dataclass(frozen=True)
class ArchiveLimits:
    """What a ZIP (an archive of drawings or a 3MF package) may declare."""

    max_members: int = 100
    max_member_bytes: int = 256 * 1024 * 1024
    max_total_bytes: int = 512 * 1024 * 1024
    max_ratio: int = 100
    """Inflated size over compressed size, checked on members larger than ``ratio_floor``."""
    ratio_floor: int = 1024 * 1024


class ArchiveError(Exception):
    """A ZIP refused. ``code`` is stable (the site translates it); ``member`` names the culprit."""

    def __init__(self, code: str, member: str | None = None) -> None:
        super().__init__(f"{code}: {member}" if member else code)
        self.code = code
        self.member = member


@dataclass(frozen=True)
class Member:
    """One drawing found in an archive."""

    name: str
    format: Format
    data: bytes


def open_zip(data: bytes, limits: ArchiveLimits) -> zipfile.ZipFile:
    """Open ``data`` as a ZIP and check its central directory against ``limits``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (*_BROKEN, zipfile.LargeZipFile) as error:
        raise ArchiveError("archive_corrupt") from error
    if len(infos) > limits.max_members:
        raise ArchiveError("archive_too_many_members")
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if not _safe_name(name):
            raise ArchiveError("archive_unsafe_name", _printable(name))
        if name in names:
            raise ArchiveError("archive_unsafe_name", _printable(name))
        names.add(name)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveError("archive_unsafe_name", name)
        if info.flag_bits & 0x1:
            raise ArchiveError("archive_encrypted", name)
        if info.file_size > limits.max_member_bytes:
            raise ArchiveError("archive_too_large", name)
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveError("archive_too_large", name)
        if info.file_size > limits.ratio_floor and (
            info.compress_size == 0 or info.file_size > limits.max_ratio * info.compress_size
        ):
            raise ArchiveError("archive_ratio", name)
    return archive


def _safe_name(name: str) -> bool:
    if not name or any(ord(char) < 32 or ord(char) == 127 for char in name):
        return False
    path = name.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return False
    return ".." not in path.split("/")


def _printable(name: str) -> str:
    return "".join(char if char.isprintable() else "?" for char in name)[:200]


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits) -> bytes:
    """A member's bytes, never more than its checked declaration (:func:`open_zip`)."""
    bound = min(info.file_size, limits.max_member_bytes)
    try:
        with archive.open(info) as member:
            data = member.read(bound + 1)
    except _BROKEN as error:
        raise ArchiveError("archive_corrupt", info.filename) from error
    except RuntimeError as error:  # zipfile's "encrypted, password required"
        raise ArchiveError("archive_encrypted", info.filename) from error
    if len(data) > bound:
        raise ArchiveError("archive_corrupt", info.filename)
    return data


def model_part(archive: zipfile.ZipFile, limits: ArchiveLimits) -> str | None:
    """The 3D model member a 3MF package points to, or None when the ZIP is no OPC package.

    Raises ``3mf_no_model`` when the package's relationships name no model, or one it lacks,
    and the package is not some other OPC document (Office files have relationships too).
    """
    try:
        rels = archive.getinfo("_rels/.rels")
    except KeyError:
        return None
    if rels.file_size > _RELS_MAX:
        raise ArchiveError("archive_too_large", rels.filename)
    try:
        root = ElementTree.fromstring(read_member(archive, rels, limits))  # noqa: S314 (bounded, in the worker)
    except ElementTree.ParseError as error:
        raise ArchiveError("archive_corrupt", rels.filename) from error
    names = set(archive.namelist())
    declares_model = False
    for relationship in root.iter():
        if not relationship.tag.endswith("Relationship"):
            continue
        if relationship.get("Type", "").strip() != MODEL_RELATIONSHIP:
            continue
        declares_model = True
        target = relationship.get("Target", "").strip().lstrip("/")
        if target in names:
            return target
    if declares_model or any(name.lower().startswith("3d/") for name in names):
        raise ArchiveError("3mf_no_model")
    return None


def classify(data: bytes, limits: ArchiveLimits) -> Format | None:
    """What a ZIP is: :attr:`Format.THREE_MF`, :attr:`Format.ZIP` (drawings), or None.

    None means another OPC package (a ``.docx``, an ``.xlsx``): not a drawing. Raises
    :class:`ArchiveError` when the ZIP breaks a limit or is corrupt.
    """
    with open_zip(data, limits) as archive:
        if model_part(archive, limits) is not None:
            return Format.THREE_MF
        if "[Content_Types].xml" in archive.namelist():
            return None
        return Format.ZIP


def drawings(data: bytes, limits: ArchiveLimits) -> list[Member]:
    """The drawings of an archive, each sniffed; an unknown member or a nested archive refuses
    the whole archive (so nothing is half accepted). A nested 3MF is checked the same way."""
    with open_zip(data, limits) as archive:
        found: list[Member] = []
        for info in archive.infolist():
            if info.is_dir() or info.filename.startswith(_IGNORED_PREFIXES):
                continue
            content = read_member(archive, info, limits)
            kind = sniff(content[:HEAD_SIZE], len(content))
            if kind is Format.ZIP:
                if classify(content, limits) is not Format.THREE_MF:
                    raise ArchiveError("archive_nested", info.filename)
                kind = Format.THREE_MF
            if kind is None:
                raise ArchiveError("archive_unknown_member", _printable(info.filename))
            found.append(Member(info.filename, kind, content))
    if not found:
        raise ArchiveError("archive_empty")
    return found
