"""What the quote pages say about a drawing, in the reader's language.

Every refusal code of the upload (``portal.quotes.uploads``) and of the geometry reader
(``portal.drawings.geometry.ERROR_CODES``) has a sentence here, and a test renders each one in
both languages, so a new code cannot reach a customer as a bare key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal import i18n
from portal.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from portal.quotes.uploads import UploadLimits

# Why a file was refused at upload; ``%(name)s`` is its file name.
UPLOAD_PROBLEMS = {
    "too_many": _l(
        "%(name)s: a request takes at most %(count)s drawings. Send the others in another request."
    ),
    "too_large": _l(
        "%(name)s is larger than %(size)s, the most one drawing may be. Nothing of it was kept."
    ),
    "empty": _l("%(name)s is empty."),
    "unknown_format": _l(
        "%(name)s is not a drawing we can accept. We take STEP, IGES, STL, 3MF, OBJ, DXF, DWG, "
        "Parasolid, SolidWorks parts and PDF, or a ZIP of these; the content decides, not the name."
    ),
    "filename_empty": _l("A file without a name was sent. Choose the file again."),
    "filename_path": _l("%(name)s: the file name must not contain a folder path."),
    "filename_too_long": _l(
        "%(name)s: the file name is too long. Rename the file to at most 255 characters."
    ),
    "filename_line_break": _l("%(name)s: the file name contains a line break. Rename the file."),
    "filename_invisible": _l(
        "%(name)s: the file name contains an invisible or control character. Rename the file."
    ),
    "filename_marks": _l(
        "%(name)s: the file name stacks too many accents on one letter. Rename the file."
    ),
    "filename_blank": _l("A file whose name has no visible character was sent. Rename the file."),
    # The geometry worker's refusals of a ZIP or 3MF container (and anything it may answer).
    "3mf_no_model": _l("%(name)s is a 3MF package without its 3D model."),
    "archive_corrupt": _l("%(name)s is a damaged ZIP file. Create the archive again."),
    "archive_too_many_members": _l(
        "%(name)s holds too many files. Send at most 100 drawings per archive."
    ),
    "archive_unsafe_name": _l(
        "%(name)s holds a file whose name is a path outside the archive, a link or a duplicate. "
        "Create the archive again from the drawings themselves."
    ),
    "archive_encrypted": _l("%(name)s is protected by a password. Send the archive without one."),
    "archive_too_large": _l("%(name)s unpacks to more than we can read."),
    "archive_ratio": _l(
        "%(name)s unpacks to far more than its own size, as an archive built to exhaust a "
        "server does. It was refused."
    ),
    "archive_nested": _l("%(name)s holds another ZIP. Send the drawings in one archive."),
    "archive_unknown_member": _l(
        "%(name)s holds a file that is not a drawing we accept. Send only drawings in the archive."
    ),
    "archive_empty": _l("%(name)s holds no drawings."),
}

# What reading found, for a drawing kept (the request's page and the staff console).
READING_PROBLEMS = {
    "unknown_format": _l("Not a format we can measure."),
    "too_large": _l("Too large to measure at once."),
    "timeout": _l("Reading took too long."),
    "cpu_limit": _l("Reading took too long."),
    "memory_limit": _l("Reading needed more memory than we allow."),
    "parse_failed": _l("The file could not be read: it may be damaged or incomplete."),
    "empty_geometry": _l("The file holds no solid or surface to measure."),
    "worker_failed": _l("The file could not be read."),
}
_GENERIC_READING = _l("The file could not be read.")


def file_problem(code: str, name: str, *, limits: UploadLimits) -> str:
    """The sentence for a refused upload (``code`` from ``UPLOAD_PROBLEMS``, or a geometry
    worker's code, which falls back to the reading's sentence)."""
    message = UPLOAD_PROBLEMS.get(code)
    if message is None:  # a reading problem of an archive's member
        return i18n.gettext(
            "%(name)s: %(problem)s", name=name, problem=READING_PROBLEMS.get(code, _GENERIC_READING)
        )
    return i18n.gettext(
        message.message,
        name=name,
        count=limits.max_drawings,
        size=i18n.format_size(limits.max_drawing_bytes),
    )


def reading_problem(code: str | None) -> str:
    """The sentence for a drawing kept but not measured (its ``error_code``)."""
    return str(READING_PROBLEMS.get(code or "", _GENERIC_READING))
