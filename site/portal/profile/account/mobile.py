"""Changing or removing the mobile number (policy 5.3): with the password re-entered.

The new number is stored unverified (``phone_verified_at`` NULL) until a text message proves it
(a later issue sends it); so is every number today, since registration sends none either.

Unlike a new login address, a new number does not end the other sessions: nobody logs in with
the mobile number (there is no text-message login, and the number is unproved), so changing it
gives nobody a way into the account, and signing the customer out everywhere would only cost
them. The change is audited, and the login address is told, so an owner whose session was
borrowed learns of it. The number may be removed only while the account has a login address:
it is then how we reach the customer, and without either an account could be reached by no one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from portal.accounts.models import User
from portal.accounts.reauthentication import check_password
from portal.db import saved_id
from portal.mail.mailer import Mailer
from portal.profile.account.services import ACCOUNT_RECORD
from portal.profile.audit import audit_changes


class NeedsPassword(Exception):
    """The account has no password (registered through WeChat) to confirm the change with."""


class NeedsEmail(Exception):
    """Removing the number would leave the account without a login address or a number."""


@dataclass(frozen=True)
class MobileChange:
    """What became of a change: ``changed``, or the password was wrong, or it must wait."""

    changed: bool = False
    wrong_password: bool = False
    wait: timedelta = timedelta(0)


def last_digits(e164: str) -> str:
    """The last four digits, which the notice names (the whole number is not for a mailbox)."""
    return e164[-4:]


async def change_mobile(
    *,
    session: AsyncSession,
    user: User,
    phone: str | None,
    password: str,
    secret_key: str,
    mailer: Mailer,
) -> MobileChange:
    """Store ``phone`` (E.164, validated; ``None`` removes the number), unverified; commits.

    The password is checked first, as a login attempt (:func:`check_password`). Raises
    :class:`NeedsPassword` for an account without a password and :class:`NeedsEmail` for a
    removal from an account without a login address. The same number again changes nothing.
    """
    if not user.password_hash:
        raise NeedsPassword
    if phone is None and not user.email:
        raise NeedsEmail
    checked = await check_password(
        session=session, user=user, password=password, secret_key=secret_key
    )
    if not checked.ok:
        return MobileChange(wrong_password=checked.wrong, wait=checked.wait)
    user_id = saved_id(user)
    if not audit_changes(
        session,
        user_id=user_id,
        record=ACCOUNT_RECORD,
        before={"phone": user.phone},
        after={"phone": phone},
    ):
        return MobileChange()
    await session.execute(
        update(User).where(col(User.id) == user_id).values(phone=phone, phone_verified_at=None)
    )
    if user.email:
        mailer.queue(
            session=session,
            user_id=user_id,
            recipient=user.email,
            template="mobile_changed",
            locale=user.preferred_language,
            context={
                "name": user.name,
                "last_digits": last_digits(phone) if phone else None,
                "forgot_link": mailer.link("/password/forgot"),
            },
        )
    await session.commit()
    set_committed_value(user, "phone", phone)
    set_committed_value(user, "phone_verified_at", None)
    return MobileChange(changed=True)
