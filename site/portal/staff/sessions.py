"""Staff sessions and the middleware that finds the signed-in staff member.

Apart from customers' sessions in every way: their own table, their own cookie (``portal_staff``,
sent only to ``/staff``, ``SameSite=Strict``), their own signing salt. Shorter, too: a staff
session ends after 30 idle minutes and at the latest 8 hours after sign-in, and is never
remembered, because a staff browser left open reads many customers' data.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.accounts.sessions import token_hash
from portal.db import request_session, utcnow
from portal.staff.models import StaffMember, StaffSession
from portal.web.csrf import _cookie

STAFF_COOKIE = "portal_staff"
STAFF_PATH = "/staff"
IDLE_LIFETIME = timedelta(minutes=30)
ABSOLUTE_LIFETIME = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)


def is_staff_path(path: str) -> bool:
    return path == STAFF_PATH or path.startswith(STAFF_PATH + "/")


def _signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt="portal.staff-session")


def start_staff_session(
    *, session: AsyncSession, secret_key: str, member: StaffMember, user_agent: str, ip_address: str
) -> str:
    """Open a staff session (the caller commits); the signed cookie value."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    assert member.id is not None
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            staff_id=member.id,
            user_agent=user_agent[:300],
            ip_address=ip_address[:45],
            created_at=now,
            last_used_at=now,
            expires_at=now + ABSOLUTE_LIFETIME,
        )
    )
    return _signer(secret_key).sign(token).decode()


async def revoke_staff_sessions(
    *, session: AsyncSession, staff_id: int, keep_id: int | None = None, only_id: int | None = None
) -> None:
    """End a member's sessions: one (``only_id``), or all but ``keep_id``; the caller commits."""
    statement = (
        update(StaffSession)
        .where(col(StaffSession.staff_id) == staff_id)
        .where(col(StaffSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    if only_id is not None:
        statement = statement.where(col(StaffSession.id) == only_id)
    if keep_id is not None:
        statement = statement.where(col(StaffSession.id) != keep_id)
    await session.execute(statement)


@dataclass(frozen=True)
class SignedInStaff:
    member: StaffMember
    staff_session: StaffSession


_SIGNED_IN = (
    select(StaffSession, StaffMember)
    .join(StaffMember, col(StaffMember.id) == col(StaffSession.staff_id))
    .where(col(StaffSession.token_hash) == bindparam("digest"))
    .where(col(StaffSession.revoked_at).is_(None))
    .where(col(StaffSession.expires_at) > bindparam("now"))
    .where(col(StaffSession.last_used_at) > bindparam("idle_since"))
    .where(col(StaffMember.disabled_at).is_(None))
)


async def find_staff(
    session: AsyncSession, secret_key: str, cookie: str | None
) -> SignedInStaff | None:
    """The staff member whose live session ``cookie`` is, touching it; else ``None``."""
    if not cookie:
        return None
    try:
        token = _signer(secret_key).unsign(cookie).decode()
    except BadSignature:
        return None
    now = utcnow()
    row = (
        await session.execute(
            _SIGNED_IN, {"digest": token_hash(token), "now": now, "idle_since": now - IDLE_LIFETIME}
        )
    ).first()
    if row is None:
        return None
    staff_session, member = row
    if now - staff_session.last_used_at >= TOUCH_EVERY:
        await session.execute(
            update(StaffSession)
            .where(col(StaffSession.id) == staff_session.id)
            .values(last_used_at=now)
        )
        await session.commit()
    session.expunge(staff_session)
    session.expunge(member)
    return SignedInStaff(member, staff_session)


class StaffSessionMiddleware:
    """Puts the signed-in staff member (or ``None``) in ``scope["staff"]`` on ``/staff`` pages.

    There, no customer is signed in, whatever customer session the browser also holds: the
    console never mixes the two. Other paths are left alone (the cookie is not sent there).
    """

    def __init__(self, app: ASGIApp, *, secret_key: str) -> None:
        self.app = app
        self.secret_key = secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_staff_path(scope["path"]):
            found = await find_staff(
                request_session(scope), self.secret_key, _cookie(scope, STAFF_COOKIE)
            )
            scope["user"] = scope["login_session"] = None
            scope.pop("preferred_language", None)
            scope["staff"] = found.member if found else None
            scope["staff_session"] = found.staff_session if found else None
        await self.app(scope, receive, send)
