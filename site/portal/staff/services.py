"""Staff accounts: enrolment by the operator, sign-in with password and TOTP code, the audit log.

Every service takes the database session as ``session=`` and commits its own work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts import throttling
from portal.accounts.passwords import (
    hash_password_off_loop,
    verify_password_off_loop,
)
from portal.db import utcnow
from portal.staff import totp
from portal.staff.models import Role, StaffAuditEvent, StaffMember, StaffSession
from portal.staff.sessions import revoke_staff_sessions

#: The one-time password `staff add` prints: 20 characters of a 54-letter alphabet (~115 bits),
#: without look-alikes (0/O, 1/l/I), because someone may read it aloud or copy it by hand.
_ONE_TIME_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class StaffExists(Exception):
    """An active or disabled staff account already has this address."""


class NoSuchStaff(Exception):
    """No staff account has this address."""


@dataclass(frozen=True)
class Enrolment:
    """What the operator hands the new member, once: a password to replace, and the TOTP URI."""

    member: StaffMember
    one_time_password: str
    otpauth_uri: str


def email_key(email: str) -> str:
    return email.strip().lower()


def _one_time_password() -> str:
    return "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(20))


async def find_member(*, session: AsyncSession, email: str) -> StaffMember | None:
    return await session.scalar(
        select(StaffMember).where(col(StaffMember.email_key) == email_key(email))
    )


async def add_staff(*, session: AsyncSession, email: str, role: Role, name: str = "") -> Enrolment:
    """A new staff member with a one-time password and a fresh TOTP secret."""
    if await find_member(session=session, email=email) is not None:
        raise StaffExists(email)
    password = _one_time_password()
    member = StaffMember(
        email=email.strip(),
        email_key=email_key(email),
        name=name.strip(),
        role=role.value,
        password_hash=await hash_password_off_loop(password),
        totp_secret=totp.new_secret(),
    )
    session.add(member)
    await session.commit()
    await session.refresh(member)
    return Enrolment(member, password, totp.provisioning_uri(member.totp_secret, member.email))


async def reset_staff(*, session: AsyncSession, email: str, secret_key: str) -> Enrolment:
    """A lost phone or a forgotten password: a new one-time password and TOTP secret, every
    session ended, the account enabled again."""
    member = await find_member(session=session, email=email)
    if member is None:
        raise NoSuchStaff(email)
    password = _one_time_password()
    member.password_hash = await hash_password_off_loop(password)
    member.password_set_at = None
    member.totp_secret = totp.new_secret()
    member.totp_last_step = 0
    member.disabled_at = None
    assert member.id is not None
    await revoke_staff_sessions(session=session, staff_id=member.id)
    await throttling.clear(
        session, throttling.STAFF_LOGIN_ACCOUNT, member.email_key, secret_key=secret_key
    )
    session.add(member)
    await session.commit()
    await session.refresh(member)
    return Enrolment(member, password, totp.provisioning_uri(member.totp_secret, member.email))


async def disable_staff(*, session: AsyncSession, email: str) -> StaffMember:
    """Someone leaves: their sessions end at once; the account and its audit trail stay."""
    member = await find_member(session=session, email=email)
    if member is None:
        raise NoSuchStaff(email)
    member.disabled_at = member.disabled_at or utcnow()
    assert member.id is not None
    await revoke_staff_sessions(session=session, staff_id=member.id)
    session.add(member)
    await session.commit()
    await session.refresh(member)
    return member


async def list_staff(*, session: AsyncSession) -> list[StaffMember]:
    return list(await session.scalars(select(StaffMember).order_by(col(StaffMember.email_key))))


@dataclass(frozen=True)
class SignIn:
    """The member who signed in, or ``None``; ``wait`` when the address must wait first."""

    member: StaffMember | None
    wait: timedelta = timedelta(0)


async def sign_in(
    *,
    session: AsyncSession,
    email: str,
    password: str,
    code: str,
    client: str,
    secret_key: str,
    now: datetime | None = None,
) -> SignIn:
    """Check password and code together, counted before the check like customers' logins.

    The answer never says which of the address, password or code was wrong. A code is good
    once: its time step is kept, and no earlier or equal step is accepted afterwards.
    """
    now = now or utcnow()
    client = throttling.client_subject(client)
    account = email_key(email)
    address = await throttling.hit(
        session, throttling.STAFF_LOGIN_CLIENT, client, secret_key=secret_key
    )
    if not address.allowed:
        return SignIn(None, address.wait)
    reserved = await throttling.hit(
        session, throttling.STAFF_LOGIN_ACCOUNT, account, secret_key=secret_key
    )
    if not reserved.allowed:
        await throttling.take_back(
            session, throttling.STAFF_LOGIN_CLIENT, client, address, secret_key=secret_key
        )
        await session.commit()
        return SignIn(None, reserved.wait)
    member = await find_member(session=session, email=email)
    usable = member is not None and member.disabled_at is None
    ok, new_hash = await verify_password_off_loop(
        member.password_hash if member is not None and usable else None, password
    )
    step = None
    if ok and member is not None:
        step = totp.matching_step(member.totp_secret, code, now=now, after=member.totp_last_step)
    if member is None or not usable or not ok or step is None:
        return SignIn(None, max(reserved.wait, address.wait))
    member.totp_last_step = step
    if new_hash:
        member.password_hash = new_hash
    session.add(member)
    await throttling.clear(session, throttling.STAFF_LOGIN_ACCOUNT, account, secret_key=secret_key)
    await throttling.take_back(
        session, throttling.STAFF_LOGIN_CLIENT, client, address, secret_key=secret_key
    )
    await session.commit()
    await session.refresh(member)
    return SignIn(member)


async def record(
    *,
    session: AsyncSession,
    member: StaffMember,
    action: str,
    subject: str = "",
    ip_address: str = "",
    customer_id: int | None = None,
) -> None:
    """Add a line to the audit log (the caller commits, with the work it records).

    ``customer_id`` names the customer whose data it touched, so the log can be searched by
    customer (the privacy console's audit page).
    """
    assert member.id is not None
    session.add(
        StaffAuditEvent(
            staff_id=member.id,
            action=action,
            subject=subject[:200],
            ip_address=ip_address[:45],
            customer_id=customer_id,
        )
    )


async def change_password(
    *,
    session: AsyncSession,
    member: StaffMember,
    password: str,
    keep_session_id: int | None,
    ip_address: str = "",
) -> None:
    """Set a chosen password (replacing the one-time one); other sessions end."""
    member = await session.merge(member)
    member.password_hash = await hash_password_off_loop(password)
    member.password_set_at = utcnow()
    assert member.id is not None
    await revoke_staff_sessions(session=session, staff_id=member.id, keep_id=keep_session_id)
    await record(session=session, member=member, action="password.change", ip_address=ip_address)
    await session.commit()


async def recent_events(
    *, session: AsyncSession, staff_id: int | None = None, limit: int = 20
) -> list[StaffAuditEvent]:
    """The newest audit lines, of one member or of everyone."""
    statement = select(StaffAuditEvent).order_by(col(StaffAuditEvent.id).desc()).limit(limit)
    if staff_id is not None:
        statement = statement.where(col(StaffAuditEvent.staff_id) == staff_id)
    return list(await session.scalars(statement))


#: Lines on a page of the audit log search.
AUDIT_PAGE_SIZE = 100


async def search_audit(
    *,
    session: AsyncSession,
    customer_id: int | None = None,
    staff_id: int | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
    limit: int = AUDIT_PAGE_SIZE,
) -> list[StaffAuditEvent]:
    """Audit lines, newest first, narrowed by customer, staff member and time (``before`` is
    exclusive): what a privacy officer answers "who read this customer's data?" with."""
    statement = select(StaffAuditEvent).order_by(col(StaffAuditEvent.id).desc()).limit(limit)
    if customer_id is not None:
        statement = statement.where(col(StaffAuditEvent.customer_id) == customer_id)
    if staff_id is not None:
        statement = statement.where(col(StaffAuditEvent.staff_id) == staff_id)
    if since is not None:
        statement = statement.where(col(StaffAuditEvent.created_at) >= since)
    if before is not None:
        statement = statement.where(col(StaffAuditEvent.created_at) < before)
    return list(await session.scalars(statement))


async def end_session(*, session: AsyncSession, staff_session: StaffSession) -> None:
    """Sign out: this browser's staff session ends."""
    assert staff_session.id is not None
    await revoke_staff_sessions(
        session=session, staff_id=staff_session.staff_id, only_id=staff_session.id
    )
    await session.commit()
