"""Drawings uploaded with a form that was sent back, and never sent again, are deleted a day
later, object and row; drawings of a request, and fresh ones, stay."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from portal.db import utcnow
from portal.drawings.housekeeping import remove_unattached_drawings
from portal.drawings.models import Drawing
from portal.drawings.services import store_drawing
from portal.quotes.models import QuoteRequest
from tests.support.drawing_store import upload
from tests.support.drawings import binary_stl


async def test_a_day_old_unattached_drawing_is_deleted_and_the_others_stay(
    db_session, sessions, storage, data_keys, alice
) -> None:
    async def stored(name: str) -> Drawing:
        return await store_drawing(
            session=db_session,
            data_keys=data_keys,
            storage=storage,
            user=alice,
            filename=name,
            chunks=upload(binary_stl(4)),
            limit=1024 * 1024,
        )

    left, fresh, sent = (
        await stored("left.stl"),
        await stored("fresh.stl"),
        await stored("sent.stl"),
    )
    quote = QuoteRequest(
        reference="Q-ABCD2345",
        user_id=alice.id,
        process="cnc_machining",
        material="aluminium_6061",
        finish="as_machined",
        tolerance="standard",
        quantity=1,
    )
    db_session.add(quote)
    await db_session.flush()
    sent.quote_id = quote.id
    left.created_at = sent.created_at = utcnow() - timedelta(hours=25)
    db_session.add_all([left, sent])
    await db_session.commit()

    assert await remove_unattached_drawings(sessions, storage) == 1

    names = {d.filename for d in (await db_session.execute(select(Drawing))).scalars()}
    assert names == {"fresh.stl", "sent.stl"}
    assert not await storage.exists(left.storage_key)
    assert await storage.exists(fresh.storage_key)
    assert await storage.exists(sent.storage_key)
    assert await remove_unattached_drawings(sessions, storage) == 0
