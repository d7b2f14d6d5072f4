"""Deleting an account: deregistration (policy 5.6) and every other path that deletes one.

:func:`delete_account` is the one way an account goes: the customer deregistering in the
Personal Center (``/account/privacy/deregister``), the worker expiring an address nobody
confirmed (housekeeping.py), and staff acting on a minor's account (policy 6) or on a request
to delete the whole account (policy 5.4) each call it with their :class:`Reason`.

In one transaction, with the account's row locked:

- the ``users`` row goes, and with it (``ON DELETE CASCADE``) every row that names the account:
  its login sessions (every device is signed out at once: a cookie then finds no session and
  gets the login page), reset links, addresses, invoice details, subscriptions, the audit
  trail, policy announcements, mail, quote requests and drawing rows. Unsent mail to the
  account's address that names no account goes too;
- for deregistration, the customer's own act, the consent ledger records the withdrawal of
  the consent to the Data Protection Policy (without which no account is kept) and of every
  other consent still standing (``consent_withdrawn`` rows, policy 5.5), before the rows lose
  the account's id;
- the account's privacy requests still open close, each with an answer saying why: nobody is
  left to answer them, and staff are no longer reminded of them;
- what the law makes us keep stays, naming nobody: each quote request that became an order is
  copied to ``retained_orders`` (``RetainedOrder``: its terms, no person) until
  :func:`retained_until` (PRC E-commerce Law art. 31); the consent ledger's rows stay with
  ``user_id`` set to NULL (append-only, migration 0004);
- the drawings' storage keys are queued (``portal.drawings.deletions``), and the confirmation
  mail is queued naming no account, so that the cascade leaves it to be sent.

The user's data key is erased before the commit, and again after it (an upload racing the
deletion may have made a new one): a crash after the commit cannot leave a key behind, and
every drawing and encrypted value becomes unreadable in every copy, backups included. Then the
drawings' objects are deleted from the store. Run again, it finishes what a crash left: the key
is erased and the queued objects deleted, whether or not the account is still there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import LoginSession, User
from portal.accounts.services import lock_user_id
from portal.crypto import DataKeys
from portal.db import saved_id, utcnow
from portal.drawings.deletions import finish_deletions, queue_deletions
from portal.drawings.models import Drawing, DrawingDeletion
from portal.drawings.storage import DrawingStorage
from portal.mail.mailer import Mailer
from portal.mail.models import OutboxMessage
from portal.policy.library import today_in_china
from portal.privacy.services import CONTACT_EMAIL, record_withdrawals_at_deregistration
from portal.quotes.models import QuoteRequest, QuoteStatus, RetainedOrder
from portal.rights.services import close_with_account

logger = logging.getLogger("portal.accounts")

#: How long an order's terms are kept after its customer's account is deleted. The PRC
#: E-commerce Law (2019), art. 31: transaction information is kept "for no less than three
#: years from the date the transaction is completed". We do not record when an order is
#: completed (delivered and paid), so the three years run from the day the account is deleted,
#: which is no earlier than any completion before it.
ORDER_RETENTION_YEARS = 3

#: How long the confirmation mail, which names no account, stays in the outbox: long enough
#: for every retry of the sender (less than a day) and to look into a bounce.
CONFIRMATION_KEPT = timedelta(days=7)

#: An account without a password proves who it is by having signed in this recently (WeChat
#: checked the person then), where another would type its password again.
RECENT_SIGN_IN = timedelta(minutes=15)


class Reason(StrEnum):
    """Why an account is deleted: what the logs record and what its confirmation mail says."""

    DEREGISTERED = "deregistered"  # the customer, in the Personal Center (policy 5.6)
    UNCONFIRMED = "unconfirmed"  # its address was never confirmed (housekeeping.py)
    MINOR = "minor"  # staff found it is a minor's (policy 6)
    DELETION_REQUEST = "deletion_request"  # staff, on a request to delete it whole (5.4)


#: Reasons that mail a confirmation. An address nobody confirmed may be a stranger's: it gets
#: no mail (its owner was told at registration that the account goes unless confirmed).
MAILED = frozenset({Reason.DEREGISTERED, Reason.MINOR, Reason.DELETION_REQUEST})


@dataclass(frozen=True)
class AccountDeletion:
    """What :func:`delete_account` did. ``deleted`` is false when the account was gone already
    or its reason no longer held (an address confirmed meanwhile)."""

    deleted: bool
    retained_orders: int = 0
    objects_deleted: int = 0
    objects_left: int = 0  # still queued: the store failed; unreadable, the worker retries
    mailed: bool = False


def retained_until(deleted_on: date, *, years: int = ORDER_RETENTION_YEARS) -> date:
    """The last day an order's terms are kept when its account is deleted on ``deleted_on``."""
    try:
        return deleted_on.replace(year=deleted_on.year + years)
    except ValueError:  # 29 February, into a year without one
        return deleted_on.replace(year=deleted_on.year + years, day=28)


async def orders_kept(*, session: AsyncSession, user: User) -> int:
    """How many of the user's quote requests became orders: what deleting would keep."""
    count = await session.scalar(
        select(func.count())
        .select_from(QuoteRequest)
        .where(col(QuoteRequest.user_id) == saved_id(user))
        .where(col(QuoteRequest.status) == QuoteStatus.ORDERED.value)
    )
    return int(count or 0)


def signed_in_recently(login_session: LoginSession, *, now: datetime | None = None) -> bool:
    """Whether this browser signed in within :data:`RECENT_SIGN_IN`: an account without a
    password shows it is its owner's that way (the page explains why)."""
    return (now or utcnow()) - login_session.created_at <= RECENT_SIGN_IN


def _id_of(user: User) -> int:
    """The account's id, without loading anything: a caller's rollback (the worker's, between
    two accounts) leaves its ``User`` expired, and reading an attribute would query."""
    identity = sa_inspect(user).identity
    return int(identity[0]) if identity else saved_id(user)


def _still_applies(reason: Reason, user: User) -> bool:
    if reason is Reason.UNCONFIRMED:  # confirmed meanwhile: it stays
        return user.email_verified_at is None and user.wechat_openid is None
    return True


async def delete_account(
    *,
    session: AsyncSession,
    user: User,
    data_keys: DataKeys,
    storage: DrawingStorage,
    reason: Reason,
    mailer: Mailer | None = None,
    language: str | None = None,
) -> AccountDeletion:
    """Delete ``user``'s account for ``reason`` (see the module docstring); commits.

    Idempotent: an account deleted already has its key erased again and the deletions queued
    by a run that crashed finished. For :data:`MAILED` reasons and an account with an address,
    ``mailer`` queues the confirmation in the account's language. ``language`` is the one the
    customer deregistered in, for the ledger's withdrawals (default: their preferred one).
    """
    user_id = _id_of(user)
    await lock_user_id(session, user_id)
    current = await session.scalar(
        select(User).where(col(User.id) == user_id).execution_options(populate_existing=True)
    )
    if current is None or not _still_applies(reason, current):
        await session.rollback()
        if current is not None:
            return AccountDeletion(False)
        await data_keys.erase(user_id)
        queued = list(await session.scalars(select(col(DrawingDeletion.storage_key))))
        await finish_deletions(session=session, storage=storage, keys=queued)
        return AccountDeletion(False)

    keys = list(
        await session.scalars(
            select(col(Drawing.storage_key)).where(col(Drawing.user_id) == user_id)
        )
    )
    queue_deletions(session, keys)
    deleted_on = today_in_china()
    kept = await _retain_orders(session, user_id, retained_until(deleted_on))
    if current.email_key:
        # Mail to the address that names no account (none of ours is sent so today): unsent,
        # it would reach the customer after the confirmation that they are gone.
        await session.execute(
            delete(OutboxMessage)
            .where(col(OutboxMessage.user_id).is_(None))
            .where(col(OutboxMessage.sent_at).is_(None))
            .where(func.lower(col(OutboxMessage.recipient)) == current.email_key)
        )
    if reason is Reason.DEREGISTERED:
        await record_withdrawals_at_deregistration(
            session=session,
            user_id=user_id,
            language=language or current.preferred_language,
            channel="website",
        )
        await session.flush()  # written while they still name the account
    await close_with_account(
        session=session,
        user_id=user_id,
        language=current.preferred_language,
        now=utcnow(),
    )
    mailed = False
    if mailer is not None and reason in MAILED and current.email:
        _queue_confirmation(session, mailer, current, reason, kept, deleted_on)
        mailed = True
    await session.execute(delete(User).where(col(User.id) == user_id))
    await data_keys.erase(user_id)
    await session.commit()
    await data_keys.erase(user_id)
    finished = await finish_deletions(session=session, storage=storage, keys=keys)
    logger.info(
        "deleted an account (%s): %d order(s) kept without a name, %d drawing object(s) "
        "deleted, %d left queued",
        reason.value,
        kept,
        finished.deleted,
        finished.left,
    )
    return AccountDeletion(True, kept, finished.deleted, finished.left, mailed)


async def _retain_orders(session: AsyncSession, user_id: int, until: date) -> int:
    """Copy the terms of the user's orders to ``retained_orders``, naming nobody."""
    orders = await session.scalars(
        select(QuoteRequest)
        .where(col(QuoteRequest.user_id) == user_id)
        .where(col(QuoteRequest.status) == QuoteStatus.ORDERED.value)
    )
    kept = 0
    for quote in orders:
        session.add(
            RetainedOrder(
                reference=quote.reference,
                process=quote.process,
                material=quote.material,
                finish=quote.finish,
                tolerance=quote.tolerance,
                quantity=quote.quantity,
                required_date=quote.required_date,
                price=quote.price,
                lead_days=quote.lead_days,
                requested_at=quote.created_at,
                ordered_at=quote.updated_at,
                retained_until=until,
            )
        )
        kept += 1
    return kept


def _queue_confirmation(
    session: AsyncSession,
    mailer: Mailer,
    user: User,
    reason: Reason,
    kept: int,
    deleted_on: date,
) -> None:
    """The confirmation, naming no account (``user_id`` NULL): the cascade must not take it."""
    mailer.queue(
        session=session,
        user_id=None,
        recipient=user.email or "",
        template="account_deleted",
        locale=user.preferred_language,
        context={
            "name": user.name,
            "reason": reason.value,
            "deleted_on": deleted_on,
            "kept_orders": kept,
            "kept_until": retained_until(deleted_on),
            "years": ORDER_RETENTION_YEARS,
            "contact_email": CONTACT_EMAIL,
        },
    )


async def purge_confirmations(*, session: AsyncSession, now: datetime | None = None) -> int:
    """Delete the confirmation mails queued over :data:`CONFIRMATION_KEPT` ago, sent or given
    up (the only mail that names no account); commits; how many."""
    result = await session.scalars(
        delete(OutboxMessage)
        .where(col(OutboxMessage.user_id).is_(None))
        .where(col(OutboxMessage.created_at) < (now or utcnow()) - CONFIRMATION_KEPT)
        .returning(col(OutboxMessage.id))
    )
    purged = len(list(result))
    await session.commit()
    return purged
