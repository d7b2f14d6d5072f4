"""Quote requests in the tests: a customer, a request in any status, drawings read as the
geometry reader leaves them (``Drawing.parts``, the JSON contract with portal.quotes.reading);
the customer form's valid choice, and the rows a request leaves (``quotes_in``, ``drawings_in``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from portal.accounts.models import User
from portal.db import create_engine, session_factory, utcnow
from portal.drawings.models import Drawing
from portal.drawings.services import store_drawing
from portal.quotes.models import QuoteRequest
from tests.support.drawing_store import upload

CLOSED_PART: dict[str, Any] = {
    "name": None,
    "format": "step",
    "error": None,
    "geometry": {
        "size_mm": [100.0, 50.0, 20.0],
        "volume_mm3": 85000.0,
        "area_mm2": 21000.0,
        "watertight": True,
        "declared_units": "millimeter",
        "solids": 1,
        "triangles": None,
    },
}

OPEN_MESH: dict[str, Any] = {
    "name": "cover",
    "format": "stl",
    "error": None,
    "geometry": {
        "size_mm": [25.4, 12.7, 3.175],
        "volume_mm3": None,
        "area_mm2": 900.5,
        "watertight": False,
        "declared_units": None,
        "solids": None,
        "triangles": 1204,
    },
}


async def add_customer(
    session: Any, email: str, *, name: str = "李伟", language: str = "zh_Hans"
) -> User:
    user = User(name=name, email=email, email_key=email.lower(), preferred_language=language)
    session.add(user)
    await session.commit()
    await session.refresh(user)
    return user


async def add_quote(
    session: Any,
    user: User,
    reference: str,
    *,
    status: str = "submitted",
    updated_at: datetime | None = None,
    **fields: Any,
) -> QuoteRequest:
    assert user.id is not None
    values: dict[str, Any] = {
        "process": "cnc_machining",
        "material": "aluminium_6061",
        "finish": "as_machined",
        "tolerance": "standard",
        "quantity": 10,
        **fields,
    }
    quote = QuoteRequest(
        reference=reference,
        user_id=user.id,
        status=status,
        updated_at=updated_at or utcnow(),
        **values,
    )
    session.add(quote)
    await session.commit()
    await session.refresh(quote)
    return quote


async def add_drawing(
    session: Any,
    app: Any,
    user: User,
    quote: QuoteRequest,
    data: bytes,
    *,
    filename: str = "bracket.step",
    parts: Sequence[dict[str, Any]] = (CLOSED_PART,),
    status: str = "read",
    file_format: str | None = "step",
    created: timedelta = timedelta(0),
) -> Drawing:
    """A drawing stored as an upload stores it (encrypted, in the app's store), then read."""
    drawing = await store_drawing(
        session=session,
        data_keys=app.state.data_keys,
        storage=app.state.drawing_storage,
        user=user,
        filename=filename,
        chunks=upload(data),
        limit=64 * 1024 * 1024,
    )
    drawing.quote_id = quote.id
    drawing.status = status
    drawing.format = file_format
    drawing.parts = list(parts)
    drawing.created_at = drawing.created_at + created
    session.add(drawing)
    await session.commit()
    await session.refresh(drawing)
    return drawing


# -- through the site: what the customer's form sends, and what the database then holds --------

CHOICE = {
    "process": "cnc_machining",
    "material": "aluminium_6061",
    "finish": "as_machined",
    "tolerance": "standard",
    "quantity": "10",
    "required_date": "",
    "notes": "M6 threads on both ends.",
}


def in_database(settings: Any, work: Any) -> Any:
    """Run ``work(session)`` on the site's database and return what it returns."""

    async def run() -> Any:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def verify(settings: Any, email: str = "li.wei@example.cn") -> None:
    async def work(session: Any) -> None:
        user = (
            (await session.execute(select(User).where(func.lower(User.email) == email)))
            .scalars()
            .one()
        )
        user.email_verified_at = utcnow()
        session.add(user)
        await session.commit()

    in_database(settings, work)


def drawings_in(settings: Any) -> list[Drawing]:
    async def work(session: Any) -> list[Drawing]:
        return list((await session.execute(select(Drawing))).scalars().all())

    return in_database(settings, work)


def quotes_in(settings: Any) -> list[QuoteRequest]:
    async def work(session: Any) -> list[QuoteRequest]:
        return list((await session.execute(select(QuoteRequest))).scalars().all())

    return in_database(settings, work)
