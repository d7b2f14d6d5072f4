"""Readers of quotes' drawings must not trip over each other: two at once, one that died, a
drawing of the same quote still unread, a drawing deleted mid-read, the worker's loop.

Every test runs on SQLite, and on PostgreSQL when PORTAL_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from portal.db import utcnow
from portal.drawings.geometry import GeometryLimits
from portal.drawings.models import Drawing, DrawingStatus
from portal.quotes import reading
from portal.quotes.models import QuoteRequest
from portal.quotes.pricing import Estimate, estimate
from portal.quotes.reading import (
    part_geometries,
    refresh_estimate,
    release_stale,
    run_reader,
)
from tests.support.drawings import sample
from tests.support.reading import (
    PRINTING,
    Sessions,
    fresh,
    new_quote,
)

# -- readers side by side --------------------------------------------------------------------


async def test_two_readers_at_once_measure_the_drawing_once(
    sessions, setup, read, alice, monkeypatch
) -> None:
    quote_id = await new_quote(sessions, alice)
    drawing_id = await setup(sample("unit_cube.STL"), quote_id, "cube.stl")
    measured = []
    measure = reading.measure_async

    async def counted(source: Any, limits: GeometryLimits | None = None) -> Any:
        measured.append(drawing_id)
        return await measure(source, limits)

    monkeypatch.setattr(reading, "measure_async", counted)

    results = await asyncio.gather(read(drawing_id), read(drawing_id))

    assert len(measured) == 1
    assert sorted(result is None for result in results) == [False, True]
    assert (await fresh(sessions, Drawing, drawing_id)).status == DrawingStatus.READ
    assert await read(drawing_id) is None  # read already: nothing to claim


async def test_the_estimate_stays_pending_while_another_drawing_is_unread(
    sessions, setup, read, alice, pricing
) -> None:
    quote_id = await new_quote(sessions, alice, PRINTING)
    first = await setup(sample("20mm-xyz-cube.stl"), quote_id, "cube.stl")
    second = await setup(sample("unit_cube.STL"), quote_id, "small.stl")

    await read(first)

    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert (quote.estimate_note, quote.estimate_low, quote.estimate_days) == ("pending", None, None)

    await read(second)

    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert quote.estimate_note == ""
    drawings = [await fresh(sessions, Drawing, first), await fresh(sessions, Drawing, second)]
    both = estimate(
        pricing,
        PRINTING,
        [part for drawing in drawings for part in part_geometries(drawing)],
    )
    assert isinstance(both, Estimate)
    assert len(both.parts) == 2
    assert (quote.estimate_low, quote.estimate_high) == (both.low, both.high)


async def test_a_drawing_deleted_while_being_read_is_not_brought_back(
    sessions, setup, read, alice, monkeypatch
) -> None:
    quote_id = await new_quote(sessions, alice)
    drawing_id = await setup(sample("unit_cube.STL"), quote_id, "cube.stl")
    measure = reading.measure_async

    async def deleted_meanwhile(source: Any, limits: GeometryLimits | None = None) -> Any:
        report = await measure(source, limits)
        async with sessions() as session:
            await session.delete(await session.get(Drawing, drawing_id))
            await session.commit()
        return report

    monkeypatch.setattr(reading, "measure_async", deleted_meanwhile)

    assert await read(drawing_id) is None
    assert await fresh(sessions, Drawing, drawing_id) is None


# -- the worker ------------------------------------------------------------------------------


async def set_claim(sessions: Sessions, drawing_id: uuid.UUID, ago: timedelta) -> None:
    async with sessions() as session:
        await session.execute(
            update(Drawing)
            .where(col(Drawing.id) == drawing_id)
            .values(status=DrawingStatus.READING, claimed_at=utcnow() - ago)
        )
        await session.commit()


async def test_only_claims_older_than_the_limit_are_handed_back(sessions, setup) -> None:
    dead = await setup(sample("unit_cube.STL"), None)
    live = await setup(sample("unit_cube.STL"), None)
    await set_claim(sessions, dead, timedelta(minutes=5))
    await set_claim(sessions, live, timedelta(minutes=3))

    assert await release_stale(sessions, older_than=timedelta(minutes=4)) == 1

    assert (await fresh(sessions, Drawing, dead)).status == DrawingStatus.STORED
    assert (await fresh(sessions, Drawing, live)).status == DrawingStatus.READING


async def test_the_worker_reads_quotes_drawings_and_hands_back_a_dead_readers(
    sessions, setup, alice, data_keys, storage, pricing
) -> None:
    quote_id = await new_quote(sessions, alice, PRINTING)
    stuck = await setup(sample("20mm-xyz-cube.stl"), quote_id, "cube.stl")
    waiting = await setup(sample("unit_cube.STL"), quote_id, "small.stl")
    unsent = await setup(sample("unit_cube.STL"), None, "not-yet.stl")  # no request yet
    limits = GeometryLimits(wall_seconds=30)
    await set_claim(sessions, stuck, timedelta(seconds=61))  # over 2 × 30 s: its reader died

    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_reader(
            sessions,
            data_keys=data_keys,
            storage=storage,
            pricing=pricing,
            limits=limits,
            stop=stop,
            interval=0.05,
        )
    )
    try:
        for _ in range(600):  # a minute at most
            if (await fresh(sessions, QuoteRequest, quote_id)).estimate_note != "pending":
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await worker

    for drawing_id in (stuck, waiting):
        assert (await fresh(sessions, Drawing, drawing_id)).status == DrawingStatus.READ
    assert (await fresh(sessions, Drawing, unsent)).status == DrawingStatus.STORED
    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert quote.estimate_note == ""


async def test_refreshing_a_deleted_quote_does_nothing(sessions, pricing) -> None:
    async with sessions() as session:
        await refresh_estimate(session, pricing, 123456)
        assert (await session.execute(select(QuoteRequest))).first() is None
