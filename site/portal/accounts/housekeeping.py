"""The accounts area's background jobs: forget old throttle counts, dead reset links and expired
changes of the login address, delete the accounts whose address was never confirmed, and the
confirmation mails of deleted accounts once their time is up.

A throttle row names nobody (its key is an HMAC), but it is still data about someone's
behaviour, so it is kept no longer than the throttles need it (a day; throttling.py).

Anyone can register someone else's address; the owner is then told that it "already has an
account". Such an account, never confirmed, is deleted after ``PORTAL_UNVERIFIED_ACCOUNT_DAYS``
(the verification link works for as long), so the address is free again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from portal.accounts import deregistration, password_reset, throttling
from portal.accounts.models import User
from portal.crypto.keystore import DataKeys
from portal.db import utcnow
from portal.drawings.storage import DrawingStorage
from portal.profile.account import email_change

logger = logging.getLogger("portal.accounts")


async def tidy(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """One round: (throttle rows, links) deleted, the links being reset links and expired
    changes of the login address (each holds a new address, kept no longer than its link
    works); so are old confirmations of deleted accounts (deregistration.py). Kept orders whose
    period ended are the retention job's (``portal.privacy.retention``).

    Idempotent, so workers may overlap.
    """
    async with sessions() as session:
        throttles = await throttling.prune(session)
        links = await password_reset.prune(session=session)
        links += await email_change.prune(session=session)
        await deregistration.purge_confirmations(session=session)
    return throttles, links


async def expire_unverified(
    sessions: async_sessionmaker[AsyncSession],
    *,
    days: int,
    data_keys: DataKeys,
    storage: DrawingStorage,
    now: datetime | None = None,
) -> int:
    """Delete the email accounts not confirmed within ``days`` of registering; their number.

    Each goes through ``deregistration.delete_account`` (reason ``unconfirmed``), as every
    deleted account does: with its row locked, a confirmation that commits first keeps its
    account, one that comes after finds none. The database removes what the account holds
    (``ON DELETE CASCADE``); the consent ledger's rows stay with ``user_id`` set to NULL, so
    they record that a consent was given but no longer whose; the data key is erased and any
    drawing's object deleted from the store. No mail: the address may be a stranger's. An
    account made through WeChat has no address to confirm and is never deleted here.
    """
    cutoff = (now or utcnow()) - timedelta(days=days)
    deleted = 0
    async with sessions() as session:
        candidates = list(
            await session.scalars(
                select(User)
                .where(col(User.email_verified_at).is_(None))
                .where(col(User.email_key).is_not(None))
                .where(col(User.wechat_openid).is_(None))
                .where(col(User.created_at) < cutoff)
            )
        )
        for user in candidates:
            outcome = await deregistration.delete_account(
                session=session,
                user=user,
                data_keys=data_keys,
                storage=storage,
                reason=deregistration.Reason.UNCONFIRMED,
            )
            deleted += outcome.deleted
    if deleted:
        logger.info("deleted %d account(s) whose address was never confirmed", deleted)
    return deleted


async def run_housekeeping(
    sessions: async_sessionmaker[AsyncSession],
    *,
    unverified_days: int,
    data_keys: DataKeys,
    storage: DrawingStorage,
    interval: float = 600.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Tidy, and expire unconfirmed accounts, every ``interval`` seconds until ``stop`` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await tidy(sessions)
            await expire_unverified(
                sessions, days=unverified_days, data_keys=data_keys, storage=storage
            )
        except Exception:
            logger.exception("accounts housekeeping round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
