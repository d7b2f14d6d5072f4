"""A customer's quote requests: sent with their drawings, listed, shown, cancelled.

How a request is made (``portal.quotes.routes``): each drawing is stored encrypted as it streams
in (``portal.drawings.services.store_drawing``), not yet part of any request; once the whole form
has arrived and is valid, :func:`create_quote` records the request and attaches the drawings in
one commit. A form sent back with a mistake keeps the drawings already uploaded (the page lists
them, and the next submission names them), so a customer never uploads a large file twice.
Drawings left unattached (the customer went away) are deleted by the worker a day after their
upload (``portal.drawings.housekeeping.UNATTACHED_AFTER``).

Only the owner reaches a request: another customer's reference, or one that does not exist,
is :class:`QuoteNotFound` alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from portal.accounts.models import User
from portal.db import utcnow
from portal.drawings.models import Drawing
from portal.drawings.services import discard_drawing
from portal.drawings.storage import DrawingStorage
from portal.policy.model import Inventory
from portal.quotes.models import CANCELLABLE, QuoteRequest, QuoteStatus
from portal.quotes.pricing import Choice
from portal.references import QUOTES
from portal.rights.calendar import add_years, china_date


class QuoteNotFound(LookupError):
    """No request of this customer has this reference."""


class NotCancellable(Exception):
    """The request has been ordered, closed or cancelled already."""


class DrawingKept(Exception):
    """The request was ordered: its drawings are what was made, kept with the order."""


#: ``Q-7K3M9XQ2`` (portal.references says why these).
new_reference = QUOTES.new
normalized_reference = QUOTES.normalized


@dataclass(frozen=True)
class QuoteDetails:
    """What the customer asked for besides the choice of process and material."""

    required_date: date | None
    notes: str


async def unattached_drawings(
    session: AsyncSession, user: User, drawing_ids: Iterable[str]
) -> list[Drawing]:
    """The user's drawings among ``drawing_ids`` that no request holds yet, in upload order.

    Ids that are not UUIDs, not the user's, or already sent with a request are left out: the
    ids come back from a form, and a changed one must not attach someone else's drawing.
    """
    wanted: list[uuid.UUID] = []
    for text in drawing_ids:
        try:
            wanted.append(uuid.UUID(text))
        except ValueError:
            continue
    if not wanted or user.id is None:
        return []
    found = await session.execute(
        select(Drawing)
        .where(
            col(Drawing.id).in_(wanted),
            col(Drawing.user_id) == user.id,
            col(Drawing.quote_id).is_(None),
        )
        .order_by(col(Drawing.created_at))
    )
    return list(found.scalars().all())


async def create_quote(
    session: AsyncSession,
    *,
    user: User,
    choice: Choice,
    details: QuoteDetails,
    drawings: Sequence[Drawing],
) -> QuoteRequest:
    """Record the request and attach ``drawings`` (the user's, unattached); commits.

    The estimate is "pending" until the drawings have been read (``portal.quotes.reading``).
    """
    if user.id is None or not drawings:
        raise ValueError("a request needs a saved user and at least one drawing")
    for attempt in range(3):
        quote = QuoteRequest(
            reference=new_reference(),
            user_id=user.id,
            process=choice.process,
            material=choice.material,
            finish=choice.finish,
            tolerance=choice.tolerance,
            quantity=choice.quantity,
            required_date=details.required_date,
            notes=details.notes,
        )
        session.add(quote)
        try:
            await session.flush()
        except IntegrityError:  # the reference was drawn before: draw again
            await session.rollback()
            if attempt == 2:
                raise
            continue
        break
    for drawing in drawings:
        drawing.quote_id = quote.id
        session.add(drawing)
    await session.commit()
    return quote


async def list_quotes(session: AsyncSession, user: User) -> list[QuoteRequest]:
    """The user's requests, newest first."""
    found = await session.execute(
        select(QuoteRequest)
        .where(col(QuoteRequest.user_id) == user.id)
        .order_by(col(QuoteRequest.created_at).desc(), col(QuoteRequest.id).desc())
    )
    return list(found.scalars().all())


async def count_quotes(session: AsyncSession, user: User) -> int:
    return len(await list_quotes(session, user))


async def find_quote(session: AsyncSession, user: User, reference: str) -> QuoteRequest:
    """The user's request ``reference`` (as it appears in a URL), else :class:`QuoteNotFound`."""
    wanted = normalized_reference(reference)
    if wanted is None or user.id is None:
        raise QuoteNotFound(reference)
    found = await session.execute(
        select(QuoteRequest).where(
            col(QuoteRequest.reference) == wanted, col(QuoteRequest.user_id) == user.id
        )
    )
    quote: QuoteRequest | None = found.scalars().first()
    if quote is None:
        raise QuoteNotFound(reference)
    return quote


async def quote_drawings(session: AsyncSession, quote: QuoteRequest) -> list[Drawing]:
    """The request's drawings, in the order they were uploaded."""
    found = await session.execute(
        select(Drawing)
        .where(col(Drawing.quote_id) == quote.id)
        .order_by(col(Drawing.created_at), col(Drawing.filename))
    )
    return list(found.scalars().all())


async def find_quote_drawing(
    session: AsyncSession, quote: QuoteRequest, drawing_id: str
) -> Drawing | None:
    """The drawing ``drawing_id`` of ``quote``, or None (not a UUID, not this request's)."""
    for drawing in await quote_drawings(session, quote):
        if drawing.id.hex == drawing_id.replace("-", "").lower():
            return drawing
    return None


async def cancel_quote(session: AsyncSession, quote: QuoteRequest) -> None:
    """The customer withdraws the request; commits. Staff see it cancelled."""
    if quote.status not in CANCELLABLE:
        raise NotCancellable(quote.reference)
    quote.status = QuoteStatus.CANCELLED
    quote.updated_at = utcnow()
    session.add(quote)
    await session.commit()


async def remove_unattached(
    session: AsyncSession, storage: DrawingStorage, user: User, drawing_id: str
) -> bool:
    """Delete one of the user's uploaded drawings not yet sent with a request; commits.

    False when there is no such drawing (already sent, someone else's, or gone).
    """
    drawings = await unattached_drawings(session, user, [drawing_id])
    if not drawings:
        return False
    await discard_drawing(session=session, storage=storage, drawing=drawings[0])
    return True


def drawings_deletable(quote: QuoteRequest) -> bool:
    """Whether the customer may delete the request's drawings from its page: any time but once
    it is ordered (the order's records keep what was made; a request for deletion, policy
    5.4, decides those)."""
    return quote.status != QuoteStatus.ORDERED


async def delete_quote_drawing(
    session: AsyncSession, storage: DrawingStorage, quote: QuoteRequest, drawing: Drawing
) -> None:
    """Delete one of the request's drawings, ciphertext and row; commits. The estimate is
    refreshed by the caller (``portal.quotes.reading.refresh_estimate``)."""
    if not drawings_deletable(quote):
        raise DrawingKept(quote.reference)
    await discard_drawing(session=session, storage=storage, drawing=drawing)


#: How long an order is kept when no inventory says (PRC E-commerce Law art. 31: 3 years).
ORDER_YEARS = 3


def keep_orders_years(inventory: Inventory) -> int:
    """The years an order is kept after it was placed: ``request_a_quote.expires``."""
    scenario = inventory.scenario("request_a_quote")
    if scenario is None or scenario.expires is None:
        return ORDER_YEARS
    return scenario.expires.years


class AlreadyRestricted(Exception):
    """The request is restricted already: nothing more to delete until its period ends."""


async def delete_quote(
    session: AsyncSession,
    storage: DrawingStorage,
    quote: QuoteRequest,
    *,
    keep_orders_years: int,
) -> date | None:
    """The customer deletes a request (policy 5.4); commits.

    A request that never became an order goes at once, with its drawings' ciphertext. An order
    is a commercial record the law makes us keep (``keep_orders_years`` after it was placed:
    the inventory's ``request_a_quote.expires``): it is **restricted** instead, kept for storage
    and security only, hidden from staff, and deleted by the retention job when the period
    ends. Returns the last day it is kept (``None``: deleted now).
    """
    if quote.restricted:
        raise AlreadyRestricted(quote.reference)
    if quote.status == QuoteStatus.ORDERED:
        placed = china_date(quote.updated_at)  # an order's last change is its placing
        quote.restricted_at = utcnow()
        quote.restricted_until = add_years(placed, keep_orders_years)
        session.add(quote)
        await session.commit()
        return quote.restricted_until
    for drawing in await quote_drawings(session, quote):
        await discard_drawing(session=session, storage=storage, drawing=drawing)
    await session.delete(quote)
    await session.commit()
    return None
