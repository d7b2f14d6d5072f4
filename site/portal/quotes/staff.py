"""Quote requests as staff with the quoting role see and answer them (``/staff/quotes``).

Every service takes the database session as ``session=``; the one that changes a request
(:func:`answer_quote`) records it in the staff audit log and commits its own work, with the mail
to the customer in the same transaction (sent if and only if the answer is saved).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Case, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.db import utcnow
from portal.drawings.models import Drawing
from portal.mail.mailer import Mailer
from portal.quotes.models import QuoteRequest, QuoteStatus
from portal.staff import services as staff_services
from portal.staff.models import StaffMember
from portal.urls import url_path

#: Requests on a page of the staff list.
PAGE_SIZE = 50
#: The highest price staff may quote, in yuan (a typing slip of a few zeros is caught).
MAX_PRICE = Decimal("10000000")
#: The longest lead time staff may quote, in working days.
MAX_LEAD_DAYS = 365


class QuoteNotFound(LookupError):
    """No request has this reference (or no drawing of the request has this id)."""


class PriceRequired(ValueError):
    """A request cannot be quoted without a price and a lead time."""


@dataclass(frozen=True)
class ListedQuote:
    """A line of the staff list: the request, who sent it, and how many drawings it has."""

    quote: QuoteRequest
    customer_name: str
    customer_email: str
    drawings: int


@dataclass(frozen=True)
class QuotePage:
    items: list[ListedQuote]
    page: int
    pages: int
    total: int


def _status_rank() -> Case[int]:
    """New work first: submitted, then in review, then everything else."""
    return case(
        (col(QuoteRequest.status) == QuoteStatus.SUBMITTED.value, 0),
        (col(QuoteRequest.status) == QuoteStatus.IN_REVIEW.value, 1),
        else_=2,
    )


async def list_quotes(
    *, session: AsyncSession, status: QuoteStatus | None = None, page: int = 1
) -> QuotePage:
    """A page of requests, new ones first (submitted, in review, then the rest), each group
    by its last change, newest first; only those of ``status`` when given."""
    # A restricted request (an order its customer asked to delete) is kept for storage and
    # security only (PIPL art. 47): staff no longer see it.
    unrestricted = col(QuoteRequest.restricted_at).is_(None)
    counted = select(func.count()).select_from(QuoteRequest).where(unrestricted)
    if status is not None:
        counted = counted.where(col(QuoteRequest.status) == status.value)
    total = int(await session.scalar(counted) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    drawings = (
        select(func.count())
        .select_from(Drawing)
        .where(col(Drawing.quote_id) == col(QuoteRequest.id))
        .scalar_subquery()
    )
    statement = (
        select(QuoteRequest, col(User.name), col(User.email), drawings)
        .join(User, col(User.id) == col(QuoteRequest.user_id))
        .where(unrestricted)
        .order_by(
            _status_rank(),
            col(QuoteRequest.updated_at).desc(),
            col(QuoteRequest.id).desc(),
        )
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    if status is not None:
        statement = statement.where(col(QuoteRequest.status) == status.value)
    rows = (await session.execute(statement)).all()
    items = [
        ListedQuote(quote, name or "", email or "", int(count or 0))
        for quote, name, email, count in rows
    ]
    return QuotePage(items, page, pages, total)


async def find_quote(*, session: AsyncSession, reference: str) -> QuoteRequest:
    """The request with this reference (``Q-7K3M9XQ2``); else :class:`QuoteNotFound`."""
    if len(reference) > 12:
        raise QuoteNotFound(reference)
    quote = await session.scalar(
        select(QuoteRequest).where(
            col(QuoteRequest.reference) == reference, col(QuoteRequest.restricted_at).is_(None)
        )
    )
    if quote is None:  # or restricted: see list_quotes
        raise QuoteNotFound(reference)
    return quote


async def customer_of(*, session: AsyncSession, quote: QuoteRequest) -> User:
    user = await session.get(User, quote.user_id)
    if user is None:  # the foreign key deletes the request with its customer
        raise QuoteNotFound(quote.reference)
    return user


async def quote_drawings(*, session: AsyncSession, quote: QuoteRequest) -> list[Drawing]:
    """The request's drawings, in the order they were sent."""
    return list(
        await session.scalars(
            select(Drawing)
            .where(col(Drawing.quote_id) == quote.id)
            .order_by(col(Drawing.created_at), col(Drawing.filename))
        )
    )


async def quote_drawing(*, session: AsyncSession, quote: QuoteRequest, drawing_id: str) -> Drawing:
    """The drawing ``drawing_id`` (its UUID's text) of this request; :class:`QuoteNotFound`
    for a drawing of another request as for one that does not exist or a malformed id."""
    try:
        wanted = uuid.UUID(drawing_id)
    except ValueError:
        raise QuoteNotFound(drawing_id) from None
    drawing = await session.scalar(
        select(Drawing).where(col(Drawing.id) == wanted, col(Drawing.quote_id) == quote.id)
    )
    if drawing is None:
        raise QuoteNotFound(drawing_id)
    return drawing


async def record_download(
    *, session: AsyncSession, staff: StaffMember, drawing: Drawing, ip_address: str = ""
) -> None:
    """Write who downloads which drawing to the audit log, and commit, before a byte is sent."""
    await staff_services.record(
        session=session,
        member=staff,
        action="drawing.download",
        subject=f"drawing:{drawing.id} {drawing.filename}",
        ip_address=ip_address,
        customer_id=drawing.user_id,
    )
    await session.commit()


def quote_link(mailer: Mailer, reference: str) -> str:
    """The customer's page of the request, as an absolute address for a mail."""
    return mailer.link(url_path("quote", reference=reference))


async def answer_quote(
    *,
    session: AsyncSession,
    mailer: Mailer,
    quote: QuoteRequest,
    staff: StaffMember,
    price: Decimal | None,
    lead_days: int | None,
    message: str,
    status: QuoteStatus,
    ip_address: str = "",
) -> QuoteRequest:
    """Set the request's price, lead time, message to the customer and status; commits.

    A price or lead time left out (``None``) keeps the one quoted before, so a request moves to
    "in review" or "closed" without one. ``quoted`` needs both (:class:`PriceRequired`). The
    customer is mailed, in their language, when the request is quoted: the first time, and
    again when staff change the price, lead time or message of a quote.
    """
    quote = await session.merge(quote)
    new_price = price if price is not None else quote.price
    new_days = lead_days if lead_days is not None else quote.lead_days
    if status is QuoteStatus.QUOTED and (new_price is None or new_days is None):
        raise PriceRequired(quote.reference)
    if new_price is not None and not (0 < new_price <= MAX_PRICE):
        raise ValueError(f"a price must be above 0 and at most {MAX_PRICE}")
    if new_days is not None and not (1 <= new_days <= MAX_LEAD_DAYS):
        raise ValueError(f"a lead time must be 1 to {MAX_LEAD_DAYS} working days")
    before = (quote.status, quote.price, quote.lead_days, quote.staff_message)
    quote.price = new_price
    quote.lead_days = new_days
    quote.staff_message = message
    quote.status = status.value
    quote.updated_at = utcnow()
    session.add(quote)
    subject = f"quote:{quote.reference} {status.value}"
    if new_price is not None and status is QuoteStatus.QUOTED:
        subject += f" CNY {new_price:.2f} {new_days}d"
    await staff_services.record(
        session=session,
        member=staff,
        action="quote.answer",
        subject=subject,
        ip_address=ip_address,
        customer_id=quote.user_id,
    )
    after = (quote.status, quote.price, quote.lead_days, quote.staff_message)
    if status is QuoteStatus.QUOTED and after != before:
        customer = await customer_of(session=session, quote=quote)
        if customer.email:
            mailer.queue(
                session=session,
                user_id=customer.id,
                recipient=customer.email,
                template="quote_answered",
                locale=customer.preferred_language,
                context={
                    "name": customer.name,
                    "reference": quote.reference,
                    "price": f"{new_price:,.2f}",
                    "lead_days": new_days,
                    "message": message,
                    "quote_link": quote_link(mailer, quote.reference),
                },
            )
    await session.commit()
    await session.refresh(quote)
    return quote
