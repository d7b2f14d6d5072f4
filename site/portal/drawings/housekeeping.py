"""The worker's part in keeping the drawing store clean: unfinished uploads a killed process left.

A web process that dies mid-upload (a crash, a deploy's SIGKILL) cannot abort its write: the
local store keeps a hidden temporary file, S3 an incomplete multipart upload (invisible, but
billed). Every round removes those started more than :data:`ABANDONED_AFTER` ago, longer than
any upload takes, so a live one is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from portal.drawings.storage import DrawingStorage

logger = logging.getLogger("portal.drawings")

ABANDONED_AFTER = timedelta(hours=6)


async def remove_abandoned_uploads(
    storage: DrawingStorage, *, older_than: timedelta = ABANDONED_AFTER
) -> int:
    """One round: remove the unfinished uploads started before ``older_than`` ago."""
    removed = await storage.remove_abandoned(older_than)
    if removed:
        logger.info("removed %d upload(s) a stopped process left unfinished", removed)
    return removed


async def run_drawing_housekeeping(
    storage: DrawingStorage, *, interval: float = 3600.0, stop: asyncio.Event | None = None
) -> None:
    """A round every ``interval`` seconds until ``stop`` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await remove_abandoned_uploads(storage)
        except Exception:
            logger.exception("drawings housekeeping round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
