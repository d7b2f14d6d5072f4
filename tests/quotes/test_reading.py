"""Reading a quote's drawings in the background: real files measured in the child, the result
recorded on the drawing and the estimate on the quote; files that cannot be read.

Every test runs on SQLite, and on PostgreSQL when PORTAL_TEST_DATABASE_URL is set. Each read
starts a real child process (about a second: it imports OpenCascade).
"""

from __future__ import annotations

import pytest

from portal.drawings.models import Drawing, DrawingStatus
from portal.quotes.models import QuoteRequest
from portal.quotes.pricing import Estimate, PartGeometry, estimate
from portal.quotes.reading import (
    part_geometries,
)
from tests.support.drawing_store import replace_object
from tests.support.drawings import binary_stl, sample
from tests.support.reading import (
    MILLING,
    PDF,
    PRINTING,
    fresh,
    garbage_step,
    new_quote,
)

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
