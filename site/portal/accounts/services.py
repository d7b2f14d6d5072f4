"""Accounts: register, verify an address, ask for a password reset, the preferred language.

Signing in and out, and ending sessions, are in ``signin.py``.

Each service takes the database session as ``session=`` and owns its commit; mail goes through
the ``Mailer`` (portal/mail/mailer.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts import devices, password_reset, throttling
from portal.accounts.models import LoginSession, User
from portal.accounts.passwords import hash_password_off_loop
from portal.accounts.sessions import revoke_sessions
from portal.crypto import address_tag
from portal.db import rowcount, saved_id, utcnow, valid_id
from portal.mail.mailer import Mailer
from portal.privacy.models import ConsentRecord
from portal.profile.audit import audit_changes
from portal.settings import Settings


class EmailTaken(Exception):
    """An account with this email address exists already."""


class TooManyAttempts(Exception):
    """The client must wait (``decision.wait``) before trying again (throttling.py)."""

    def __init__(self, decision: throttling.Decision) -> None:
        super().__init__(decision)
        self.decision = decision


@dataclass(frozen=True)
class Registration:
    name: str
    email: str
    phone: str
    customer_type: str
    password: str


def email_key(email: str) -> str:
    return email.strip().lower()


async def lock_user(session: AsyncSession, user: User) -> None:
    """Hold the user's row until this transaction ends, so that changes to what the user owns
    (the default address, the tenth invoice, a bank account and its consent) queue up.

    PostgreSQL locks the row (``SELECT ... FOR UPDATE``). SQLite has no row locks: an UPDATE
    that changes nothing takes the database's write lock, which it holds until the commit.
    """
    await lock_user_id(session, saved_id(user))


async def lock_user_id(session: AsyncSession, user_id: int) -> None:
    """:func:`lock_user` by the account's id (which need not exist any more)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(col(User.id)).where(col(User.id) == user_id).with_for_update())
    else:
        await session.execute(
            update(User)
            .where(col(User.id) == user_id)
            .values(id=col(User.id))
            .execution_options(synchronize_session=False)
        )


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="portal.verify-email")


def verification_link(mailer: Mailer, user: User) -> str:
    address = address_tag(mailer.secret_key, user.email_key or "")
    token = _serializer(mailer.secret_key).dumps({"user": user.id, "address": address})
    return mailer.link(f"/verify-email?token={token}")


def _queue_verification(
    session: AsyncSession, mailer: Mailer, user: User, locale: str, days: int
) -> None:
    """Queue the mail with the verification link. It works for ``days``, as long as an
    unconfirmed account is kept (``PORTAL_UNVERIFIED_ACCOUNT_DAYS``), and says so."""
    mailer.queue(
        session=session,
        user_id=user.id,
        recipient=user.email or "",
        template="verify_email",
        locale=locale,
        context={
            "name": user.name,
            "link": verification_link(mailer, user),
            "days": days,
        },
    )


async def register(
    *,
    session: AsyncSession,
    data: Registration,
    locale: str,
    policy_version: str,
    channel: str,
    client: str,
    secret_key: str,
    mailer: Mailer,
    verify_days: int = Settings.unverified_account_days,
) -> User:
    """Create the account, record the policy consent, and queue the verification mail.

    Each attempt from ``client`` (an IP address) counts against the registration throttle
    first: :class:`TooManyAttempts` when it must wait. Raises :class:`EmailTaken` when the
    address has an account (compared without case). Unless the address is confirmed within
    ``verify_days``, the worker deletes the account (housekeeping.expire_unverified).
    """
    decision = await throttling.hit(
        session,
        throttling.REGISTRATION_CLIENT,
        throttling.client_subject(client),
        secret_key=secret_key,
    )
    if not decision.allowed:
        raise TooManyAttempts(decision)
    key = email_key(data.email)
    if await session.scalar(select(col(User.id)).where(col(User.email_key) == key)):
        raise EmailTaken
    user = User(
        email=data.email,
        email_key=key,
        name=data.name,
        phone=data.phone,
        customer_type=data.customer_type,
        password_hash=await hash_password_off_loop(data.password),
        preferred_language=locale,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as error:  # a second registration that raced this one
        await session.rollback()
        raise EmailTaken from error
    for kind in ("policy_consent", "capacity_declared"):  # the form requires both boxes
        session.add(
            ConsentRecord(
                user_id=user.id,
                kind=kind,
                policy_version=policy_version,
                language=locale,
                channel=channel,
            )
        )
    _queue_verification(session, mailer, user, locale, verify_days)
    await session.commit()
    return user


async def resend_verification(
    *,
    session: AsyncSession,
    user: User,
    secret_key: str,
    mailer: Mailer,
    verify_days: int = Settings.unverified_account_days,
) -> throttling.Decision:
    """Queue a fresh verification mail for a signed-in, unverified user, within its throttle.

    The decision says when the user may ask again if this request was one too many.
    """
    decision = await throttling.hit(
        session, throttling.VERIFICATION_MAIL, str(user.id), secret_key=secret_key
    )
    if decision.allowed and user.email_verified_at is None and user.email:
        _queue_verification(session, mailer, user, user.preferred_language, verify_days)
        await session.commit()
    return decision


async def verification_user(
    *, session: AsyncSession, secret_key: str, token: str, days: int
) -> User | None:
    """The account a valid, unexpired verification link names; ``None`` for any other token.

    Reads only: opening the link (a GET, which mail scanners make) changes nothing. The link
    names the address it was sent to, so a link sent before the user changed their address
    cannot verify the new one.
    """
    if not token or len(token) > 500:
        return None
    try:
        payload = _serializer(secret_key).loads(token, max_age=days * 24 * 3600)
    except BadData:
        return None
    user_id = payload.get("user") if isinstance(payload, dict) else None
    if not valid_id(user_id):
        return None
    user = await session.get(User, user_id)
    if user is None or not user.email_key:
        return None
    if address_tag(secret_key, user.email_key) != payload.get("address"):
        return None
    return user


async def verify_email(
    *,
    session: AsyncSession,
    secret_key: str,
    token: str,
    days: int,
    signed_in: LoginSession | None,
) -> User | None:
    """Confirm the address of a valid link (the page's button); ``None`` when the link is bad.

    Confirming ends every session of the account opened before it, except ``signed_in`` (the
    browser that pressed the button) if it is the account's own. Whoever registered someone
    else's address, and kept a session while a mail scanner or the owner confirmed it, is
    signed out. A second confirmation changes nothing.
    """
    user = await verification_user(session=session, secret_key=secret_key, token=token, days=days)
    if user is None or user.id is None:
        return None
    now = utcnow()
    confirmed = await session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .where(col(User.email_verified_at).is_(None))
        .values(email_verified_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(confirmed):
        keep = signed_in.id if signed_in is not None and signed_in.user_id == user.id else None
        await revoke_sessions(session=session, user_id=user.id, keep_id=keep)
        user.email_verified_at = now
    await session.commit()
    return user


async def request_password_reset(
    *,
    session: AsyncSession,
    email: str,
    client: str,
    secret_key: str,
    mailer: Mailer,
    locale: str,
    device_cookie: str | None = None,
) -> throttling.Decision:
    """Mail a reset link if the address has an account, within the mail throttles.

    Whether a mail was sent is never returned: the page must look the same either way. From a
    device the account signed in with before (devices.py), the request is counted against that
    device alone, so strangers who used up the address's mails cannot keep its owner from a
    link; any other client shares the address's limit, and its client address's.
    """
    user = await password_reset.find_account(session=session, email=email)
    device = devices.device_for(secret_key, device_cookie, user)
    if device is not None:
        decision = await throttling.hit(
            session, throttling.RESET_MAIL_DEVICE, device, secret_key=secret_key
        )
        if not decision.allowed:
            return decision
    else:
        by_client = await throttling.hit(
            session,
            throttling.RESET_MAIL_CLIENT,
            throttling.client_subject(client),
            secret_key=secret_key,
        )
        if not by_client.allowed:
            return by_client
        decision = await throttling.hit(
            session, throttling.RESET_MAIL_ACCOUNT, email_key(email), secret_key=secret_key
        )
        if not decision.allowed:
            return decision
    await password_reset.request_reset(session=session, user=user, mailer=mailer, locale=locale)
    return decision


async def set_preferred_language(*, session: AsyncSession, user: User, locale: str) -> None:
    """Remember the language a signed-in user chose with the switch (pages and mails use it).

    It is account information (policy 1.3), so a change writes an audit row like any other.
    """
    if not audit_changes(
        session,
        user_id=saved_id(user),
        record="account",
        before={"preferred_language": user.preferred_language},
        after={"preferred_language": locale},
    ):
        return
    await session.execute(
        update(User).where(col(User.id) == user.id).values(preferred_language=locale)
    )
    await session.commit()
