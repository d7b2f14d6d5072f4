"""An account whose address nobody confirms is deleted after PORTAL_UNVERIFIED_ACCOUNT_DAYS, with
everything it holds: a stranger's registration of someone else's address does not linger."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from portal.accounts.housekeeping import expire_unverified
from portal.accounts.models import LoginSession, PasswordResetToken, User
from portal.db import create_engine, session_factory, utcnow
from portal.mail.models import OutboxMessage
from portal.privacy.models import ConsentRecord
from tests.support.accounts import GOOD, register, rows, run
from tests.support.forms import post_form


def age(settings, email_key: str, days: float) -> None:
    """Make the account of ``email_key`` look registered ``days`` ago."""

    async def work(session):
        await session.execute(
            update(User)
            .where(User.email_key == email_key)
            .values(created_at=utcnow() - timedelta(days=days))
        )
        await session.commit()

    run(settings, work)


def expire(settings, app) -> int:
    async def go() -> int:
        engine = create_engine(settings.database_url)
        try:
            return await expire_unverified(
                session_factory(engine),
                days=settings.unverified_account_days,
                data_keys=app.state.data_keys,
                storage=app.state.drawing_storage,
            )
        finally:
            await engine.dispose()

    import asyncio

    return asyncio.run(go())


def test_an_unconfirmed_account_is_deleted_with_what_it_holds(client, app, settings):
    register(client)  # a session, the policy consent, the verification mail
    client.cookies.clear()
    post_form(client, "/password/forgot", {"email": GOOD["email"]}, page="/password/forgot")
    (user,) = rows(settings, User)
    run(settings, lambda session: app.state.data_keys.for_user(user.id))  # a data key too
    ledger_before = rows(settings, ConsentRecord)  # the policy consent, the capacity
    age(settings, "li.wei@example.cn", settings.unverified_account_days + 0.01)

    assert expire(settings, app) == 1
    assert rows(settings, User) == []
    assert rows(settings, LoginSession) == []
    assert rows(settings, PasswordResetToken) == []
    assert rows(settings, OutboxMessage) == []
    # The consent ledger is append-only: the rows stay, naming nobody (migration 0004).
    ledger = rows(settings, ConsentRecord)
    assert [r.user_id for r in ledger] == [None, None]
    assert [(r.id, r.kind, r.policy_version, r.occurred_at) for r in ledger] == [
        (r.id, r.kind, r.policy_version, r.occurred_at) for r in ledger_before
    ]
    assert run(settings, lambda session: app.state.data_keys.store.get(user.id)) is None
    assert expire(settings, app) == 0


def test_only_old_unconfirmed_accounts_go(client, app, settings):
    days = settings.unverified_account_days
    for email in ("young@example.cn", "confirmed@example.cn", "old@example.cn"):
        register(client, email=email)
        client.cookies.clear()
    age(settings, "young@example.cn", days - 0.01)
    age(settings, "old@example.cn", days + 0.01)
    age(settings, "confirmed@example.cn", days * 10)

    async def confirm_and_add_a_wechat_user(session):
        (confirmed,) = await session.scalars(
            select(User).where(User.email_key == "confirmed@example.cn")
        )
        confirmed.email_verified_at = confirmed.created_at + timedelta(hours=1)
        # An account made through WeChat has no address to confirm.
        session.add(
            User(name="微信用户", wechat_openid="o-1", created_at=utcnow() - timedelta(365))
        )
        await session.commit()

    run(settings, confirm_and_add_a_wechat_user)
    assert expire(settings, app) == 1
    assert sorted(str(user.email_key or user.wechat_openid) for user in rows(settings, User)) == [
        "confirmed@example.cn",
        "o-1",
        "young@example.cn",
    ]
