"""The retention job: delete what has been kept as long as the inventory says, and no longer.

``content/inventory.toml`` gives a scenario an ``expires = { after = <event>, years = N }``
where its records leave on their own rather than with the account or at the customer's word.
Each event is a rule here:

- ``request_closed`` (privacy and transfer requests): a request answered, declined or
  withdrawn more than N years ago goes, with its history, its transfer links and the provision
  records it produced (the longest N of the scenarios naming the event applies);
- ``order_placed`` (quote requests): an order the customer asked to delete is restricted
  (``portal.quotes.services.delete_quote``) until N years after it was placed, then goes with
  its drawings' ciphertext; so do the terms of orders kept after their account was deleted
  (``retained_orders``, ``portal.accounts.deregistration``) once their day has passed.

Every run is idempotent (it deletes what is expired *now*; a second run finds nothing), so any
number of workers may run it. A real run records each rule's count in ``retention_runs``;
``python -m portal retention --dry-run`` lists what would go, and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from portal.db import utcnow
from portal.drawings.deletions import finish_deletions, queue_deletions
from portal.drawings.models import Drawing
from portal.drawings.storage import DrawingStorage
from portal.policy.model import Inventory
from portal.privacy.models import RetentionRun
from portal.quotes.models import QuoteRequest, RetainedOrder
from portal.rights.calendar import CHINA, add_years, china_date
from portal.rights.models import OPEN_STATUSES, Disclosure, PrivacyRequest

logger = logging.getLogger("portal.retention")


@dataclass
class Expired:
    """What one rule finds expired: ``items`` names each (references), for a dry run."""

    rule: str  # "<inventory scenario id>.<what>", as retention_runs records it
    items: list[str] = field(default_factory=list)
    #: Drawing objects to delete from the store once the rows' deletion is committed.
    keys: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)


def years_after(inventory: Inventory, event: str) -> int | None:
    """The longest period the inventory gives records that expire after ``event``."""
    periods = [
        s.expires.years for s in inventory.scenarios if s.expires and s.expires.after == event
    ]
    return max(periods) if periods else None


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA)


def _cutoff(today: date, years: int) -> datetime:
    """Records of an event before this moment (China's midnight, ``years`` back) expired."""
    return _start_of(add_years(today, -years))


async def _closed_requests(
    session: AsyncSession, today: date, years: int, dry_run: bool
) -> Expired:
    found = Expired("privacy_requests.closed_requests")
    expired = list(
        await session.scalars(
            select(PrivacyRequest).where(
                col(PrivacyRequest.status).not_in([s.value for s in OPEN_STATUSES]),
                col(PrivacyRequest.answered_at) < _cutoff(today, years),
            )
        )
    )
    found.items = [request.reference for request in expired]
    if expired and not dry_run:
        ids = [request.id for request in expired]
        await session.execute(delete(Disclosure).where(col(Disclosure.request_id).in_(ids)))
        # Their history and transfer links go with them (ON DELETE CASCADE).
        await session.execute(delete(PrivacyRequest).where(col(PrivacyRequest.id).in_(ids)))
    return found


async def _restricted_orders(session: AsyncSession, today: date, dry_run: bool) -> Expired:
    found = Expired("request_a_quote.restricted_orders")
    expired = list(
        await session.scalars(
            select(QuoteRequest).where(
                col(QuoteRequest.restricted_at).is_not(None),
                col(QuoteRequest.restricted_until) < today,
            )
        )
    )
    found.items = [quote.reference for quote in expired]
    if expired and not dry_run:
        ids = [quote.id for quote in expired]
        keys = list(
            await session.scalars(
                select(col(Drawing.storage_key)).where(col(Drawing.quote_id).in_(ids))
            )
        )
        queue_deletions(session, keys)  # the objects go after the commit (drawings/deletions)
        await session.execute(delete(QuoteRequest).where(col(QuoteRequest.id).in_(ids)))
        found.keys = keys
    return found


async def _kept_orders(session: AsyncSession, today: date, dry_run: bool) -> Expired:
    found = Expired("request_a_quote.kept_orders")
    expired = list(
        await session.scalars(
            select(RetainedOrder).where(col(RetainedOrder.retained_until) < today)
        )
    )
    found.items = [order.reference for order in expired]
    if expired and not dry_run:
        ids = [order.id for order in expired]
        await session.execute(delete(RetainedOrder).where(col(RetainedOrder.id).in_(ids)))
    return found


async def run_retention(
    session: AsyncSession,
    *,
    inventory: Inventory,
    storage: DrawingStorage,
    today: date | None = None,
    dry_run: bool = False,
) -> list[Expired]:
    """Find (and unless ``dry_run``, delete and record) what has expired today; commits."""
    today = today or china_date(utcnow())
    results: list[Expired] = []
    years = years_after(inventory, "request_closed")
    if years is not None:
        results.append(await _closed_requests(session, today, years, dry_run))
    if years_after(inventory, "order_placed") is not None:
        results.append(await _restricted_orders(session, today, dry_run))
        results.append(await _kept_orders(session, today, dry_run))
    if dry_run:
        await session.rollback()
        return results
    ran_at = utcnow()
    session.add_all(RetentionRun(ran_at=ran_at, rule=r.rule, deleted=r.count) for r in results)
    await session.commit()
    keys = [key for result in results for key in result.keys]
    if keys:
        await finish_deletions(session=session, storage=storage, keys=keys)
    for result in results:
        if result.count:
            logger.info("retention: %s: deleted %d", result.rule, result.count)
    return results


async def run_retention_daily(
    sessions: async_sessionmaker[AsyncSession],
    *,
    inventory: Callable[[], Inventory],
    storage: DrawingStorage,
    interval: float = 3600.0,
    stop: asyncio.Event | None = None,
) -> None:
    """The worker's loop: a run every ``interval`` seconds (each finds only what expired since)."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            async with sessions() as session:
                await run_retention(session, inventory=inventory(), storage=storage)
        except Exception:
            logger.exception("retention round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
