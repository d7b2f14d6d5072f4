"""Privacy requests as privacy officers see and answer them (``/staff/privacy``).

The queue puts what is due first: open requests by due date, so overdue ones lead. Before a
request that releases or changes a customer's data is answered, the officer records how the
customer's identity was verified (policy 5.7); a question may be answered without. A refusal
states its reason, which the customer reads (PIPL art. 50). Every step is written to the
request's history and to the staff audit log, and committed with the mail to the customer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.db import utcnow
from portal.mail.mailer import Mailer
from portal.rights.calendar import china_date, working_days_between
from portal.rights.models import (
    OPEN_STATUSES,
    PrivacyRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from portal.rights.services import NotOpen, normalized_reference, request_link
from portal.rights.transfers import send_link
from portal.staff import services as staff_services
from portal.staff.models import StaffMember

#: Requests on a page of the queue.
PAGE_SIZE = 50
#: Kinds that may be answered before the customer's identity is verified: nothing is released.
ANSWERABLE_UNVERIFIED = frozenset({RequestKind.QUESTION})


class RequestNotFound(LookupError):
    """No request has this reference."""


class IdentityNotVerified(Exception):
    """The request releases or changes data: record the identity check first."""


@dataclass(frozen=True)
class QueuedRequest:
    request: PrivacyRequest
    customer_name: str
    customer_email: str
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    items: list[QueuedRequest]
    page: int
    pages: int
    total: int


async def queue(
    *, session: AsyncSession, today: date, open_only: bool = True, page: int = 1
) -> QueuePage:
    """Open requests by due date, earliest (so overdue) first; or every request, open ones
    first, then the others by when they were closed, newest first."""
    counted = select(func.count()).select_from(PrivacyRequest)
    open_ = col(PrivacyRequest.status).in_([s.value for s in OPEN_STATUSES])
    if open_only:
        counted = counted.where(open_)
    total = int(await session.scalar(counted) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    statement = (
        select(PrivacyRequest, col(User.name), col(User.email))
        .outerjoin(User, col(User.id) == col(PrivacyRequest.user_id))
        .order_by(
            case((open_, 0), else_=1),
            case((open_, col(PrivacyRequest.due_on)), else_=None),
            col(PrivacyRequest.answered_at).desc(),
            col(PrivacyRequest.id),
        )
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    if open_only:
        statement = statement.where(open_)
    rows = (await session.execute(statement)).all()
    items = [
        QueuedRequest(
            request=request,
            customer_name=name or "",
            customer_email=email or "",
            overdue=request.is_open and request.due_on < today,
        )
        for request, name, email in rows
    ]
    return QueuePage(items, page, pages, total)


async def find_request(*, session: AsyncSession, reference: str) -> PrivacyRequest:
    normalized = normalized_reference(reference)
    if normalized is None:
        raise RequestNotFound(reference)
    found = await session.scalar(
        select(PrivacyRequest).where(col(PrivacyRequest.reference) == normalized)
    )
    if found is None:
        raise RequestNotFound(reference)
    return found


async def customer_of(*, session: AsyncSession, request: PrivacyRequest) -> User | None:
    """The customer, or None once the account is gone (the request stays)."""
    return None if request.user_id is None else await session.get(User, request.user_id)


def needs_identity(request: PrivacyRequest) -> bool:
    """Whether answering it waits for a recorded identity check."""
    return request.identity_verified_at is None and (
        request.request_kind not in ANSWERABLE_UNVERIFIED
    )


def _step(
    request: PrivacyRequest,
    action: str,
    staff: StaffMember,
    note: str = "",
    *,
    internal: bool = False,
) -> RequestEvent:
    assert request.id is not None
    return RequestEvent(
        request_id=request.id, action=action, staff_id=staff.id, note=note, internal=internal
    )


async def verify_identity(
    *,
    session: AsyncSession,
    staff: StaffMember,
    request: PrivacyRequest,
    method: str,
    ip_address: str = "",
) -> PrivacyRequest:
    """Record how the customer's identity was checked; the request is then in progress."""
    request = await session.merge(request)
    if not request.is_open:
        raise NotOpen(request.reference)
    request.identity_verified_at = utcnow()
    request.identity_verified_by = staff.id
    request.status = RequestStatus.IN_PROGRESS.value
    session.add(_step(request, "identity_verified", staff, method, internal=True))
    await staff_services.record(
        session=session,
        member=staff,
        action="privacy.verify_identity",
        subject=f"request:{request.reference}",
        ip_address=ip_address,
        customer_id=request.user_id,
    )
    await session.commit()
    await session.refresh(request)
    return request


async def add_note(
    *, session: AsyncSession, staff: StaffMember, request: PrivacyRequest, note: str
) -> None:
    """An internal note on the request's history (the customer does not see it)."""
    session.add(_step(request, "note", staff, note, internal=True))
    await session.commit()


async def answer(
    *,
    session: AsyncSession,
    mailer: Mailer,
    staff: StaffMember,
    request: PrivacyRequest,
    text: str,
    refuse: bool,
    ip_address: str = "",
) -> PrivacyRequest:
    """Answer the request with ``text``, or decline it with ``text`` as the reason; mails the
    customer; commits. :class:`IdentityNotVerified` for an answer that needs the check first."""
    request = await session.merge(request)
    if not request.is_open:
        raise NotOpen(request.reference)
    if not refuse and needs_identity(request):
        raise IdentityNotVerified(request.reference)
    status = RequestStatus.REFUSED if refuse else RequestStatus.COMPLETED
    request.status = status.value
    request.answer = text
    request.answered_at = utcnow()
    session.add(_step(request, "refused" if refuse else "completed", staff))
    await staff_services.record(
        session=session,
        member=staff,
        action="privacy.refuse" if refuse else "privacy.answer",
        subject=f"request:{request.reference} {request.kind}",
        ip_address=ip_address,
        customer_id=request.user_id,
    )
    customer = await customer_of(session=session, request=request)
    if not refuse and request.request_kind is RequestKind.TRANSFER and customer is not None:
        await send_link(session, mailer=mailer, request=request, customer=customer)
    if customer is not None and customer.email:
        mailer.queue(
            session=session,
            user_id=customer.id,
            recipient=customer.email,
            template="privacy_request_answered",
            locale=customer.preferred_language,
            context={
                "name": customer.name,
                "reference": request.reference,
                "answer": text,
                "refused": refuse,
                "request_link": request_link(mailer, request.reference),
            },
        )
    await session.commit()
    await session.refresh(request)
    return request


#: The chart's last column: requests this many working days old or older share it.
CHART_DAYS = 20


async def open_ages(*, session: AsyncSession, today: date) -> Counter[int]:
    """How many open requests have waited each number of working days (capped at
    :data:`CHART_DAYS`), for the chart against the 15-day line."""
    filed = await session.scalars(
        select(col(PrivacyRequest.filed_at)).where(
            col(PrivacyRequest.status).in_([s.value for s in OPEN_STATUSES])
        )
    )
    return Counter(
        min(working_days_between(china_date(moment), today), CHART_DAYS) for moment in filed
    )
