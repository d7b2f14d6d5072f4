"""A file sent to the browser as a download, streamed: a drawing decrypted piece by piece.

The name a customer gave the file is shown in the browser's save dialog through RFC 6266's
``filename*`` (UTF-8, percent-encoded), with an ASCII ``filename`` fallback for old clients;
neither can carry a quote, a path or a line break into the header. The body is never cached
(``no-store``: it is a customer's drawing), and ``nosniff`` keeps a browser from running an
HTML or SVG file someone called a drawing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.responses import StreamingResponse


def content_disposition(filename: str) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…`` for ``filename``."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch for ch in ascii_name if ch.isprintable() and ch not in '"\\/;')
    ascii_name = ascii_name.strip() or "drawing"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(chunks: AsyncIterator[bytes], *, filename: str, size: int) -> StreamingResponse:
    """Stream ``chunks`` (``size`` bytes in all) as a download called ``filename``."""
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(filename),
            "Content-Length": str(size),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
