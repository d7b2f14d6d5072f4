"""A customer's privacy requests: filed, listed, shown, withdrawn; due dates kept true.

Every request gets a reference and a due date 15 working days out (``portal.rights.calendar``),
an acknowledgement by mail, and a history the customer reads on its page. A request like one
still open, or the third of its kind within :data:`REPEAT_WINDOW`, is flagged for the privacy
officer to judge (policy 5.7 lets us decline what is unnecessarily repetitive); it is received
and dated like any other, never refused for it automatically.

Only the owner reaches a request: another customer's reference, or one that does not exist,
is :class:`RequestNotFound` alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from portal import i18n
from portal.accounts.models import User
from portal.db import utcnow
from portal.mail.mailer import Mailer
from portal.references import PRIVACY_REQUESTS
from portal.rights.calendar import china_date, due_date
from portal.rights.models import (
    OPEN_STATUSES,
    PrivacyRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from portal.templating import localdate
from portal.urls import url_path

#: Requests of one kind filed within this window before a new one count towards a repeat.
REPEAT_WINDOW = timedelta(days=90)
#: How many earlier requests of one kind within the window make a new one a repeat.
REPEAT_AFTER = 2


class RequestNotFound(LookupError):
    """No request of this customer has this reference."""


class NotOpen(Exception):
    """The request has been answered or withdrawn already."""


#: ``R-7K3M9XQ2`` (portal.references says why these).
new_reference = PRIVACY_REQUESTS.new
normalized_reference = PRIVACY_REQUESTS.normalized


@dataclass(frozen=True)
class RequestDetails:
    """What the customer wrote, as the form checked it."""

    kind: RequestKind
    details: str = ""
    deletion_reason: str = ""
    recipient_name: str = ""
    recipient_email: str = ""
    recipient_purpose: str = ""


def request_link(mailer: Mailer, reference: str) -> str:
    """The customer's page of the request, as an absolute address for a mail."""
    return mailer.link(url_path("privacy_request", reference=reference))


async def _is_repeat(session: AsyncSession, user_id: int, kind: RequestKind, now: datetime) -> bool:
    same_kind = (col(PrivacyRequest.user_id) == user_id) & (col(PrivacyRequest.kind) == kind.value)
    still_open = await session.scalar(
        select(func.count())
        .select_from(PrivacyRequest)
        .where(same_kind, col(PrivacyRequest.status).in_([s.value for s in OPEN_STATUSES]))
    )
    lately = await session.scalar(
        select(func.count())
        .select_from(PrivacyRequest)
        .where(
            same_kind,
            col(PrivacyRequest.filed_at) >= now - REPEAT_WINDOW,
            col(PrivacyRequest.status) != RequestStatus.WITHDRAWN.value,
        )
    )
    return bool(still_open) or (lately or 0) >= REPEAT_AFTER


async def file_request(
    *,
    session: AsyncSession,
    mailer: Mailer,
    user: User,
    details: RequestDetails,
    now: datetime | None = None,
) -> PrivacyRequest:
    """Record a request, date it, flag a repeat, mail the acknowledgement; commits."""
    assert user.id is not None
    now = now or utcnow()
    due = due_date(china_date(now))
    repeated = await _is_repeat(session, user.id, details.kind, now)
    for _attempt in range(5):
        request = PrivacyRequest(
            reference=new_reference(),
            user_id=user.id,
            kind=details.kind.value,
            details=details.details,
            deletion_reason=details.deletion_reason,
            recipient_name=details.recipient_name,
            recipient_email=details.recipient_email,
            recipient_purpose=details.recipient_purpose,
            filed_at=now,
            due_on=due.day,
            due_provisional=due.provisional,
            flagged_repeated=repeated,
        )
        session.add(request)
        try:
            await session.flush()
        except IntegrityError:  # the reference was drawn before: draw again
            await session.rollback()
            continue
        break
    else:  # pragma: no cover - 40 bits five times over
        raise RuntimeError("could not draw a free request reference")
    assert request.id is not None
    session.add(RequestEvent(request_id=request.id, at=now, action="filed"))
    if repeated:
        session.add(RequestEvent(request_id=request.id, at=now, action="flagged", internal=True))
    if user.email:
        mailer.queue(
            session=session,
            user_id=user.id,
            recipient=user.email,
            template="privacy_request_received",
            locale=user.preferred_language,
            context={
                "name": user.name,
                "reference": request.reference,
                "kind": request.kind,
                "due_on": request.due_on,
                "provisional": request.due_provisional,
                "request_link": request_link(mailer, request.reference),
            },
        )
    await session.commit()
    await session.refresh(request)
    return request


async def list_requests(session: AsyncSession, user: User) -> Sequence[PrivacyRequest]:
    """The customer's requests, newest first."""
    result = await session.execute(
        select(PrivacyRequest)
        .where(col(PrivacyRequest.user_id) == user.id)
        .order_by(col(PrivacyRequest.filed_at).desc(), col(PrivacyRequest.id).desc())
    )
    return result.scalars().all()


async def find_request(session: AsyncSession, user: User, reference: str) -> PrivacyRequest:
    normalized = normalized_reference(reference)
    if normalized is None:
        raise RequestNotFound(reference)
    request = await session.scalar(
        select(PrivacyRequest).where(
            col(PrivacyRequest.reference) == normalized, col(PrivacyRequest.user_id) == user.id
        )
    )
    if request is None:
        raise RequestNotFound(reference)
    return request


async def history(
    session: AsyncSession, request: PrivacyRequest, *, internal: bool = False
) -> Sequence[RequestEvent]:
    """The request's steps, oldest first; staff's internal notes only when ``internal``."""
    query = select(RequestEvent).where(col(RequestEvent.request_id) == request.id)
    if not internal:
        query = query.where(col(RequestEvent.internal).is_(False))
    result = await session.execute(query.order_by(col(RequestEvent.at), col(RequestEvent.id)))
    return result.scalars().all()


async def withdraw_request(
    *, session: AsyncSession, user: User, request: PrivacyRequest
) -> PrivacyRequest:
    """The customer no longer wants it answered; commits. :class:`NotOpen` once answered."""
    request = await session.merge(request)
    if request.user_id != user.id:
        raise RequestNotFound(request.reference)
    if not request.is_open:
        raise NotOpen(request.reference)
    now = utcnow()
    request.status = RequestStatus.WITHDRAWN.value
    request.answered_at = now
    assert request.id is not None
    session.add(RequestEvent(request_id=request.id, at=now, action="withdrawn"))
    await session.commit()
    await session.refresh(request)
    return request


async def close_with_account(
    *, session: AsyncSession, user_id: int, language: str, now: datetime
) -> int:
    """Close the account's open requests as its deletion removes it; the caller commits.

    Nobody is left to answer in the Personal Center and no address to write to, so staff are
    no longer reminded of them (``reminders.py``); each keeps its history, and an answer in the
    customer's language says why it closed. How many were closed.
    """
    requests = await session.scalars(
        select(PrivacyRequest)
        .where(col(PrivacyRequest.user_id) == user_id)
        .where(col(PrivacyRequest.status).in_(sorted(OPEN_STATUSES)))
    )
    closed = 0
    with i18n.use_locale(language):
        answer = i18n.gettext(
            "We closed this request when the account it came from was deleted on %(date)s: "
            "there is no longer an account to answer it in.",
            date=localdate(china_date(now)),
        )
    for request in requests:
        assert request.id is not None
        request.status = RequestStatus.CLOSED.value
        request.answer = answer
        request.answered_at = now
        session.add(RequestEvent(request_id=request.id, at=now, action="account_deleted"))
        closed += 1
    return closed


async def settle_provisional_due_dates(session: AsyncSession) -> int:
    """Compute again the due dates that counted days of a year the calendar did not cover;
    how many changed. Run by the worker, so a newer ``chinesecalendar`` corrects them."""
    result = await session.execute(
        select(PrivacyRequest).where(col(PrivacyRequest.due_provisional).is_(True))
    )
    changed = 0
    for request in result.scalars().all():
        due = due_date(china_date(request.filed_at))
        if due.provisional:
            continue
        assert request.id is not None
        if due.day != request.due_on:
            changed += 1
            session.add(
                RequestEvent(
                    request_id=request.id,
                    action="due_date_settled",
                    note=due.day.isoformat(),
                )
            )
        request.due_on = due.day
        request.due_provisional = False
    await session.commit()
    return changed
