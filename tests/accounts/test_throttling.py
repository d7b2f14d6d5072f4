"""Throttles: the policy's arithmetic, its storage under concurrency, and what users see."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts import throttling
from portal.accounts.models import Throttle
from portal.db import create_engine, session_factory, utcnow
from portal.mail.models import OutboxMessage
from tests.support.accounts import GOOD, log_in, register
from tests.support.forms import post_form
from tests.support.records import rows, run
from tests.support.site import TEST_SECRET_KEY

KEY = TEST_SECRET_KEY
MINUTE = timedelta(minutes=1)
ACCOUNT = throttling.LOGIN_ACCOUNT


class Clock:
    """Moves the throttles' idea of "now" (``throttling.utcnow``) forward."""

    def __init__(self, monkeypatch):
        self.now = utcnow()
        monkeypatch.setattr(throttling, "utcnow", lambda: self.now)

    def advance(self, delta: timedelta) -> None:
        self.now += delta


# -- the arithmetic --------------------------------------------------------------------------


async def hits(session, count, *, policy=ACCOUNT, subject="li.wei@example.cn", now=None):
    return [
        await throttling.hit(session, policy, subject, secret_key=KEY, now=now)
        for _ in range(count)
    ]


async def test_the_fifth_failure_locks_for_five_minutes_and_the_sixth_must_wait(db_session):
    now = utcnow()
    first_five = await hits(db_session, 5, now=now)
    assert all(decision.allowed for decision in first_five)
    assert [d.wait for d in first_five] == [timedelta(0)] * 4 + [5 * MINUTE]
    (sixth,) = await hits(db_session, 1, now=now + MINUTE)
    assert not sixth.allowed
    assert sixth.wait == 4 * MINUTE
    assert sixth.minutes == 4
    # A refused try is not counted: waiting it out is enough.
    (after,) = await hits(db_session, 1, now=now + 5 * MINUTE)
    assert after.allowed
    assert after.wait == timedelta(0)


async def test_each_lockout_doubles_the_wait_up_to_an_hour(db_session):
    now = utcnow()
    waits = []
    for _ in range(6):
        decisions = await hits(db_session, 5, now=now)
        assert all(d.allowed for d in decisions)
        waits.append(decisions[-1].wait)
        now += decisions[-1].wait
    assert waits == [m * MINUTE for m in (5, 10, 20, 40, 60, 60)]


async def test_failures_spread_wider_than_the_window_never_lock(db_session):
    now = utcnow()
    for _ in range(4):
        assert all(d.wait == timedelta(0) for d in await hits(db_session, 4, now=now))
        now += 16 * MINUTE


async def test_a_quiet_day_forgets_earlier_lockouts(db_session):
    now = utcnow()
    await hits(db_session, 5, now=now)
    await hits(db_session, 5, now=now + 5 * MINUTE)  # second lockout: 10 minutes
    decisions = await hits(db_session, 5, now=now + timedelta(days=1, minutes=20))
    assert decisions[-1].wait == 5 * MINUTE


async def test_clear_forgets_the_key(db_session):
    await hits(db_session, 5)
    await throttling.clear(db_session, ACCOUNT, "li.wei@example.cn", secret_key=KEY)
    await db_session.commit()
    assert (await hits(db_session, 1))[0].allowed
    assert await db_session.scalar(select(Throttle.hits)) == 1


async def test_keys_hold_no_address_and_differ_per_policy_and_secret():
    key = throttling.throttle_key(ACCOUNT, "li.wei@example.cn", secret_key=KEY)
    assert key.startswith("login-account:")
    assert "li.wei" not in key
    assert key != throttling.throttle_key(
        throttling.LOGIN_CLIENT, "li.wei@example.cn", secret_key=KEY
    )
    assert key != throttling.throttle_key(ACCOUNT, "li.wei@example.cn", secret_key=KEY + "x")
    assert len(key) <= 80


@pytest.mark.parametrize(
    ("host", "subject"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),  # one customer's /64 is one client
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_a_client_is_an_ipv4_address_or_an_ipv6_slash_64(host, subject):
    assert throttling.client_subject(host) == subject


async def test_old_quiet_rows_are_pruned(db_session):
    now = utcnow()
    await hits(db_session, 1, subject="old", now=now - timedelta(days=3))
    await hits(db_session, 1, subject="recent", now=now - timedelta(hours=2))
    assert await throttling.prune(db_session, now=now) == 1
    assert await db_session.scalar(select(Throttle.hits)) == 1


async def test_concurrent_failures_are_all_counted(database_url):
    """Twenty parallel guesses from separate connections: exactly five get through."""
    engine = create_engine(database_url)
    factory = session_factory(engine)
    now = utcnow()

    async def one_hit():
        async with factory() as session:
            return await throttling.hit(
                session, ACCOUNT, "li.wei@example.cn", secret_key=KEY, now=now
            )

    try:
        decisions = await asyncio.gather(*(one_hit() for _ in range(20)))
    finally:
        await engine.dispose()
    assert sum(d.allowed for d in decisions) == 5


async def test_parallel_logins_from_one_address_check_no_more_passwords_than_its_limit(
    database_url, monkeypatch
):
    """Sixty guesses at sixty accounts, all at once from one address: the address's count is
    taken before each password check, so no more than its limit of 30 are ever checked."""
    from portal.accounts import signin

    checked = 0

    async def slow_wrong_password(*, session, email, password):
        nonlocal checked
        checked += 1
        await asyncio.sleep(0.05)  # as argon2 takes time: the others arrive meanwhile
        return None

    monkeypatch.setattr(signin, "authenticate", slow_wrong_password)
    engine = create_engine(database_url)
    factory = session_factory(engine)

    async def one_guess(number: int):
        async with factory() as session:
            return await signin.log_in(
                session=session,
                email=f"user{number}@example.cn",
                password="guess-1234567",
                client="203.0.113.9",
                secret_key=KEY,
            )

    try:
        outcomes = await asyncio.gather(*(one_guess(n) for n in range(60)))
    finally:
        await engine.dispose()
    assert checked == throttling.LOGIN_CLIENT.limit
    assert all(outcome.user is None for outcome in outcomes)


# -- logging in ------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [GOOD["email"], "nobody@example.cn"], ids=["account", "unknown"])
def test_five_failures_lock_the_address_whether_or_not_it_has_an_account(client, settings, email):
    register(client)
    client.cookies.clear()
    for _ in range(4):
        response = log_in(client, email, "wrong-password-1")
        assert response.status_code == 400
        assert response.context["failed"]
    fifth = log_in(client, email, "wrong-password-1")
    assert fifth.status_code == 429
    assert fifth.template.name == "accounts/login.html"
    assert fifth.context["retry_minutes"] == 5
    assert not fifth.context["failed"]
    assert fifth.headers["Retry-After"] == "300"
    assert "Too many attempts. Try again in 5 minutes." in fifth.text
    assert 'value="' + email in fifth.text  # the address is kept ...
    assert "wrong-password-1" not in fifth.text  # ... the password never
    # Locked: even the right password is not checked.
    sixth = log_in(client, email, GOOD["password"])
    assert sixth.status_code == 429
    assert sixth.context["retry_minutes"] == 5


def test_unknown_and_known_addresses_are_answered_alike(client, settings):
    register(client)
    client.cookies.clear()
    answers = {}
    for email in (GOOD["email"], "nobody@example.cn"):
        answers[email] = [log_in(client, email, "wrong-password-1") for _ in range(6)]
    known, unknown = answers.values()
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert [r.context["retry_minutes"] for r in known if r.status_code == 429] == [
        r.context["retry_minutes"] for r in unknown if r.status_code == 429
    ]


def test_after_the_wait_the_right_password_works_and_clears_the_count(
    client, settings, monkeypatch
):
    clock = Clock(monkeypatch)
    register(client)
    client.cookies.clear()
    for _ in range(5):
        log_in(client, GOOD["email"], "wrong-password-1")
    clock.advance(4 * MINUTE + 30 * timedelta(seconds=1))
    still = log_in(client, GOOD["email"], GOOD["password"])
    assert still.status_code == 429
    assert "Try again in 1 minute." in still.text  # the singular
    clock.advance(MINUTE)
    assert log_in(client, GOOD["email"], GOOD["password"]).status_code == 303
    client.cookies.clear()
    # The success cleared the account's count: four more failures do not lock it.
    for _ in range(4):
        assert log_in(client, GOOD["email"], "wrong-password-1").status_code == 400
    assert log_in(client, GOOD["email"], GOOD["password"]).status_code == 303


def test_a_success_before_the_limit_clears_the_count(client, settings):
    register(client)
    client.cookies.clear()
    for _ in range(4):
        log_in(client, GOOD["email"], "wrong-password-1")
    assert log_in(client, GOOD["email"], GOOD["password"]).status_code == 303
    client.cookies.clear()
    for _ in range(4):
        assert log_in(client, GOOD["email"], "wrong-password-1").status_code == 400


def test_thirty_failures_from_one_address_lock_every_account_from_it(client, settings):
    register(client)
    client.cookies.clear()
    run(
        settings,
        lambda session: hits(session, 28, policy=throttling.LOGIN_CLIENT, subject="testclient"),
    )
    assert log_in(client, "someone@example.cn", "wrong-password-1").status_code == 400
    thirtieth = log_in(client, "another@example.cn", "wrong-password-1")
    assert thirtieth.status_code == 429
    assert thirtieth.context["retry_minutes"] == 15
    # Another account, the right password: the address must wait all the same.
    response = log_in(client, GOOD["email"], GOOD["password"])
    assert response.status_code == 429


def test_a_success_that_would_be_the_thirtieth_hit_locks_nobody(client, settings):
    """The address's count is reserved before the check; a login that succeeds takes it back,
    and with it the lockout its reservation would have started."""
    register(client)
    client.cookies.clear()
    run(
        settings,
        lambda session: hits(session, 29, policy=throttling.LOGIN_CLIENT, subject="testclient"),
    )
    assert log_in(client, GOOD["email"], GOOD["password"]).status_code == 303
    client.cookies.clear()
    assert log_in(client, GOOD["email"], GOOD["password"]).status_code == 303
    client.cookies.clear()
    # Still one short of the limit: the next failure is the thirtieth and locks the address.
    assert log_in(client, "someone@example.cn", "wrong-password-1").status_code == 429


def test_the_throttle_table_holds_no_addresses(client, settings):
    register(client)
    log_in(client, "nobody@example.cn", "wrong-password-1")
    keys = [row.key for row in rows(settings, Throttle)]
    assert keys
    assert not any("@" in key or "testclient" in key for key in keys)


# -- registering and asking for mail ---------------------------------------------------------


def test_registrations_from_one_address_are_limited(client, settings):
    run(
        settings,
        lambda session: hits(
            session, 9, policy=throttling.REGISTRATION_CLIENT, subject="testclient"
        ),
    )
    assert register(client).status_code == 303  # the tenth
    client.cookies.clear()
    response = register(client, email="zhang.min@example.cn")
    assert response.status_code == 429
    assert response.template.name == "accounts/register.html"
    assert response.context["retry_minutes"] == 60
    assert response.context["form"].email.data == "zhang.min@example.cn"
    assert GOOD["password"] not in response.text
    assert len(rows(settings, OutboxMessage)) == 1


def test_the_verification_mail_can_be_resent_three_times_an_hour(client, settings):
    register(client)
    for _ in range(3):
        response = post_form(client, "/verify-email/resend", {}, page="/account")
        assert response.status_code == 303
    response = post_form(client, "/verify-email/resend", {}, page="/account")
    assert response.status_code == 429
    assert response.template.name == "accounts/account.html"
    assert response.context["retry_minutes"] == 60
    assert "Too many attempts. Try again in 60 minutes." in response.text
    assert len(rows(settings, OutboxMessage)) == 4  # the first mail and three more


async def test_housekeeping_deletes_old_counts_and_dead_reset_links(database_url):
    from portal.accounts.housekeeping import tidy
    from portal.accounts.models import PasswordResetToken, User

    engine = create_engine(database_url)
    factory = session_factory(engine)
    now = utcnow()
    try:
        async with factory() as session:
            await hits(session, 1, subject="old", now=now - timedelta(days=3))
            await hits(session, 1, subject="recent", now=now)
            user = User(email="li.wei@example.cn", email_key="li.wei@example.cn")
            session.add(user)
            await session.flush()
            for name, expires, used in (
                ("expired", now - MINUTE, None),
                ("used", now + MINUTE, now),
                ("live", now + MINUTE, None),
            ):
                session.add(
                    PasswordResetToken(
                        token_hash=name, user_id=user.id, expires_at=expires, used_at=used
                    )
                )
            await session.commit()
        assert await tidy(factory) == (1, 2)
        assert await tidy(factory) == (0, 0)
        async with factory() as session:
            assert list(await session.scalars(select(PasswordResetToken.token_hash))) == ["live"]
    finally:
        await engine.dispose()
