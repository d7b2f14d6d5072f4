"""The worker's part in answering on time: remind privacy officers of requests falling due,
and settle due dates once the holiday calendar covers them.

A request is reminded of twice at most: when :data:`DUE_SOON` working days or fewer are left
("due_soon"), and once it is overdue ("overdue"). Each reminder is claimed with a conditional
``UPDATE`` in the transaction that queues its mail, so workers running side by side send it
once. Officers (and admins) whose accounts are active get it, in Chinese (staff accounts have no
preferred language; the team answering requests works in Shanghai), with a link to the
request in the console.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from portal.db import utcnow
from portal.mail.mailer import Mailer
from portal.rights.calendar import china_date, working_days_between
from portal.rights.models import OPEN_STATUSES, PrivacyRequest, RequestEvent
from portal.rights.services import settle_provisional_due_dates
from portal.staff.models import Role, StaffMember
from portal.urls import url_path

logger = logging.getLogger("portal.rights")

#: Remind when this many working days or fewer are left.
DUE_SOON = 3
#: The language of reminders to staff.
STAFF_LOCALE = "zh_Hans"


def stage_of(request: PrivacyRequest, today: date) -> str | None:
    """The reminder ``request`` is owed today, if any: "due_soon", "overdue" or None."""
    if today > request.due_on:
        return "overdue" if request.reminded != "overdue" else None
    if request.reminded == "" and working_days_between(today, request.due_on) <= DUE_SOON:
        return "due_soon"
    return None


async def _officers(session: AsyncSession) -> list[StaffMember]:
    result = await session.scalars(
        select(StaffMember).where(
            col(StaffMember.role).in_([Role.PRIVACY_OFFICER.value, Role.ADMIN.value]),
            col(StaffMember.disabled_at).is_(None),
        )
    )
    return list(result)


async def send_reminders(
    sessions: async_sessionmaker[AsyncSession], mailer: Mailer, *, today: date | None = None
) -> int:
    """Queue the reminders owed today; how many requests were reminded of."""
    today = today or china_date(utcnow())
    sent = 0
    async with sessions() as session:
        candidates = list(
            await session.scalars(
                select(PrivacyRequest).where(
                    col(PrivacyRequest.status).in_([s.value for s in OPEN_STATUSES]),
                    col(PrivacyRequest.reminded) != "overdue",
                )
            )
        )
        officers = await _officers(session)
        for request in candidates:
            stage = stage_of(request, today)
            if stage is None:
                continue
            claimed = await session.execute(
                update(PrivacyRequest)
                .where(
                    col(PrivacyRequest.id) == request.id,
                    col(PrivacyRequest.reminded) == request.reminded,
                )
                .values(reminded=stage)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                await session.rollback()
                continue
            assert request.id is not None
            session.add(
                RequestEvent(request_id=request.id, action="reminder", note=stage, internal=True)
            )
            link = mailer.link(url_path("staff_privacy_request", reference=request.reference))
            for officer in officers:
                mailer.queue(
                    session=session,
                    user_id=None,
                    recipient=officer.email,
                    template="privacy_request_reminder",
                    locale=STAFF_LOCALE,
                    context={
                        "reference": request.reference,
                        "due_on": request.due_on,
                        "overdue": stage == "overdue",
                        "console_link": link,
                    },
                )
            await session.commit()
            sent += 1
    if sent:
        logger.info("reminded privacy officers of %d request(s)", sent)
    return sent


async def run_reminders(
    sessions: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    *,
    interval: float = 900.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Settle due dates and send reminders every ``interval`` seconds until ``stop`` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            async with sessions() as session:
                await settle_provisional_due_dates(session)
            await send_reminders(sessions, mailer)
        except Exception:
            logger.exception("privacy reminders round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
