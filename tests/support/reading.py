"""Reading quotes' drawings in the tests: choices, files no reader can use, and rows made the way
the site makes them (a quote request, a drawing stored encrypted and attached to it)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.accounts.models import User
from portal.crypto import DataKeys
from portal.drawings.services import store_drawing
from portal.drawings.storage import DrawingStorage
from portal.quotes.models import QuoteRequest
from portal.quotes.pricing import Choice
from portal.quotes.services import new_reference
from tests.support.drawing_store import upload
from tests.support.drawings import sample

Sessions = async_sessionmaker[AsyncSession]

MILLING = Choice("cnc_machining", "aluminium_6061", "as_machined", "standard", 50)
PRINTING = Choice("3d_printing", "pa12_sls", "standard", "standard", 10)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def garbage_step() -> bytes:
    """A real STEP file's header, then entities no STEP reader can make sense of."""
    real = sample("featuretype.STEP")
    header = real[: real.index(b"DATA;") + len(b"DATA;")]
    return header + b"\n#1=GARBAGE((('x',;\n" * 300 + b"ENDSEC;\nEND-ISO-10303-21;\n"


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
