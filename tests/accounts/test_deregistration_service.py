"""``portal.accounts.deregistration.delete_account``, the one path every deleted account takes:
idempotent, finishing after a crash, careful with an address confirmed meanwhile, and the
worker's rounds that end what it keeps (the orders' terms, the confirmation mail)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from portal.accounts.deregistration import (
    CONFIRMATION_KEPT,
    Reason,
    delete_account,
    purge_confirmations,
    retained_until,
)
from portal.accounts.housekeeping import expire_unverified
from portal.accounts.models import User
from portal.db import session_factory, utcnow
from portal.drawings.deletions import finish_abandoned
from portal.drawings.models import DrawingDeletion
from portal.drawings.storage import StorageError
from portal.mail.models import OutboxMessage
from portal.privacy.models import ConsentRecord
from portal.privacy.retention import run_retention
from portal.profile.my_data.services import site_inventory
from portal.quotes.models import RetainedOrder
from portal.rights.models import PrivacyRequest, RequestEvent
from tests.support.quotes import add_customer, add_drawing, add_quote
from tests.support.rights import add_request


class FailingDeletes:
    """The app's store, except that deleting fails: the process dies, or the store is down,
    between the database's commit and the objects' deletion."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)

    async def delete(self, key: str) -> None:
        raise StorageError("the object store is unreachable")


async def customer_with_drawings(db_session, app, email: str = "alice@example.cn") -> tuple:
    user = await add_customer(db_session, email)
    quote = await add_quote(db_session, user, f"Q-{email[:4].upper()}0001", status="ordered")
    drawings = [
        await add_drawing(db_session, app, user, quote, f"part {n}".encode()) for n in range(2)
    ]
    await app.state.data_keys.for_user(user.id)
    return user, [drawing.storage_key for drawing in drawings]


def delete(db_session, app, user, *, storage=None, reason=Reason.DEREGISTERED, mailer=True):
    return delete_account(
        session=db_session,
        user=user,
        data_keys=app.state.data_keys,
        storage=storage or app.state.drawing_storage,
        reason=reason,
        mailer=app.state.mailer if mailer else None,
    )


async def test_deleting_twice_is_harmless(db_session, app):
    user, _keys = await customer_with_drawings(db_session, app)
    first = await delete(db_session, app, user)
    assert (first.deleted, first.retained_orders, first.objects_deleted, first.mailed) == (
        True,
        1,
        2,
        True,
    )
    again = await delete(db_session, app, user)
    assert again.deleted is False
    assert len(list(await db_session.scalars(select(RetainedOrder)))) == 1
    assert len([m for m in await db_session.scalars(select(OutboxMessage))]) == 1


async def test_a_crash_before_the_objects_go_is_finished_by_running_it_again(db_session, app):
    user, keys = await customer_with_drawings(db_session, app)
    storage = app.state.drawing_storage
    crashed = await delete(db_session, app, user, storage=FailingDeletes(storage))
    assert (crashed.deleted, crashed.objects_deleted, crashed.objects_left) == (True, 0, 2)
    # Committed: the account is gone and its key erased, so what is left is unreadable; the
    # keys of the objects are queued, not lost.
    assert await db_session.get(User, user.id) is None
    assert await app.state.data_keys.store.get(user.id) is None
    assert sorted(await db_session.scalars(select(DrawingDeletion.storage_key))) == sorted(keys)
    assert all([await storage.exists(key) for key in keys])

    rerun = await delete(db_session, app, user)
    assert rerun.deleted is False
    assert not any([await storage.exists(key) for key in keys])
    assert list(await db_session.scalars(select(DrawingDeletion))) == []


async def test_the_worker_finishes_deletions_a_dead_process_left(db_session, app, database_url):
    user, keys = await customer_with_drawings(db_session, app)
    storage = app.state.drawing_storage
    await delete(db_session, app, user, storage=FailingDeletes(storage))
    sessions = session_factory(db_session.bind)
    young = await finish_abandoned(sessions, storage)
    assert (young.deleted, young.left) == (0, 0)  # maybe still being deleted: left alone
    finished = await finish_abandoned(sessions, storage, older_than=timedelta(0))
    assert (finished.deleted, finished.left) == (2, 0)
    assert not any([await storage.exists(key) for key in keys])


async def test_an_address_confirmed_meanwhile_keeps_its_account(db_session, app):
    user = await add_customer(db_session, "late@example.cn")
    user_id = user.id
    await db_session.execute(
        update(User).where(User.id == user_id).values(email_verified_at=utcnow())
    )
    await db_session.commit()
    outcome = await delete(db_session, app, user, reason=Reason.UNCONFIRMED)
    assert outcome.deleted is False
    assert await db_session.get(User, user_id) is not None


async def test_expiring_an_unconfirmed_account_deletes_its_drawings_objects(db_session, app):
    """Every path that deletes an account takes the drawings' objects with it (the expiry of
    unconfirmed accounts used to leave them in the store)."""
    user, keys = await customer_with_drawings(db_session, app, "never@example.cn")
    await db_session.execute(
        update(User)
        .where(User.id == user.id)
        .execution_options(synchronize_session=False)
        .values(created_at=utcnow() - timedelta(days=30))
    )
    await db_session.commit()
    storage = app.state.drawing_storage
    expired = await expire_unverified(
        session_factory(db_session.bind),
        days=7,
        data_keys=app.state.data_keys,
        storage=storage,
    )
    assert expired == 1
    assert not any([await storage.exists(key) for key in keys])
    # No mail: the address may be a stranger's.
    assert list(await db_session.scalars(select(OutboxMessage))) == []


@pytest.mark.parametrize("reason", [Reason.MINOR, Reason.DELETION_REQUEST])
async def test_staff_reasons_mail_their_own_words(db_session, app, reason):
    user = await add_customer(db_session, "staff-case@example.cn", language="en")
    outcome = await delete(db_session, app, user, reason=reason)
    assert outcome.mailed
    (mail,) = list(await db_session.scalars(select(OutboxMessage)))
    assert mail.subject == "Your account has been deleted"
    assert mail.user_id is None


async def kept_orders_purged(db_session, app, *, today) -> int:
    """What the retention job deleted of the kept orders (portal.privacy.retention)."""
    results = await run_retention(
        db_session,
        inventory=site_inventory(app.state.settings.content_dir),
        storage=app.state.drawing_storage,
        today=today,
    )
    return next(r.count for r in results if r.rule == "request_a_quote.kept_orders")


async def test_the_kept_orders_and_the_confirmation_go_when_their_time_is_up(db_session, app):
    user, _ = await customer_with_drawings(db_session, app)
    await delete(db_session, app, user)
    (kept,) = list(await db_session.scalars(select(RetainedOrder)))
    assert await kept_orders_purged(db_session, app, today=kept.retained_until) == 0
    later = kept.retained_until + timedelta(days=1)
    assert await kept_orders_purged(db_session, app, today=later) == 1
    assert list(await db_session.scalars(select(RetainedOrder))) == []
    assert await purge_confirmations(session=db_session) == 0
    week_later = utcnow() + CONFIRMATION_KEPT + timedelta(minutes=1)
    assert await purge_confirmations(session=db_session, now=week_later) == 1
    assert list(await db_session.scalars(select(OutboxMessage))) == []


@pytest.mark.parametrize(
    ("deleted_on", "until"),
    [(date(2026, 12, 5), date(2029, 12, 5)), (date(2028, 2, 29), date(2031, 2, 28))],
)
def test_orders_are_kept_three_years_from_the_deletion(deleted_on, until):
    assert retained_until(deleted_on) == until


@pytest.mark.parametrize(
    ("reason", "withdrawn"),
    [
        (Reason.DEREGISTERED, ["data_protection_policy", "bank_account"]),
        (Reason.MINOR, []),  # staff delete it: the customer withdrew nothing
    ],
)
async def test_deregistering_records_the_customers_withdrawals_before_the_account_goes(
    db_session, app, reason, withdrawn
):
    user = await add_customer(db_session, "consents@example.cn", language="en")
    user_id = user.id
    for kind, purpose, version in [
        ("policy_consent", None, "1.1"),
        ("consent_granted", "bank_account", None),
        ("consent_granted", "resident_id", None),
        ("consent_withdrawn", "resident_id", None),  # withdrawn already: not again
    ]:
        db_session.add(
            ConsentRecord(
                user_id=user_id,
                kind=kind,
                purpose=purpose,
                policy_version=version,
                language="zh_Hans",
                channel="website",
            )
        )
    await db_session.commit()
    await delete(db_session, app, user, reason=reason)
    found = list(
        await db_session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.kind == "consent_withdrawn")
            .order_by(ConsentRecord.id)
        )
    )
    new = [(r.purpose, r.policy_version, r.language, r.user_id) for r in found[1:]]
    assert new == [
        (purpose, "1.1" if purpose == "data_protection_policy" else None, "en", None)
        for purpose in withdrawn
    ]


@pytest.mark.parametrize("reason", list(Reason))
async def test_the_accounts_open_requests_close_with_it(db_session, app, reason):
    """Nobody is left to answer, and staff are not reminded of them (policy 5.7)."""
    user = await add_customer(db_session, "asks@example.cn", language="en")
    open_one = await add_request(db_session, user.id, "R-OPEN2345", kind="question")
    answered = await add_request(
        db_session, user.id, "R-DONE2345", status="completed", answer="Here it is."
    )
    open_id, answered_id = open_one.id, answered.id
    await db_session.commit()
    await delete(db_session, app, user, reason=reason)
    closed = await db_session.get(PrivacyRequest, open_id, populate_existing=True)
    assert (closed.status, closed.user_id) == ("closed", None)
    assert closed.answered_at is not None
    assert "the account it came from was deleted" in closed.answer
    *_, event = await db_session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == open_id).order_by(RequestEvent.id)
    )
    assert (event.action, event.internal) == ("account_deleted", False)
    kept = await db_session.get(PrivacyRequest, answered_id, populate_existing=True)
    assert (kept.status, kept.answer) == ("completed", "Here it is.")
