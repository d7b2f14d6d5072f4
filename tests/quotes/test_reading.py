"""Reading a quote's drawings in the background: real files measured in the child, the result
recorded on the drawing and the estimate on the quote, and the ways readers must not trip over
each other (two at once, one that died, a drawing of the same quote still unread).

Every test runs on SQLite, and on PostgreSQL when PORTAL_TEST_DATABASE_URL is set. Each read
starts a real child process (about a second: it imports OpenCascade).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from portal.accounts.models import User
from portal.crypto import DataKeys
from portal.db import utcnow
from portal.drawings.geometry import GeometryLimits
from portal.drawings.models import Drawing, DrawingStatus
from portal.drawings.services import store_drawing
from portal.drawings.storage import DrawingStorage
from portal.quotes import reading
from portal.quotes.models import QuoteRequest
from portal.quotes.pricing import Choice, Estimate, PartGeometry, estimate
from portal.quotes.rates import Pricing
from portal.quotes.reading import (
    part_geometries,
    read_drawing,
    refresh_estimate,
    release_stale,
    run_reader,
)
from portal.quotes.services import new_reference
from tests.support.drawing_store import replace_object, upload
from tests.support.drawings import binary_stl, sample

Sessions = async_sessionmaker[AsyncSession]

MILLING = Choice("cnc_machining", "aluminium_6061", "as_machined", "standard", 50)
PRINTING = Choice("3d_printing", "pa12_sls", "standard", "standard", 10)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def garbage_step() -> bytes:
    """A real STEP file's header, then entities no STEP reader can make sense of."""
    real = sample("featuretype.STEP")
    header = real[: real.index(b"DATA;") + len(b"DATA;")]
    return header + b"\n#1=GARBAGE((('x',;\n" * 300 + b"ENDSEC;\nEND-ISO-10303-21;\n"


@pytest.fixture
def read(
    sessions: Sessions, data_keys: DataKeys, storage: DrawingStorage, pricing: Pricing
) -> Callable[[uuid.UUID], Awaitable[Drawing | None]]:
    def read_one(drawing_id: uuid.UUID) -> Awaitable[Drawing | None]:
        return read_drawing(
            sessions, data_keys=data_keys, storage=storage, pricing=pricing, drawing_id=drawing_id
        )

    return read_one


async def new_quote(sessions: Sessions, user: User, choice: Choice = MILLING) -> int:
    assert user.id is not None
    quote = QuoteRequest(
        reference=new_reference(),
        user_id=user.id,
        process=choice.process,
        material=choice.material,
        finish=choice.finish,
        tolerance=choice.tolerance,
        quantity=choice.quantity,
    )
    async with sessions() as session:
        session.add(quote)
        await session.commit()
    assert quote.id is not None
    return quote.id


async def new_drawing(
    sessions: Sessions,
    data_keys: DataKeys,
    storage: DrawingStorage,
    user: User,
    data: bytes,
    quote_id: int | None,
    filename: str = "part.step",
) -> uuid.UUID:
    async with sessions() as session:
        drawing = await store_drawing(
            session=session,
            data_keys=data_keys,
            storage=storage,
            user=user,
            filename=filename,
            chunks=upload(data),
            limit=len(data),
        )
        drawing.quote_id = quote_id
        session.add(drawing)
        await session.commit()
    return drawing.id


async def fresh(sessions: Sessions, model: Any, key: Any) -> Any:
    """The row as the database has it now (a new session: nothing cached)."""
    async with sessions() as session:
        return await session.get(model, key)


@pytest.fixture
def setup(
    sessions: Sessions, data_keys: DataKeys, storage: DrawingStorage, alice: User
) -> Callable[..., Awaitable[uuid.UUID]]:
    async def one(data: bytes, quote_id: int | None, filename: str = "part.step") -> uuid.UUID:
        return await new_drawing(sessions, data_keys, storage, alice, data, quote_id, filename)

    return one


# -- what is read, and the estimate it gives -------------------------------------------------


async def test_a_step_sample_is_measured_and_the_quote_gets_its_estimate(
    sessions, setup, read, alice, pricing
) -> None:
    quote_id = await new_quote(sessions, alice)
    drawing_id = await setup(sample("base_interface_AP214.STEP"), quote_id)

    returned = await read(drawing_id)

    assert returned is not None
    assert returned.status == DrawingStatus.READ
    drawing = await fresh(sessions, Drawing, drawing_id)
    assert drawing.status == DrawingStatus.READ
    assert drawing.format == "step"
    assert drawing.error_code is None
    (part,) = drawing.parts
    assert part["format"] == "step"
    assert part["error"] is None
    geometry = part["geometry"]
    assert geometry["volume_mm3"] == pytest.approx(1257991.526, rel=1e-7)
    assert geometry["solids"] >= 1
    assert len(geometry["size_mm"]) == 3
    # The quote's estimate is the formula's on the measured part (built here from the JSON,
    # not through part_geometries), for 50 pieces: well above the order's minimum.
    expected = estimate(
        pricing,
        MILLING,
        [PartGeometry(tuple(geometry["size_mm"]), geometry["volume_mm3"], geometry["area_mm2"])],
    )
    assert isinstance(expected, Estimate)
    assert not expected.minimum_applied
    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert quote.estimate_note == ""
    assert (quote.estimate_low, quote.estimate_high, quote.estimate_days) == (
        expected.low,
        expected.high,
        expected.lead_days,
    )
    assert quote.updated_at > quote.created_at


async def test_a_binary_stl_is_measured_and_priced_for_printing(
    sessions, setup, read, alice
) -> None:
    quote_id = await new_quote(sessions, alice, PRINTING)
    drawing_id = await setup(sample("20mm-xyz-cube.stl"), quote_id, "cube.stl")

    await read(drawing_id)

    drawing = await fresh(sessions, Drawing, drawing_id)
    assert (drawing.status, drawing.format) == (DrawingStatus.READ, "stl_binary")
    geometry = drawing.parts[0]["geometry"]
    assert geometry["size_mm"] == pytest.approx([20, 20, 20], abs=1e-3)
    assert 7900 < geometry["volume_mm3"] < 8000
    assert geometry["watertight"] is True
    assert geometry["declared_units"] is None
    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert quote.estimate_note == ""
    assert quote.estimate_low is not None
    assert 0 < quote.estimate_low < quote.estimate_high


async def test_an_open_mesh_is_read_but_has_no_volume_to_price(
    sessions, setup, read, alice
) -> None:
    quote_id = await new_quote(sessions, alice, PRINTING)
    drawing_id = await setup(binary_stl(12), quote_id, "flat.stl")

    await read(drawing_id)

    drawing = await fresh(sessions, Drawing, drawing_id)
    assert drawing.status == DrawingStatus.READ
    assert drawing.parts[0]["geometry"]["watertight"] is False
    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert (quote.estimate_note, quote.estimate_low) == ("no_volume", None)


async def test_a_pdf_is_read_as_a_part_without_geometry_and_goes_to_staff(
    sessions, setup, read, alice
) -> None:
    quote_id = await new_quote(sessions, alice)
    drawing_id = await setup(PDF, quote_id, "drawing.pdf")

    await read(drawing_id)

    drawing = await fresh(sessions, Drawing, drawing_id)
    assert (drawing.status, drawing.format) == (DrawingStatus.READ, "pdf")
    assert drawing.parts == [{"name": None, "format": "pdf", "error": None, "geometry": None}]
    assert part_geometries(drawing) == [None]
    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert quote.estimate_note == "no_geometry"
    assert (quote.estimate_low, quote.estimate_high, quote.estimate_days) == (None, None, None)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(sample("featuretype.STEP")[:30000], "parse_failed", id="truncated STEP"),
        pytest.param(garbage_step(), "parse_failed", id="garbage STEP"),
        pytest.param(b"not a drawing at all\n" * 50, "unknown_format", id="text"),
    ],
)
async def test_a_file_that_cannot_be_read_is_unreadable_with_its_code(
    sessions, setup, read, alice, data, code
) -> None:
    quote_id = await new_quote(sessions, alice)
    drawing_id = await setup(data, quote_id)

    returned = await read(drawing_id)

    assert returned is not None
    drawing = await fresh(sessions, Drawing, drawing_id)
    assert (drawing.status, drawing.error_code) == (DrawingStatus.UNREADABLE, code)
    assert drawing.parts is None
    assert part_geometries(drawing) == [None]
    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert quote.estimate_note == "no_geometry"


async def test_a_destroyed_data_key_makes_the_drawing_unreadable_not_a_crash(
    sessions, setup, read, alice, data_keys
) -> None:
    quote_id = await new_quote(sessions, alice)
    drawing_id = await setup(sample("unit_cube.STL"), quote_id, "cube.stl")
    await data_keys.erase(alice.id)

    await read(drawing_id)

    drawing = await fresh(sessions, Drawing, drawing_id)
    assert (drawing.status, drawing.error_code) == (DrawingStatus.UNREADABLE, "undecryptable")
    quote = await fresh(sessions, QuoteRequest, quote_id)
    assert quote.estimate_note == "no_geometry"


async def test_an_altered_ciphertext_is_unreadable(sessions, setup, read, alice, storage) -> None:
    drawing_id = await setup(sample("unit_cube.STL"), None, "cube.stl")
    stored = await fresh(sessions, Drawing, drawing_id)
    replace_object(storage, stored.storage_key, b"\x00" * 200)

    await read(drawing_id)

    drawing = await fresh(sessions, Drawing, drawing_id)
    assert (drawing.status, drawing.error_code) == (DrawingStatus.UNREADABLE, "undecryptable")


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
