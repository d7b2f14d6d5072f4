"""Signing in and out: check a password within the login limits, open and end login sessions.

The login sessions themselves (the cookie, the table, the middleware) are in ``sessions.py``;
registration, address verification and password reset in ``services.py``. Each service takes
the database session as ``session=`` and owns its commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts import devices, password_reset, throttling
from portal.accounts.models import LoginSession, User
from portal.accounts.passwords import verify_password_off_loop
from portal.accounts.services import email_key
from portal.accounts.sessions import NewSession, revoke_sessions, start_session
from portal.db import saved_id, valid_id


async def authenticate(*, session: AsyncSession, email: str, password: str) -> User | None:
    """The account for this address and password, or ``None`` (without saying which was wrong).

    A hash made with older argon2 parameters is replaced by one with the current ones.
    """
    user = await session.scalar(select(User).where(col(User.email_key) == email_key(email)))
    ok, new_hash = await verify_password_off_loop(user.password_hash if user else None, password)
    if not ok or user is None:
        return None
    if new_hash:
        user.password_hash = new_hash
        session.add(user)
        await session.commit()
    return user


@dataclass(frozen=True)
class LoginOutcome:
    """The signed-in user, or ``None``; ``wait`` > 0 when the user must wait before trying again."""

    user: User | None
    wait: timedelta = timedelta(0)


async def log_in(
    *,
    session: AsyncSession,
    email: str,
    password: str,
    client: str,
    secret_key: str,
    device_cookie: str | None = None,
) -> LoginOutcome:
    """Check ``password`` unless the device, or the account and client address, must wait.

    A browser with a valid device cookie for the account (devices.py) is counted against that
    device only: neither the account's lock, which strangers' failures set, nor the client
    address's stops it, and its failures lock nobody else. A success clears the device's count
    and leaves the account's alone (it is the strangers' count).

    Any other client is counted against the client address and the account *before* the
    password is checked, so a burst of parallel guesses cannot all slip in under either limit.
    A success takes the address's count back (the address limit is on failures: an office or a
    carrier's shared address logs many customers in) and clears the account's. An attempt the
    account's lock stops checks nothing, so it is taken back from the address too. The outcome
    is the same whether or not the address has an account.
    """
    if device_cookie:
        user = await password_reset.find_account(session=session, email=email)
        device = devices.device_for(secret_key, device_cookie, user)
        if user is not None and device is not None:
            return await _log_in_from_device(
                session=session, user=user, device=device, password=password, secret_key=secret_key
            )
    client = throttling.client_subject(client)
    account = email_key(email)
    address = await throttling.hit(session, throttling.LOGIN_CLIENT, client, secret_key=secret_key)
    if not address.allowed:
        return LoginOutcome(None, address.wait)
    reserved = await throttling.hit(
        session, throttling.LOGIN_ACCOUNT, account, secret_key=secret_key
    )
    if not reserved.allowed:
        await throttling.take_back(
            session, throttling.LOGIN_CLIENT, client, address, secret_key=secret_key
        )
        await session.commit()
        return LoginOutcome(None, reserved.wait)
    user = await authenticate(session=session, email=email, password=password)
    if user is not None:
        await throttling.clear(session, throttling.LOGIN_ACCOUNT, account, secret_key=secret_key)
        await throttling.take_back(
            session, throttling.LOGIN_CLIENT, client, address, secret_key=secret_key
        )
        await session.commit()
        return LoginOutcome(user)
    return LoginOutcome(None, max(reserved.wait, address.wait))


async def _log_in_from_device(
    *, session: AsyncSession, user: User, device: str, password: str, secret_key: str
) -> LoginOutcome:
    """:func:`log_in` from a device the account signed in with before: its own count only."""
    reserved = await throttling.hit(session, throttling.LOGIN_DEVICE, device, secret_key=secret_key)
    if not reserved.allowed:
        return LoginOutcome(None, reserved.wait)
    ok, new_hash = await verify_password_off_loop(user.password_hash, password)
    if not ok:
        return LoginOutcome(None, reserved.wait)
    await throttling.clear(session, throttling.LOGIN_DEVICE, device, secret_key=secret_key)
    if new_hash:
        user.password_hash = new_hash
        session.add(user)
    await session.commit()
    return LoginOutcome(user)


async def sign_in(
    *,
    session: AsyncSession,
    user: User,
    remember: bool,
    user_agent: str,
    ip_address: str,
    previous: LoginSession | None,
    secret_key: str,
) -> NewSession:
    """Open a fresh login session for ``user``, ending ``previous`` (this browser's) if any."""
    if previous is not None:
        await revoke_sessions(session=session, user_id=previous.user_id, only_id=previous.id)
    new = await start_session(
        session=session,
        secret_key=secret_key,
        user=user,
        remember=remember,
        user_agent=user_agent,
        ip_address=ip_address,
    )
    await session.commit()
    return new


async def sign_out(*, session: AsyncSession, login_session: LoginSession) -> None:
    """End this browser's login session ("Log out")."""
    await revoke_sessions(session=session, user_id=login_session.user_id, only_id=login_session.id)
    await session.commit()


async def end_session(
    *, session: AsyncSession, user: User, session_id: int, current: LoginSession
) -> bool:
    """End one of the user's *other* sessions (a device in the list); ``False`` for an id that
    no session can have (``portal.db.valid_id``), which the route answers 404.

    Only the user's own sessions match (``user_id`` is part of the UPDATE), and ending one that
    has ended already changes nothing; this browser's own session ends with :func:`sign_out`
    instead.
    """
    if not valid_id(session_id):
        return False
    if session_id != current.id:
        await revoke_sessions(session=session, user_id=saved_id(user), only_id=session_id)
        await session.commit()
    return True


async def end_other_sessions(*, session: AsyncSession, user: User, current: LoginSession) -> None:
    """Sign out everywhere else: every session of the user but ``current``."""
    await revoke_sessions(session=session, user_id=saved_id(user), keep_id=current.id)
    await session.commit()
