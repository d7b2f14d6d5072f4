"""Where each drawing goes in the copy: ``drawings/<quote reference or unattached>/<its name>``.

A drawing keeps the name the customer's computer gave it, made safe to unpack anywhere: no
character that Windows, macOS or Linux refuses in a file name or reads as a path, no name that
Windows reserves for a device (``CON``, ``COM1`` …), no trailing dot or space, at most
:data:`MAX_NAME_BYTES` bytes of UTF-8, and unique in its folder regardless of case (two
``bracket.step`` become ``bracket.step`` and ``bracket (2).step``), since Windows and macOS fold
case.

    paths = drawing_paths([("Q-7K3M9XQ2", "支架.STEP"), (None, "a/b?.stl"), (None, "a_b_.stl")])
    # ['drawings/Q-7K3M9XQ2/支架.STEP', 'drawings/unattached/a_b_.stl',
    #  'drawings/unattached/a_b_ (2).stl']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

FOLDER = "drawings"
UNATTACHED = "unattached"  # drawings sent with no quote request (yet)
MAX_NAME_BYTES = 200  # common file systems allow 255 bytes: room for " (123)" and a folder
FALLBACK = "drawing"

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{n}" for n in range(1, 10)]
    + [f"LPT{n}" for n in range(1, 10)]
)


def safe_name(name: str, fallback: str = FALLBACK) -> str:
    """``name`` as a file name that unpacks on any system (see this module)."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip().rstrip(". ")
    if not name.strip("."):
        name = fallback
    stem, extension = _split(name)
    if stem.split(".")[0].upper() in _DEVICES:
        stem = "_" + stem
    return _shortened(stem, extension)


def _split(name: str) -> tuple[str, str]:
    """``("bracket", ".step")``; a name with no extension, or only one, keeps it all as stem."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        return name, ""
    return stem, "." + extension


def _shortened(stem: str, extension: str, limit: int = MAX_NAME_BYTES) -> str:
    """``stem + extension`` in at most ``limit`` bytes of UTF-8, cut in the stem, by characters."""
    room = limit - len(extension.encode())
    if room <= 0:
        stem, extension, room = stem + extension, "", limit
    cut = stem.encode()[:room].decode("utf-8", "ignore").rstrip(". ")
    return (cut or FALLBACK) + extension


def drawing_paths(drawings: Iterable[tuple[str | None, str]]) -> list[str]:
    """The path in the copy of each ``(quote reference or None, file name)``, in order."""
    taken: dict[str, set[str]] = {}
    paths = []
    for reference, filename in drawings:
        folder = safe_name(reference) if reference else UNATTACHED
        used = taken.setdefault(folder.casefold(), set())
        name = safe_name(filename)
        stem, extension = _split(name)
        number = 1
        while name.casefold() in used:
            number += 1
            name = _shortened(stem, f" ({number}){extension}")
        used.add(name.casefold())
        paths.append(f"{FOLDER}/{folder}/{name}")
    return paths
