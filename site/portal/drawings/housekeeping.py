"""The worker's part in keeping the drawing store clean.

- Unfinished uploads a killed process left. A web process that dies mid-upload (a crash, a
  deploy's SIGKILL) cannot abort its write: the local store keeps a hidden temporary file, S3 an
  incomplete multipart upload (invisible, but billed). Every round removes those started more
  than :data:`ABANDONED_AFTER` ago, longer than any upload takes, so a live one is never touched.
- Drawings uploaded but never sent with a quote request: a form sent back with a mistake keeps
  the customer's drawings for the next try (``portal.quotes.services``); a customer who never
  tries again leaves them. They are deleted, object and row, :data:`UNATTACHED_AFTER` after
  their upload.
- Objects of drawings whose rows a deleted account took with it, when the process deleting
  them died first (``portal.drawings.deletions``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from portal.db import utcnow
from portal.drawings.deletions import finish_abandoned
from portal.drawings.models import Drawing
from portal.drawings.services import discard_drawing
from portal.drawings.storage import DrawingStorage

logger = logging.getLogger("portal.drawings")

ABANDONED_AFTER = timedelta(hours=6)
UNATTACHED_AFTER = timedelta(hours=24)


async def remove_abandoned_uploads(
    storage: DrawingStorage, *, older_than: timedelta = ABANDONED_AFTER
) -> int:
    """One round: remove the unfinished uploads started before ``older_than`` ago."""
    removed = await storage.remove_abandoned(older_than)
    if removed:
        logger.info("removed %d upload(s) a stopped process left unfinished", removed)
    return removed


async def remove_unattached_drawings(
    sessions: async_sessionmaker[AsyncSession],
    storage: DrawingStorage,
    *,
    older_than: timedelta = UNATTACHED_AFTER,
) -> int:
    """One round: delete the drawings no request holds, uploaded before ``older_than`` ago."""
    removed = 0
    async with sessions() as session:
        found = await session.execute(
            select(Drawing).where(
                col(Drawing.quote_id).is_(None), col(Drawing.created_at) < utcnow() - older_than
            )
        )
        for drawing in found.scalars().all():
            await discard_drawing(session=session, storage=storage, drawing=drawing)
            removed += 1
    if removed:
        logger.info("deleted %d drawing(s) never sent with a quote request", removed)
    return removed


async def run_drawing_housekeeping(
    storage: DrawingStorage,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    *,
    interval: float = 3600.0,
    stop: asyncio.Event | None = None,
) -> None:
    """A round every ``interval`` seconds until ``stop`` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await remove_abandoned_uploads(storage)
            if sessions is not None:
                await remove_unattached_drawings(sessions, storage)
                await finish_abandoned(sessions, storage)
        except Exception:
            logger.exception("drawings housekeeping round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
