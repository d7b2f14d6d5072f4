"""Changing the login email address (policy 5.3): asked for with the password, confirmed from
the new mailbox, announced to the old one.

    request_change   the password is right, the address free: a link to the new address
    resend, cancel   the pending change (one per account; a new request replaces it)
    confirm_change   the link's button: the address changes, other sessions end, a notice

Why each step:

- **The password, re-entered** (counted as a login attempt, portal.accounts.reauthentication): the login
  address is the key to the account (reset links go to it), so a borrowed or stolen session
  must not be enough to give the account away.
- **Whether the address has an account** is said, as registration says it, and no more often:
  each answer draws on registration's allowance of the client address
  (throttling.REGISTRATION_CLIENT), so this form is no better for collecting addresses than
  registration is. Each mail draws on the account's allowance of confirmation mails
  (throttling.VERIFICATION_MAIL), so nobody can fill a stranger's mailbox through us.
- **The link** is a random token of which only the SHA-256 is stored (as for password resets:
  accounts/password_reset.py explains why a row and not a signed token). It works for
  :data:`CHANGE_LIFETIME`, once, for the account that asked, and only while it is the newest.
  Opening it shows a page; only its button (a POST) changes anything, so mail scanners that
  follow links change nothing.
- **On confirmation** the address is proved (``email_verified_at``), every other session ends
  (whoever changed it keeps only the browser that confirmed), unused reset links die (they went
  to the old mailbox), subscriptions move to the new address (a confirmation link still in the
  old mailbox confirms nothing), the change is audited by field name, and the old address is
  told, so an owner whose account was taken over learns it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from portal.accounts import throttling
from portal.accounts.models import PasswordResetToken, User
from portal.accounts.reauthentication import check_password
from portal.accounts.services import email_key, lock_user
from portal.accounts.sessions import revoke_sessions
from portal.db import rowcount, saved_id, utcnow
from portal.mail.mailer import Mailer
from portal.profile.account.services import ACCOUNT_RECORD
from portal.profile.audit import audit_changes
from portal.profile.models import EmailChange, EmailSubscription

CHANGE_LIFETIME = timedelta(hours=24)
#: Where a customer who did not make a change writes to (the policy's contact address).
CONTACT_ADDRESS = "info@xometry.asia"


class NeedsPassword(Exception):
    """The account has no password (registered through WeChat) to confirm the change with."""


@dataclass(frozen=True)
class ChangeRequest:
    """What became of a request: ``sent``, or the password was wrong, or the address is
    another account's, or it must wait (``wait``)."""

    sent: bool = False
    wrong_password: bool = False
    taken: bool = False
    wait: timedelta = timedelta(0)


class Outcome(StrEnum):
    CHANGED = "changed"
    BAD_LINK = "bad_link"  # unknown, used, replaced, cancelled or expired
    OTHER_ACCOUNT = "other_account"  # the link is for an account not signed in here
    TAKEN = "taken"  # another account got the address meanwhile


@dataclass(frozen=True)
class Confirmation:
    outcome: Outcome
    new_email: str = ""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _usable(token: str) -> bool:
    return bool(token) and len(token) <= 200


def mask_email(address: str) -> str:
    """``n***@example.cn``: enough for the owner to recognise an address, not to write to it."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


async def pending_change(*, session: AsyncSession, user: User) -> EmailChange | None:
    """The user's change waiting for its link, unless the link has expired."""
    return await session.scalar(
        select(EmailChange)
        .where(col(EmailChange.user_id) == user.id)
        .where(col(EmailChange.expires_at) > utcnow())
    )


async def _address_taken(session: AsyncSession, user: User, address: str) -> bool:
    """Another account logs in with ``address`` (compared without case, as logins are)."""
    found = await session.scalar(
        select(col(User.id))
        .where(col(User.email_key) == email_key(address))
        .where(col(User.id) != user.id)
    )
    return found is not None


def _new_link(session: AsyncSession, mailer: Mailer, user: User, new_email: str) -> EmailChange:
    """A pending change with a fresh token (not yet added), its link mailed to ``new_email``."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    change = EmailChange(
        user_id=saved_id(user),
        new_email=new_email,
        token_hash=_digest(token),
        requested_at=now,
        expires_at=now + CHANGE_LIFETIME,
    )
    mailer.queue(
        session=session,
        user_id=change.user_id,
        recipient=new_email,
        template="email_change_confirm",
        locale=user.preferred_language,
        context={
            "name": user.name,
            "new_email": new_email,
            "link": mailer.link(f"/account/email/confirm?token={token}"),
            "expires_at": change.expires_at,
        },
    )
    return change


async def request_change(
    *,
    session: AsyncSession,
    user: User,
    new_email: str,
    password: str,
    client: str,
    secret_key: str,
    mailer: Mailer,
) -> ChangeRequest:
    """Mail a confirmation link to ``new_email`` (validated, not the current address); commits.

    The password is checked first (:func:`check_password`); then whether another account uses
    the address (within registration's allowance for ``client``, an IP address), then the mail
    allowance of the account. A new request replaces a pending one, whose link stops working.
    Raises :class:`NeedsPassword` for an account without a password.
    """
    if not user.password_hash:
        raise NeedsPassword
    checked = await check_password(
        session=session, user=user, password=password, secret_key=secret_key
    )
    if not checked.ok:
        return ChangeRequest(wrong_password=checked.wrong, wait=checked.wait)
    asked = await throttling.hit(
        session,
        throttling.REGISTRATION_CLIENT,
        throttling.client_subject(client),
        secret_key=secret_key,
    )
    if not asked.allowed:
        return ChangeRequest(wait=asked.wait)
    if await _address_taken(session, user, new_email):
        return ChangeRequest(taken=True)
    mails = await throttling.hit(
        session, throttling.VERIFICATION_MAIL, str(user.id), secret_key=secret_key
    )
    if not mails.allowed:
        return ChangeRequest(wait=mails.wait)
    await lock_user(session, user)  # two requests at once: one row, the later one's
    await session.execute(delete(EmailChange).where(col(EmailChange.user_id) == user.id))
    session.add(_new_link(session, mailer, user, new_email))
    await session.commit()
    return ChangeRequest(sent=True)


async def resend(
    *, session: AsyncSession, user: User, secret_key: str, mailer: Mailer
) -> throttling.Decision:
    """Mail a fresh link for the pending change (the earlier link stops working); commits.

    Within the account's allowance of confirmation mails; with nothing pending, nothing is sent
    (and nothing counted).
    """
    change = await pending_change(session=session, user=user)
    if change is None:
        return throttling.Decision(True)
    decision = await throttling.hit(
        session, throttling.VERIFICATION_MAIL, str(user.id), secret_key=secret_key
    )
    if not decision.allowed:
        return decision
    fresh = _new_link(session, mailer, user, change.new_email)
    renewed = await session.execute(
        update(EmailChange)
        .where(col(EmailChange.id) == change.id)
        .values(
            token_hash=fresh.token_hash,
            requested_at=fresh.requested_at,
            expires_at=fresh.expires_at,
        )
    )
    if not rowcount(renewed):  # confirmed or cancelled in another tab meanwhile: no mail
        await session.rollback()
        return decision
    await session.commit()
    return decision


async def cancel(*, session: AsyncSession, user: User) -> bool:
    """Forget the pending change (its link stops working); commits. ``False``: none was pending."""
    result = await session.execute(delete(EmailChange).where(col(EmailChange.user_id) == user.id))
    await session.commit()
    return rowcount(result) > 0


async def change_for_token(*, session: AsyncSession, token: str) -> EmailChange | None:
    """The pending change a link names, if it still works; reads only (the link's page)."""
    if not _usable(token):
        return None
    return await session.scalar(
        select(EmailChange)
        .where(col(EmailChange.token_hash) == _digest(token))
        .where(col(EmailChange.expires_at) > utcnow())
    )


async def confirm_change(
    *,
    session: AsyncSession,
    user: User,
    token: str,
    keep_session_id: int | None,
    mailer: Mailer,
) -> Confirmation:
    """The link's button: make the pending change of ``user`` (signed in here); commits.

    A link of another account changes nothing and stays usable for its owner
    (``OTHER_ACCOUNT``). Using the link deletes it, in one conditional DELETE, so two tabs
    cannot both use it; if another account has taken the address meanwhile, the change is
    dropped (``TAKEN``) and the customer may ask again with another address.
    """
    change = await change_for_token(session=session, token=token)
    if change is None:
        return Confirmation(Outcome.BAD_LINK)
    if change.user_id != user.id:
        return Confirmation(Outcome.OTHER_ACCOUNT)
    change_id, new_email = change.id, change.new_email  # a rollback below expires ``change``
    used = await session.execute(
        delete(EmailChange)
        .where(col(EmailChange.id) == change_id)
        .where(col(EmailChange.token_hash) == _digest(token))
        .returning(col(EmailChange.id))
    )
    if used.scalar_one_or_none() is None:
        await session.rollback()
        return Confirmation(Outcome.BAD_LINK)
    if await _address_taken(session, user, new_email):
        await session.commit()  # the change can never be made: drop it
        return Confirmation(Outcome.TAKEN, new_email)
    now = utcnow()
    values = {"email": new_email, "email_key": email_key(new_email), "email_verified_at": now}
    try:
        await session.execute(update(User).where(col(User.id) == user.id).values(**values))
    except IntegrityError:  # another account took it between the check and the UPDATE
        await session.rollback()
        await session.execute(delete(EmailChange).where(col(EmailChange.id) == change_id))
        await session.commit()
        return Confirmation(Outcome.TAKEN, new_email)
    user_id = saved_id(user)
    audit_changes(
        session,
        user_id=user_id,
        record=ACCOUNT_RECORD,
        before={"email": user.email},
        after={"email": new_email},
    )
    await revoke_sessions(session=session, user_id=user_id, keep_id=keep_session_id)
    # Subscriptions mail the login address: from now on the new one. A link still waiting in
    # the old mailbox confirms nothing (its address no longer matches); the Subscriptions page
    # sends a new one to the new address.
    await session.execute(
        update(EmailSubscription)
        .where(col(EmailSubscription.user_id) == user_id)
        .values(email=new_email)
    )
    await session.execute(
        delete(PasswordResetToken).where(col(PasswordResetToken.user_id) == user_id)
    )
    if user.email:
        mailer.queue(
            session=session,
            user_id=user_id,
            recipient=user.email,
            template="email_changed",
            locale=user.preferred_language,
            context={
                "name": user.name,
                "masked_email": mask_email(new_email),
                "contact": CONTACT_ADDRESS,
            },
        )
    await session.commit()
    for field, value in values.items():
        # The request's user is detached: show the new values without writing them twice.
        set_committed_value(user, field, value)
    return Confirmation(Outcome.CHANGED, new_email)


async def prune(*, session: AsyncSession) -> int:
    """Delete the changes whose link has expired (the address with them); commits."""
    result = await session.execute(
        delete(EmailChange).where(col(EmailChange.expires_at) <= utcnow())
    )
    await session.commit()
    return rowcount(result)
