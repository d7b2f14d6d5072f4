"""What the Personal Center's overview says is there: one query for every section's count.

``/account`` is the page customers open most, so its summary costs one round trip: a SELECT of
scalar subqueries, one per section, each on an indexed ``user_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from portal.privacy.models import ConsentRecord
from portal.profile.models import (
    CorporateInvoice,
    EmailSubscription,
    PersonalInvoice,
    ShippingAddress,
)
from portal.quotes.models import CANCELLABLE, QuoteRequest


@dataclass(frozen=True)
class Overview:
    addresses: int
    corporate_invoices: int
    personal_invoices: int
    subscriptions: int  # confirmed topics
    pending_subscriptions: int  # waiting for the link in their mail
    consent_records: int
    quotes: int
    open_quotes: int  # submitted, in review or quoted: waiting for us or for the customer


def _count(model: type, *where: ColumnElement[bool]) -> ColumnElement[int]:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def overview_statement(user_id: int) -> Select[int, int, int, int, int, int, int, int]:
    """The one SELECT behind :func:`overview` (the benchmark's bare page runs it too)."""
    return select(
        _count(ShippingAddress, col(ShippingAddress.user_id) == user_id),
        _count(CorporateInvoice, col(CorporateInvoice.user_id) == user_id),
        _count(PersonalInvoice, col(PersonalInvoice.user_id) == user_id),
        _count(
            EmailSubscription,
            col(EmailSubscription.user_id) == user_id,
            col(EmailSubscription.confirmed_at).is_not(None),
        ),
        _count(
            EmailSubscription,
            col(EmailSubscription.user_id) == user_id,
            col(EmailSubscription.confirmed_at).is_(None),
        ),
        _count(ConsentRecord, col(ConsentRecord.user_id) == user_id),
        _count(QuoteRequest, col(QuoteRequest.user_id) == user_id),
        _count(
            QuoteRequest,
            col(QuoteRequest.user_id) == user_id,
            col(QuoteRequest.status).in_(sorted(CANCELLABLE)),
        ),
    )


async def overview(*, session: AsyncSession, user_id: int) -> Overview:
    """How many addresses, invoice details, subscriptions and consent records the user has."""
    row = (await session.execute(overview_statement(user_id))).one()
    return Overview(*(int(value) for value in row))
