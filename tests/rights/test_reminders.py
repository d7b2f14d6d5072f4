"""The worker reminds privacy officers of requests falling due (three working days left) and
overdue, once each, and settles provisional due dates once the calendar covers them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import chinese_calendar
import pytest
from sqlmodel import select

from portal.db import create_engine, session_factory
from portal.mail.mailer import Mailer
from portal.mail.models import OutboxMessage
from portal.rights.models import PrivacyRequest, RequestEvent
from portal.rights.reminders import send_reminders
from portal.rights.services import settle_provisional_due_dates
from portal.staff.models import Role
from portal.templating import create_environment
from tests.support.accounts import rows, run
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.quotes import add_customer
from tests.support.rights import add_request
from tests.support.staff import enrol

# Monday 2 March 2026, no holidays about: a request filed that day is due Monday 23 March.
FILED = date(2026, 3, 2)
DUE = date(2026, 3, 23)


@pytest.fixture
def request_due_23_march(settings):
    async def make(session):
        user = await add_customer(session, "li.wei@example.cn")
        await add_request(session, user.id, "R-ABCD2345", due_on=DUE)

    run(settings, make)
    enrol(settings, Role.PRIVACY_OFFICER, "privacy@xometry.asia")
    enrol(settings, Role.ADMIN, "admin@xometry.asia")
    enrol(settings, Role.QUOTING, "quoting@xometry.asia")


def remind(settings, today: date) -> int:
    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            mailer = Mailer.from_settings(settings, create_environment(settings))
            return await send_reminders(session_factory(engine), mailer, today=today)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def reminders(settings) -> list[OutboxMessage]:
    return [m for m in rows(settings, OutboxMessage) if "R-ABCD2345" in m.subject]


def test_officers_are_reminded_three_working_days_ahead_then_when_overdue(
    settings, request_due_23_march
):
    assert remind(settings, date(2026, 3, 17)) == 0  # four working days left
    assert remind(settings, date(2026, 3, 18)) == 1  # 19, 20, 23: three left
    assert sorted(m.recipient for m in reminders(settings)) == [
        "admin@xometry.asia",
        "privacy@xometry.asia",
    ]
    assert remind(settings, date(2026, 3, 19)) == 0  # once
    assert remind(settings, date(2026, 3, 23)) == 0  # the due day itself is not late
    assert remind(settings, date(2026, 3, 24)) == 1
    overdue = [m for m in reminders(settings) if "R-ABCD2345" in m.subject][-1]
    assert "逾期" in overdue.subject
    assert remind(settings, date(2026, 3, 30)) == 0
    assert len(reminders(settings)) == 4
    [request] = rows(settings, PrivacyRequest)
    assert request.reminded == "overdue"
    notes = [e.note for e in rows(settings, RequestEvent) if e.action == "reminder"]
    assert notes == ["due_soon", "overdue"]


def test_answered_requests_are_not_reminded_of(settings, request_due_23_march):
    async def answer(session):
        request = (await session.execute(select(PrivacyRequest))).scalar_one()
        request.status = "completed"
        await session.commit()

    run(settings, answer)
    assert remind(settings, date(2026, 3, 24)) == 0


def test_a_provisional_date_is_settled_when_the_calendar_covers_it(settings, monkeypatch):
    async def provisional(session):
        user = await add_customer(session, "li.wei@example.cn")
        filed = datetime(2026, 12, 22, 2, 0, tzinfo=UTC)
        await add_request(session, user.id, "R-ABCD2345", filed_at=filed)

    run(settings, provisional)
    [request] = rows(settings, PrivacyRequest)
    assert (request.due_on, request.due_provisional) == (date(2027, 1, 12), True)

    assert run(settings, settle_provisional_due_dates) == 0  # 2027 still not covered
    assert rows(settings, PrivacyRequest)[0].due_provisional

    real = chinese_calendar.is_workday

    def covering_2027(day: date) -> bool:
        if day.year == 2027:
            return day.weekday() < 5 and day != date(2027, 1, 1)
        return bool(real(day))

    monkeypatch.setattr(chinese_calendar, "is_workday", covering_2027)
    assert run(settings, settle_provisional_due_dates) == 1
    [request] = rows(settings, PrivacyRequest)
    assert (request.due_on, request.due_provisional) == (date(2027, 1, 13), False)
    assert [e.action for e in rows(settings, RequestEvent)][-1] == "due_date_settled"
