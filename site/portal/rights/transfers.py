"""Transfers to another personal information processor (policy 5.2; PIPL art. 45).

Once a privacy officer has verified the customer's identity and answers a transfer request,
:func:`issue_link` mails the receiving processor the customer named a link to the same
machine-readable copy the customer downloads themselves (``portal.profile.export``). The
link:

- is **signed** with the app's secret key (itsdangerous, a salt of its own) over the link's
  row id and a random secret, so a forged or altered token is refused before any query;
- **expires** after :data:`LINK_DAYS` days (the signature's age and the row's ``expires_at``);
- works **once**: :func:`use_link` marks it used in the transaction that records the
  disclosure, before a byte is sent; a second visit is told it was used.

Every step (link sent, copy downloaded) is in the request's history, which the customer reads,
and the download is a :class:`~portal.rights.models.Disclosure` on "What we hold on you".
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.db import utcnow, valid_id
from portal.mail.mailer import Mailer
from portal.rights.models import Disclosure, PrivacyRequest, RequestEvent, TransferLink
from portal.urls import url_path

SALT = "portal.rights.transfer"
#: How long the processor has to download the copy.
LINK_DAYS = 7


class LinkRefused(Exception):
    """The link cannot be used; ``reason`` is "invalid", "expired" or "used"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OpenedLink:
    link: TransferLink
    request: PrivacyRequest
    customer: User


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


async def send_link(
    session: AsyncSession,
    *,
    mailer: Mailer,
    request: PrivacyRequest,
    customer: User,
    now: datetime | None = None,
) -> TransferLink:
    """Make a link for the approved transfer ``request``, mail it to the processor the
    customer named (in the customer's language, which the processor also reads the copy in),
    and note it in the request's history; the caller commits."""
    assert request.id is not None
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    link = TransferLink(
        request_id=request.id,
        token_hash=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=LINK_DAYS),
    )
    session.add(link)
    await session.flush()
    token = _serializer(mailer.secret_key).dumps({"link": link.id, "secret": secret})
    mailer.queue(
        session=session,
        user_id=customer.id,  # the customer's mail: it is listed among what we hold on them
        recipient=request.recipient_email,
        template="transfer_link",
        locale=customer.preferred_language,
        context={
            "processor": request.recipient_name,
            "purpose": request.recipient_purpose,
            "reference": request.reference,
            "link": mailer.link(url_path("transfer_download", token=token)),
            "expires_at": link.expires_at,
        },
    )
    session.add(
        RequestEvent(
            request_id=request.id, at=now, action="transfer_link_sent", note=request.recipient_name
        )
    )
    return link


async def open_link(
    session: AsyncSession, *, token: str, secret_key: str, now: datetime | None = None
) -> OpenedLink:
    """The link ``token`` names, if it may still be used; else :class:`LinkRefused`."""
    now = now or utcnow()
    try:
        payload = _serializer(secret_key).loads(token, max_age=LINK_DAYS * 86400)
    except SignatureExpired:
        raise LinkRefused("expired") from None
    except BadData:
        raise LinkRefused("invalid") from None
    if not isinstance(payload, dict):
        raise LinkRefused("invalid")
    link_id, secret = payload.get("link"), payload.get("secret")
    if not valid_id(link_id) or not isinstance(secret, str):
        raise LinkRefused("invalid")
    link = await session.get(TransferLink, link_id)
    if link is None or not secrets.compare_digest(link.token_hash, _digest(secret)):
        raise LinkRefused("invalid")
    if link.used_at is not None:
        raise LinkRefused("used")
    if link.expires_at <= now:
        raise LinkRefused("expired")
    request = await session.get(PrivacyRequest, link.request_id)
    customer = (
        await session.get(User, request.user_id)
        if request is not None and request.user_id is not None
        else None
    )
    if request is None or customer is None:  # the account was deleted meanwhile
        raise LinkRefused("invalid")
    return OpenedLink(link=link, request=request, customer=customer)


async def use_link(session: AsyncSession, opened: OpenedLink) -> None:
    """Mark the link used and record the disclosure, and commit, before the copy is sent; a
    second use that raced this one finds it used (:class:`LinkRefused`)."""
    now = utcnow()
    claimed = await session.execute(
        update(TransferLink)
        .where(col(TransferLink.id) == opened.link.id, col(TransferLink.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise LinkRefused("used")
    request = opened.request
    assert request.id is not None
    assert opened.customer.id is not None
    session.add(
        Disclosure(
            user_id=opened.customer.id,
            request_id=request.id,
            recipient_name=request.recipient_name,
            recipient_contact=request.recipient_email,
            purpose=request.recipient_purpose,
            scope="all",
            disclosed_at=now,
        )
    )
    session.add(
        RequestEvent(
            request_id=request.id, at=now, action="transfer_downloaded", note=request.recipient_name
        )
    )
    await session.commit()
