"""Deleting drawings' ciphertext from the store once their rows are gone, crash or no crash.

The database and the drawing store cannot share a transaction. A service that deletes many
drawings' rows at once (an account's, ``portal.accounts.deregistration``) therefore:

1. :func:`queue_deletions` with the objects' keys, in the transaction that deletes the rows;
2. commits;
3. :func:`finish_deletions` with the same keys: each object is deleted, then its queue row.

A process that dies after the commit leaves queue rows; the service run again, or the worker's
round (:func:`finish_abandoned`), deletes what they name. Deleting a missing object is not an
error, so finishing twice is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from portal.db import utcnow
from portal.drawings.models import DrawingDeletion
from portal.drawings.storage import DrawingStorage, StorageError

logger = logging.getLogger("portal.drawings")

#: Queue rows older than this belong to a process that died (a deletion takes seconds).
ABANDONED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Finished:
    """How many objects were deleted, and how many stay queued (the store failed)."""

    deleted: int
    left: int


def queue_deletions(session: AsyncSession, keys: Iterable[str]) -> None:
    """Queue the objects ``keys`` for deletion; the caller's commit makes it real."""
    session.add_all(DrawingDeletion(storage_key=key) for key in keys)


async def finish_deletions(
    *, session: AsyncSession, storage: DrawingStorage, keys: Sequence[str]
) -> Finished:
    """Delete the queued objects ``keys`` from the store, then their queue rows; commits.

    An object the store fails to delete stays queued (and logged, by key alone: keys name no
    one) for the worker's next round; the others are done.
    """
    deleted: list[str] = []
    for key in keys:
        try:
            await storage.delete(key)
        except (StorageError, OSError):
            logger.warning("a deleted drawing's object stays in the store for now: %s", key)
            continue
        deleted.append(key)
    if deleted:
        await session.execute(
            delete(DrawingDeletion).where(col(DrawingDeletion.storage_key).in_(deleted))
        )
        await session.commit()
    return Finished(len(deleted), len(keys) - len(deleted))


async def finish_abandoned(
    sessions: async_sessionmaker[AsyncSession],
    storage: DrawingStorage,
    *,
    older_than: timedelta = ABANDONED_AFTER,
) -> Finished:
    """The worker's round: finish the deletions queued before ``older_than`` ago."""
    async with sessions() as session:
        keys = list(
            await session.scalars(
                select(col(DrawingDeletion.storage_key)).where(
                    col(DrawingDeletion.queued_at) < utcnow() - older_than
                )
            )
        )
        finished = await finish_deletions(session=session, storage=storage, keys=keys)
    if finished.deleted:
        logger.info("deleted %d object(s) of deleted drawings left in the store", finished.deleted)
    return finished
