"""The accounts area's background job: forget old throttle counts and dead reset links.

A throttle row names nobody (its key is an HMAC), but it is still data about someone's
behaviour, so it is kept no longer than the throttles need it (a day; throttling.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts import password_reset, throttling

logger = logging.getLogger("portal.accounts")


async def tidy(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """One round: (throttle rows, reset links) deleted. Idempotent, so workers may overlap."""
    async with sessions() as session:
        throttles = await throttling.prune(session)
        links = await password_reset.prune(session=session)
    return throttles, links


async def run_housekeeping(
    sessions: async_sessionmaker[AsyncSession],
    *,
    interval: float = 600.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Tidy every ``interval`` seconds until ``stop`` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await tidy(sessions)
        except Exception:
            logger.exception("accounts housekeeping round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
