"""Account information and the password: the rules behind /account/information and /account/password.

Each service writes its change, its audit rows (profile/audit.py: names of fields, never values)
and any mail in one transaction, and commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from portal.accounts import throttling
from portal.accounts.models import PasswordResetToken, User
from portal.accounts.passwords import hash_password_off_loop, verify_password_off_loop
from portal.accounts.sessions import revoke_sessions
from portal.db import saved_id
from portal.mail.mailer import Mailer
from portal.profile.audit import ADDED, CHANGED, audit_changes, audit_record

#: The fields of "Account information" (policy 1.3), as the form and the inventory name them.
ACCOUNT_FIELDS = ("name", "job_title", "customer_type", "invoice_email", "preferred_language")
#: Fields a customer may leave empty: stored as NULL, never as "".
_OPTIONAL = frozenset({"job_title", "invoice_email"})
#: The audit trail's name for the user row itself.
ACCOUNT_RECORD = "account"


def _value(field: str, value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
    return None if field in _OPTIONAL and not value else value


def _apply(user: User, values: Mapping[str, Any]) -> None:
    """Show the saved values on the caller's ``user`` without marking it dirty: the UPDATE has
    been written already, and a detached user (the request's) must not be written twice."""
    for field, value in values.items():
        set_committed_value(user, field, value)


async def update_account_information(
    *, session: AsyncSession, user: User, data: Mapping[str, Any]
) -> list[str]:
    """Save the account-information fields of ``data`` that differ from ``user``'s; commits.

    ``data`` holds validated values (``AccountInformationForm.data``); keys other than
    ``ACCOUNT_FIELDS`` are ignored, and a missing key leaves its field as it is. Only the changed
    columns are written, with one audit row each. Returns the names of the changed fields (empty:
    nothing was written). A new ``preferred_language`` is the language of every later page and
    mail, on every device.
    """
    before = {field: getattr(user, field) for field in ACCOUNT_FIELDS}
    after = {field: _value(field, data[field]) for field in ACCOUNT_FIELDS if field in data}
    changed = audit_changes(
        session, user_id=saved_id(user), record=ACCOUNT_RECORD, before=before, after=after
    )
    if not changed:
        return []
    values = {field: after[field] for field in changed}
    await session.execute(update(User).where(col(User.id) == user.id).values(**values))
    await session.commit()
    _apply(user, values)
    return changed


class PasswordNeedsEmail(Exception):
    """The account has no email address, so a password could never be used to log in."""


@dataclass(frozen=True)
class PasswordChange:
    """What became of a change: ``changed``, or the current password was wrong, or must wait."""

    changed: bool
    wrong_current: bool = False
    wait: timedelta = timedelta(0)


def login_throttle_subject(user: User) -> str:
    """The login throttle's own key for this account (its email, lower-cased), so that wrong
    passwords typed in the Personal Center and at /login draw on one allowance: a stolen
    session cookie buys no extra guesses at the password that would take the account over."""
    return user.email_key or f"user:{user.id}"


@dataclass(frozen=True)
class PasswordCheck:
    """The password re-entered to confirm a change: ``ok``, or wrong, or it must wait."""

    ok: bool
    wrong: bool = False
    wait: timedelta = timedelta(0)


async def check_password(
    *, session: AsyncSession, user: User, password: str, secret_key: str
) -> PasswordCheck:
    """Check the password re-entered to change the login address or the mobile number; commits.

    Counted as a login attempt, before the check, against the login throttle of the account
    (throttling.LOGIN_ACCOUNT), as :func:`change_password` does; the right password clears the
    count, as a successful login does. An account without a password never passes.
    """
    subject = login_throttle_subject(user)
    reserved = await throttling.hit(
        session, throttling.LOGIN_ACCOUNT, subject, secret_key=secret_key
    )
    if not reserved.allowed:
        return PasswordCheck(False, wait=reserved.wait)
    ok, _ = await verify_password_off_loop(user.password_hash, password)
    if not ok:
        return PasswordCheck(False, wrong=True, wait=reserved.wait)
    await throttling.clear(session, throttling.LOGIN_ACCOUNT, subject, secret_key=secret_key)
    await session.commit()
    return PasswordCheck(True)


async def change_password(
    *,
    session: AsyncSession,
    user: User,
    current_password: str | None,
    new_password: str | None,
    keep_session_id: int | None,
    secret_key: str,
    mailer: Mailer,
) -> PasswordChange:
    """Set a new password; commits. The caller has checked ``new_password`` against the rules.

    ``new_password`` is ``None`` when the form refused it: the current password is then still
    checked (and counted), so the page reports every field's error at once, and nothing else
    changes.

    An account with a password must give it as ``current_password``; each attempt counts
    against the login throttle of the account (throttling.LOGIN_ACCOUNT) before the check, as a
    login does, and a success clears it. An account without one (registered through WeChat)
    adds a password without it, but only if it has an email address to log in with; otherwise
    :class:`PasswordNeedsEmail`.

    On success every other session of the user ends (``keep_session_id`` stays signed in), any
    unused reset link dies (it must not undo the change), an audit row names the field
    ``password``, and a notice is mailed in the user's preferred language.
    """
    adding = user.password_hash is None
    if adding and not user.email:
        raise PasswordNeedsEmail
    subject = login_throttle_subject(user)
    if not adding:
        reserved = await throttling.hit(
            session, throttling.LOGIN_ACCOUNT, subject, secret_key=secret_key
        )
        if not reserved.allowed:
            return PasswordChange(False, wait=reserved.wait)
        ok, _ = await verify_password_off_loop(user.password_hash, current_password or "")
        if not ok:
            return PasswordChange(False, wrong_current=True, wait=reserved.wait)
        if new_password is None:
            # The right password: the hit is forgiven, as a successful login's would be.
            await throttling.clear(
                session, throttling.LOGIN_ACCOUNT, subject, secret_key=secret_key
            )
            await session.commit()
            return PasswordChange(False)
    if new_password is None:
        return PasswordChange(False)
    new_hash = await hash_password_off_loop(new_password)
    await session.execute(
        update(User).where(col(User.id) == user.id).values(password_hash=new_hash)
    )
    await revoke_sessions(session=session, user_id=saved_id(user), keep_id=keep_session_id)
    await session.execute(
        delete(PasswordResetToken).where(col(PasswordResetToken.user_id) == user.id)
    )
    await throttling.clear(session, throttling.LOGIN_ACCOUNT, subject, secret_key=secret_key)
    audit_record(
        session,
        user_id=saved_id(user),
        record=ACCOUNT_RECORD,
        fields=["password"],
        action=ADDED if adding else CHANGED,
    )
    if user.email:
        mailer.queue(
            session=session,
            user_id=saved_id(user),
            recipient=user.email,
            template="password_set",
            locale=user.preferred_language,
            context={
                "name": user.name,
                "added": adding,
                "forgot_link": mailer.link("/password/forgot"),
            },
        )
    await session.commit()
    _apply(user, {"password_hash": new_hash})
    return PasswordChange(True)
