"""The audit trail (profile/audit.py): every row one save writes carries one moment, however many
records and calls the save takes, so "What we hold on you" shows the save as one event; the next
save has a moment of its own."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.db import utcnow
from portal.profile import audit
from portal.profile.audit import REMOVED, audit_changes, audit_record
from portal.profile.models import AuditEntry
from tests.support.addresses import ADDRESS, LIST, SHENZHEN, add, addresses
from tests.support.forms import post
from tests.support.inventory import user_by_email
from tests.support.records import rows, run


@pytest.fixture
def ticking(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit trail's clock a second later at every look, as a slow save's would be: rows
    that share a moment share it because they were given one, not because the clock stood still."""
    start = utcnow()
    ticks = itertools.count()
    monkeypatch.setattr(audit, "utcnow", lambda: start + timedelta(seconds=next(ticks)))


def moments(settings: object) -> dict[str, set[datetime]]:
    """The moments of each record's rows."""
    found: dict[str, set[datetime]] = {}
    for row in rows(settings, AuditEntry):
        found.setdefault(row.record, set()).add(row.occurred_at)
    return found


def test_every_row_of_one_transaction_carries_one_moment(signed_in, settings, ticking):
    user_id = user_by_email(settings).id

    async def two_saves(session: AsyncSession) -> None:
        audit_changes(
            session,
            user_id=user_id,
            record="account",
            before={"job_title": "", "invoice_email": "a@example.cn"},
            after={"job_title": "Buyer", "invoice_email": "b@example.cn"},
        )
        audit_record(
            session,
            user_id=user_id,
            record="shipping_address:7",
            fields=["postal_code", "phone"],
            action=REMOVED,
        )
        await session.commit()
        audit_record(
            session, user_id=user_id, record="shipping_address:8", fields=["city"], action=REMOVED
        )
        await session.commit()

    run(settings, two_saves)
    found = moments(settings)
    (first,) = found["account"] | found["shipping_address:7"]  # one save, one moment
    (second,) = found["shipping_address:8"]
    assert second > first  # the next transaction has its own


def test_a_moment_given_is_the_one_written(signed_in, settings, ticking):
    user_id = user_by_email(settings).id
    at = datetime(2026, 12, 10, 6, 3, tzinfo=utcnow().tzinfo)

    async def save(session: AsyncSession) -> None:
        audit_record(
            session, user_id=user_id, record="account", fields=["job_title"], action=REMOVED, at=at
        )
        await session.commit()

    run(settings, save)
    assert moments(settings)["account"] == {at}


def test_deleting_the_default_address_is_one_moment_for_both_addresses(
    signed_in, settings, ticking
):
    """One save of the site's own: the address goes, and another becomes the default."""
    add(signed_in)
    add(signed_in, **SHENZHEN)
    first, second = addresses(settings)
    assert first.is_default
    assert post(signed_in, f"{LIST}/{first.id}/delete").status_code == 303
    found = moments(settings)
    gone, successor = f"shipping_address:{first.id}", f"shipping_address:{second.id}"
    assert len(found[gone]) == 2  # added, then removed: two saves
    removed_at = max(found[gone])
    assert removed_at in found[successor]  # made the default in the same save
    assert {row.field for row in rows(settings, AuditEntry) if row.occurred_at == removed_at} == {
        *ADDRESS,
        "is_default",
    }
