"""Forgotten passwords: a single-use link, valid for an hour, sent by mail.

Why a row per link and not a signed token. An itsdangerous token bound to the current password
hash needs no table and dies when the password changes, but it is single-use only by that side
effect: it stays valid for its whole hour if the user remembers the password and never uses the
link, every link requested in that hour works at once, and nothing can be revoked by hand. A row
holding the SHA-256 of a random token (as login sessions do, so a leaked database cannot be turned
into links) makes each rule explicit and testable: ``used_at`` is set by one conditional UPDATE,
so two tabs racing with the same link cannot both succeed; a new request replaces the older
links; using a link kills the others; and an expired or used row is simply refused.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlmodel
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts import throttling
from portal.accounts.models import PasswordResetToken, User
from portal.accounts.passwords import hash_password_off_loop
from portal.accounts.sessions import revoke_sessions
from portal.db import rowcount, saved_id, utcnow
from portal.i18n import ngettext
from portal.mail.mailer import Mailer
from portal.mail.outbox import queue_rendered, render_mail

RESET_LIFETIME = timedelta(hours=1)


def link_lifetime() -> str:
    """How long a link works, in the current language ("1 hour", "1 小时"), from RESET_LIFETIME.

    The mail and the pages all say "The link works for <this> and only once.", so they cannot
    disagree (the mail once said 60 minutes where the pages said one hour).
    """
    minutes = int(RESET_LIFETIME.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and not rest:
        return ngettext("%(num)s hour", "%(num)s hours", hours)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh link token and the digest that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, _digest(token)


async def find_account(*, session: AsyncSession, email: str) -> User | None:
    """The account with this address, or ``None``: the one query every address costs."""
    key = email.strip().lower()
    return await session.scalar(sqlmodel.select(User).where(sqlmodel.col(User.email_key) == key))


async def request_reset(
    *, session: AsyncSession, user: User | None, mailer: Mailer, locale: str
) -> None:
    """Mail a reset link to ``user`` (:func:`find_account`); for ``None``, queue nothing.

    The mail is in the account's preferred language. A new link replaces any earlier one.

    An unknown address costs the same work as a known one, so the response time does not tell
    whether an account exists: the same queries, a token made and hashed, the mail rendered
    (in ``locale``, the page's language); only the link's row and the mail are not added.
    """
    account = user if user is not None and user.email else None
    token, digest = new_token()
    now = utcnow()
    await session.execute(
        delete(PasswordResetToken).where(
            col(PasswordResetToken.user_id) == (account.id if account else 0)
        )
    )
    rendered = render_mail(
        mailer.env,
        "password_reset",
        account.preferred_language if account else locale,
        {
            "name": account.name if account else "",
            "link": mailer.link(f"/password/reset?token={token}"),
            "link_lifetime": link_lifetime,  # called while rendering, in the mail's language
        },
    )
    if account is not None and account.id is not None and account.email:
        session.add(
            PasswordResetToken(
                token_hash=digest,
                user_id=account.id,
                created_at=now,
                expires_at=now + RESET_LIFETIME,
            )
        )
        queue_rendered(session, user_id=account.id, recipient=account.email, rendered=rendered)
    await session.commit()


async def user_for_token(*, session: AsyncSession, token: str) -> User | None:
    """The account whose unused, unexpired link this is; ``None`` for any other token."""
    if not token or len(token) > 200:
        return None
    return await session.scalar(
        select(User)
        .join(PasswordResetToken, col(PasswordResetToken.user_id) == col(User.id))
        .where(col(PasswordResetToken.token_hash) == _digest(token))
        .where(col(PasswordResetToken.used_at).is_(None))
        .where(col(PasswordResetToken.expires_at) > utcnow())
    )


async def reset_password(
    *,
    session: AsyncSession,
    token: str,
    password: str,
    secret_key: str,
    mailer: Mailer,
) -> User | None:
    """Use the link: set ``password``, end every session, and mail a notice; ``None``: bad link.

    Using the link also confirms the address, if it was not confirmed yet.

    The caller has checked ``password`` against the rules (``passwords.password_problem``).
    The account's login throttle is cleared: whoever reads the mailbox is the owner, so a
    lockout someone else caused must not keep them out.
    """
    if not token or len(token) > 200:
        return None
    now = utcnow()
    used = await session.execute(
        update(PasswordResetToken)
        .where(col(PasswordResetToken.token_hash) == _digest(token))
        .where(col(PasswordResetToken.used_at).is_(None))
        .where(col(PasswordResetToken.expires_at) > now)
        .values(used_at=now)
        .returning(col(PasswordResetToken.user_id))
    )
    user_id = used.scalar_one_or_none()
    user = await session.get(User, user_id) if user_id is not None else None
    if user is None:
        await session.rollback()
        return None
    user.password_hash = await hash_password_off_loop(password)
    if user.email_verified_at is None:
        # The link reached the mailbox and was used: that proves the address, as the
        # verification link would (and the account no longer expires unconfirmed).
        user.email_verified_at = now
    session.add(user)
    await revoke_sessions(session=session, user_id=saved_id(user))
    await session.execute(
        delete(PasswordResetToken)
        .where(col(PasswordResetToken.user_id) == user.id)
        .where(col(PasswordResetToken.used_at).is_(None))
    )
    if user.email:
        await throttling.clear(
            session, throttling.LOGIN_ACCOUNT, user.email_key or "", secret_key=secret_key
        )
        mailer.queue(
            session=session,
            user_id=user.id,
            recipient=user.email,
            template="password_changed",
            locale=user.preferred_language,
            context={"name": user.name, "forgot_link": mailer.link("/password/forgot")},
        )
    await session.commit()
    return user


async def prune(*, session: AsyncSession) -> int:
    """Delete links that can no longer be used (expired or used); commits."""
    expired = col(PasswordResetToken.expires_at) < utcnow()
    used = col(PasswordResetToken.used_at).is_not(None)
    result = await session.execute(delete(PasswordResetToken).where(expired | used))
    await session.commit()
    return rowcount(result)
