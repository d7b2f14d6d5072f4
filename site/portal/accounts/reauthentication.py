"""The password re-entered to confirm a sensitive step: a change of the login address or the
mobile number, deregistration. One check for them all, counted as a login attempt.

Each attempt counts first, against the login throttle of the account
(``throttling.LOGIN_ACCOUNT``, keyed by ``throttling.account_subject``), as at ``/login`` and
in "Password setting", so a stolen session cookie buys no extra guesses at the password that
would take the account over; the right password forgives the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts import throttling
from portal.accounts.models import User
from portal.accounts.passwords import verify_password_off_loop


@dataclass(frozen=True)
class PasswordCheck:
    """``ok``; or ``wrong`` (say so beside the field); or neither: too many tries, ``wait``."""

    ok: bool
    wrong: bool = False
    wait: timedelta = timedelta(0)


async def check_password(
    *, session: AsyncSession, user: User, password: str, secret_key: str
) -> PasswordCheck:
    """Check ``user``'s password; commits the count. An account without a password never
    passes."""
    subject = throttling.account_subject(user.email_key, user.id)
    reserved = await throttling.hit(
        session, throttling.LOGIN_ACCOUNT, subject, secret_key=secret_key
    )
    if not reserved.allowed:
        return PasswordCheck(False, wait=reserved.wait)
    ok, _ = await verify_password_off_loop(user.password_hash, password)
    if not ok:
        await session.commit()
        return PasswordCheck(False, wrong=True, wait=reserved.wait)
    await throttling.clear(session, throttling.LOGIN_ACCOUNT, subject, secret_key=secret_key)
    await session.commit()
    return PasswordCheck(True)
