"""Reading a quote's drawings in the background, and the instant estimate that follows.

A drawing is stored the moment it is uploaded (``status`` "stored"); reading it means
decrypting it into the resource-limited child of :mod:`portal.drawings.geometry`, which takes
from a tenth of a second to the two-minute wall-clock limit. Neither the upload's request nor a
database transaction waits for that: the web process (right after an upload, to refuse a bad
archive at once, or as a background task) and the worker (:func:`run_reader`, for whatever is
left) both call :func:`read_drawing`, and may do so for the same drawing at the same time.

How they stay out of each other's way:

- **The claim.** Reading starts with one conditional ``UPDATE`` (``stored`` → ``reading``, with
  the claim's time), committed before anything is decrypted: of two callers, exactly one changes
  the row and reads; the other gets None. No transaction is open while the child works.
- **The result** is written only where the claim still stands (same status and claim time), so
  a drawing deleted meanwhile, or handed back and claimed again, is not overwritten by a stale
  reader.
- **Dead readers.** A process killed mid-read leaves its claim behind; the worker hands a claim
  older than twice the wall-clock limit back (``reading`` → ``stored``) and reads it again.
- **The estimate** (:func:`refresh_estimate`) is recomputed after each drawing from all of the
  quote's drawings, under a lock on the quote's row taken before they are read: when two
  drawings of one quote finish together, the second to refresh sees both, so the quote never
  stays "pending" with every drawing read.

A drawing that cannot be read is not an error to the customer: it is "unreadable" with a code
(:data:`portal.drawings.geometry.ERROR_CODES`), and the quote goes to staff without an estimate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from portal.crypto import DataKeys, DecryptionError
from portal.db import rowcount, utcnow
from portal.drawings.geometry import GeometryError, GeometryLimits, Part, Report, measure_async
from portal.drawings.models import Drawing, DrawingStatus
from portal.drawings.services import DrawingNotFound, decrypted
from portal.drawings.storage import DrawingStorage
from portal.quotes.models import QuoteRequest
from portal.quotes.pricing import Choice, NoEstimate, PartGeometry, estimate
from portal.quotes.rates import Pricing

logger = logging.getLogger("portal.quotes")

#: ``estimate_note`` while any of the quote's drawings is still to be read.
PENDING = "pending"

#: The drawing's ciphertext could not be decrypted (``ERROR_CODES``): the owner's key was
#: erased, or the object was altered or is gone.
UNDECRYPTABLE = "undecryptable"

_UNFINISHED = (DrawingStatus.STORED, DrawingStatus.READING)


# -- the parts as stored -------------------------------------------------------------------------


def part_json(part: Part) -> dict[str, object]:
    """One part as ``drawings.parts`` keeps it: what the estimate and the pages need."""
    geometry = part.geometry
    return {
        "name": part.name,
        "format": part.format.value,
        "error": part.error,
        "geometry": None
        if geometry is None
        else {
            "size_mm": [float(side) for side in geometry.size_mm],
            "volume_mm3": geometry.volume_mm3,
            "area_mm2": geometry.area_mm2,
            "watertight": geometry.watertight,
            "declared_units": geometry.declared_units,
            "solids": geometry.solids,
            "triangles": geometry.triangles,
        },
    }


def part_geometries(drawing: Drawing) -> list[PartGeometry | None]:
    """What the formula needs from each part of ``drawing``, None for a part without geometry.

    A drawing not (yet) read counts as one part without geometry, so a quote holding it gets
    no estimate rather than an estimate for fewer parts than were sent.
    """
    if drawing.status != DrawingStatus.READ or not drawing.parts:
        return [None]
    found: list[PartGeometry | None] = []
    for part in drawing.parts:
        geometry: Any = part.get("geometry")
        if not isinstance(geometry, dict):
            found.append(None)
            continue
        x, y, z = (float(side) for side in geometry["size_mm"])
        found.append(
            PartGeometry(
                size_mm=(x, y, z),
                volume_mm3=geometry.get("volume_mm3"),
                area_mm2=geometry.get("area_mm2"),
            )
        )
    return found


# -- the estimate --------------------------------------------------------------------------------


async def refresh_estimate(session: AsyncSession, pricing: Pricing, quote_id: int) -> None:
    """Store the quote's estimate as its drawings now allow; commits.

    "pending" while any drawing is stored or being read; else the formula over every part of
    every drawing, or why there is none (``NoEstimate``'s value, the numbers None). The quote's
    row is written first (``updated_at``): that locks it (PostgreSQL's row lock, SQLite's write
    lock) before the drawings are read, so concurrent refreshes of one quote take turns and the
    last sees every drawing's final status. Call it with no transaction of the caller's open.
    """
    locked = await session.execute(
        update(QuoteRequest).where(col(QuoteRequest.id) == quote_id).values(updated_at=utcnow())
    )
    if rowcount(locked) != 1:  # deleted meanwhile (cancelled, or its owner's account)
        await session.rollback()
        return
    quote = (
        await session.execute(
            select(QuoteRequest)
            .where(col(QuoteRequest.id) == quote_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    drawings = list(
        (
            await session.execute(
                select(Drawing)
                .where(col(Drawing.quote_id) == quote_id)
                .order_by(col(Drawing.created_at), col(Drawing.id))
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    quote.estimate_low = quote.estimate_high = quote.estimate_days = None
    if any(drawing.status in _UNFINISHED for drawing in drawings):
        quote.estimate_note = PENDING
    else:
        choice = Choice(
            quote.process, quote.material, quote.finish, quote.tolerance, quote.quantity
        )
        parts = [part for drawing in drawings for part in part_geometries(drawing)]
        result = estimate(pricing, choice, parts)
        if isinstance(result, NoEstimate):
            quote.estimate_note = result.value
        else:
            quote.estimate_note = ""
            quote.estimate_low, quote.estimate_high = result.low, result.high
            quote.estimate_days = result.lead_days
    quote.updated_at = utcnow()
    session.add(quote)
    await session.commit()


# -- reading one drawing -------------------------------------------------------------------------


async def _claim(
    sessions: async_sessionmaker[AsyncSession], pick: Select[Any], *, skip: bool
) -> tuple[uuid.UUID, datetime] | None:
    """Move the stored drawing ``pick`` selects to "reading"; its id and the claim's time.

    With ``skip``, on PostgreSQL, a row another worker is claiming is passed over
    (``FOR UPDATE SKIP LOCKED``) rather than waited for; without it the ``UPDATE`` waits, then
    finds the row no longer "stored".
    """
    claimed_at = utcnow()
    async with sessions() as session:
        if skip and session.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        result = await session.execute(
            update(Drawing)
            .where(col(Drawing.id).in_(pick.scalar_subquery()))
            .where(col(Drawing.status) == DrawingStatus.STORED)
            .values(status=DrawingStatus.READING, claimed_at=claimed_at)
            .returning(col(Drawing.id))
        )
        claimed = result.scalars().first()
        await session.commit()
    return None if claimed is None else (claimed, claimed_at)


async def _outcome(
    *, data_keys: DataKeys, storage: DrawingStorage, drawing: Drawing, limits: GeometryLimits
) -> dict[str, Any]:
    """The columns that record what reading ``drawing`` found."""
    try:
        report: Report = await measure_async(
            await decrypted(data_keys=data_keys, storage=storage, drawing=drawing), limits
        )
    except GeometryError as error:
        return {"status": DrawingStatus.UNREADABLE, "error_code": error.code}
    except (DecryptionError, DrawingNotFound) as error:
        logger.warning("drawing %s could not be decrypted: %s", drawing.id, type(error).__name__)
        return {"status": DrawingStatus.UNREADABLE, "error_code": UNDECRYPTABLE}
    return {
        "status": DrawingStatus.READ,
        "format": report.format.value,
        "parts": [part_json(part) for part in report.parts],
        "error_code": None,
    }


async def _read_claimed(
    sessions: async_sessionmaker[AsyncSession],
    *,
    data_keys: DataKeys,
    storage: DrawingStorage,
    pricing: Pricing,
    drawing_id: uuid.UUID,
    claimed_at: datetime,
    limits: GeometryLimits,
) -> Drawing | None:
    ours = (
        col(Drawing.id) == drawing_id,
        col(Drawing.status) == DrawingStatus.READING,
        col(Drawing.claimed_at) == claimed_at,
    )
    async with sessions() as session:
        drawing = await session.get(Drawing, drawing_id)
    if drawing is None:  # deleted between the claim and now
        return None
    try:
        values = await _outcome(
            data_keys=data_keys, storage=storage, drawing=drawing, limits=limits
        )
    except BaseException:
        # Cancelled (the web process stopping) or an unexpected failure (no child could be
        # started): hand the drawing back for the worker, rather than wait for the claim to age.
        with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
            async with sessions() as session:
                await session.execute(
                    update(Drawing).where(*ours).values(status=DrawingStatus.STORED)
                )
                await session.commit()
        raise
    async with sessions() as session:
        recorded = await session.execute(update(Drawing).where(*ours).values(**values))
        if rowcount(recorded) != 1:  # deleted, or handed back and claimed again meanwhile
            await session.rollback()
            return None
        await session.commit()
        drawing = (
            await session.execute(
                select(Drawing)
                .where(col(Drawing.id) == drawing_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        if drawing is not None and drawing.quote_id is not None:
            await refresh_estimate(session, pricing, drawing.quote_id)
    return drawing


async def read_drawing(
    sessions: async_sessionmaker[AsyncSession],
    *,
    data_keys: DataKeys,
    storage: DrawingStorage,
    pricing: Pricing,
    drawing_id: uuid.UUID,
    limits: GeometryLimits | None = None,
) -> Drawing | None:
    """Read a stored drawing's geometry and record it, then its quote's estimate; the drawing.

    None when the drawing is not "stored" (someone else is reading or has read it, or it does
    not exist) or was deleted while being read. Safe to call from several processes at once:
    one claims, the others return None at once. Raises only what is nobody's drawing's fault
    (the database, the child not starting); the drawing is then handed back to be read later.
    """
    claim = await _claim(
        sessions, select(col(Drawing.id)).where(col(Drawing.id) == drawing_id), skip=False
    )
    if claim is None:
        return None
    return await _read_claimed(
        sessions,
        data_keys=data_keys,
        storage=storage,
        pricing=pricing,
        drawing_id=claim[0],
        claimed_at=claim[1],
        limits=limits or GeometryLimits(),
    )


# -- the worker ----------------------------------------------------------------------------------


async def read_next(
    sessions: async_sessionmaker[AsyncSession],
    *,
    data_keys: DataKeys,
    storage: DrawingStorage,
    pricing: Pricing,
    limits: GeometryLimits | None = None,
) -> bool:
    """Claim and read the oldest stored drawing of a quote; whether there was one.

    Drawings without a quote are left alone: their upload is still being turned into a
    request, and the web process reads them itself when it needs to.
    """
    oldest = (
        select(col(Drawing.id))
        .where(col(Drawing.status) == DrawingStatus.STORED, col(Drawing.quote_id).is_not(None))
        .order_by(col(Drawing.created_at), col(Drawing.id))
        .limit(1)
    )
    claim = await _claim(sessions, oldest, skip=True)
    if claim is None:
        return False
    await _read_claimed(
        sessions,
        data_keys=data_keys,
        storage=storage,
        pricing=pricing,
        drawing_id=claim[0],
        claimed_at=claim[1],
        limits=limits or GeometryLimits(),
    )
    return True


async def release_stale(
    sessions: async_sessionmaker[AsyncSession],
    *,
    older_than: timedelta,
    now: datetime | None = None,
) -> int:
    """Hand back the drawings claimed more than ``older_than`` ago ("reading" → "stored")."""
    cutoff = (now or utcnow()) - older_than
    async with sessions() as session:
        released = await session.execute(
            update(Drawing)
            .where(col(Drawing.status) == DrawingStatus.READING)
            .where(col(Drawing.claimed_at).is_(None) | (col(Drawing.claimed_at) < cutoff))
            .values(status=DrawingStatus.STORED, claimed_at=None)
        )
        await session.commit()
    count = rowcount(released)
    if count:
        logger.warning("handed back %d drawing(s) a stopped reader left in reading", count)
    return count


async def run_reader(
    sessions: async_sessionmaker[AsyncSession],
    *,
    data_keys: DataKeys,
    storage: DrawingStorage,
    pricing: Pricing,
    limits: GeometryLimits | None = None,
    stop: asyncio.Event | None = None,
    interval: float = 2.0,
) -> None:
    """Read the quotes' stored drawings, oldest first, one at a time, until ``stop`` is set."""
    limits = limits or GeometryLimits()
    stop = stop or asyncio.Event()
    stale = timedelta(seconds=2 * limits.wall_seconds)
    while not stop.is_set():
        try:
            await release_stale(sessions, older_than=stale)
            while not stop.is_set() and await read_next(
                sessions, data_keys=data_keys, storage=storage, pricing=pricing, limits=limits
            ):
                pass
        except Exception:
            logger.exception("drawing reader round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
