"""Server-side login sessions and the middleware that finds the signed-in user.

The cookie holds a random token signed with itsdangerous; the database keeps only its SHA-256,
so a leaked database cannot be replayed as cookies. Without "remember me" the cookie has no
expiry (it ends with the browser) and the server ends the session after 12 idle hours; with it,
the cookie and the session last 30 days.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.accounts.models import LoginSession, User
from portal.db import request_session, rowcount, saved_id, utcnow
from portal.privacy.models import POLICY_LEDGER_KINDS, ConsentRecord
from portal.web.csrf import _cookie

SESSION_COOKIE = "portal_session"
IDLE_LIFETIME = timedelta(hours=12)
REMEMBER_LIFETIME = timedelta(days=30)
TOUCH_EVERY = timedelta(minutes=5)  # write last_used_at at most this often


@dataclass(frozen=True)
class NewSession:
    cookie_value: str
    max_age: int | None  # None: a browser-session cookie


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt="portal.session")


async def start_session(
    *,
    session: AsyncSession,
    secret_key: str,
    user: User,
    remember: bool,
    user_agent: str,
    ip_address: str,
) -> NewSession:
    """Open a new login session (a fresh id at every login); the caller commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        LoginSession(
            token_hash=token_hash(token),
            user_id=saved_id(user),
            remember=remember,
            user_agent=user_agent[:300],
            ip_address=ip_address[:45],
            created_at=now,
            last_used_at=now,
            expires_at=now + (REMEMBER_LIFETIME if remember else IDLE_LIFETIME),
        )
    )
    value = signer(secret_key).sign(token).decode()
    return NewSession(value, int(REMEMBER_LIFETIME.total_seconds()) if remember else None)


async def revoke_sessions(
    *, session: AsyncSession, user_id: int, keep_id: int | None = None, only_id: int | None = None
) -> int:
    """End a user's sessions: one (``only_id``), or all but ``keep_id``; the caller commits."""
    statement = (
        update(LoginSession)
        .where(col(LoginSession.user_id) == user_id)
        .where(col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    if only_id is not None:
        statement = statement.where(col(LoginSession.id) == only_id)
    if keep_id is not None:
        statement = statement.where(col(LoginSession.id) != keep_id)
    result = await session.execute(statement)
    return rowcount(result)


_ACTIVE = (
    select(LoginSession)
    .where(col(LoginSession.user_id) == bindparam("user_id"))
    .where(col(LoginSession.revoked_at).is_(None))
    .where(col(LoginSession.expires_at) > bindparam("now"))
    .order_by(col(LoginSession.last_used_at).desc())
)


async def active_sessions(*, session: AsyncSession, user_id: int) -> list[LoginSession]:
    rows = await session.execute(_ACTIVE, {"user_id": user_id, "now": utcnow()})
    return list(rows.scalars())


def read_token(secret_key: str, cookie_value: str | None) -> str | None:
    if not cookie_value:
        return None
    try:
        return signer(secret_key).unsign(cookie_value).decode()
    except BadSignature:
        return None


# The newest policy row of the user's consent ledger comes with the same query: the policy gate
# keys its cache on it (privacy/gate.py), so a signed-in page costs one query here, not two.
_POLICY_MARKER = (
    select(func.max(col(ConsentRecord.id)))
    .where(col(ConsentRecord.user_id) == col(LoginSession.user_id))
    .where(col(ConsentRecord.kind).in_(POLICY_LEDGER_KINDS))
    .scalar_subquery()
)
# Built once: it runs on every signed-in request, and building it cost as much as running it.
_SIGNED_IN = (
    select(LoginSession, User, _POLICY_MARKER)
    .join(User, col(User.id) == col(LoginSession.user_id))
    .where(col(LoginSession.token_hash) == bindparam("digest"))
    .where(col(LoginSession.revoked_at).is_(None))
    .where(col(LoginSession.expires_at) > bindparam("now"))
)


class SessionMiddleware:
    """Puts the signed-in user (or ``None``) in ``scope["user"]`` and their language first."""

    def __init__(self, app: ASGIApp, *, secret_key: str) -> None:
        self.app = app
        self.secret_key = secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        scope["user"] = None
        scope["login_session"] = None
        token = read_token(self.secret_key, _cookie(scope, SESSION_COOKIE))
        if token:
            found = await self._find(request_session(scope), token_hash(token), utcnow())
            if found:
                login_session, user, marker = found
                scope["user"] = user
                scope["login_session"] = login_session
                scope["policy_marker"] = marker
                scope["preferred_language"] = user.preferred_language
        await self.app(scope, receive, send)

    @staticmethod
    async def _find(
        session: AsyncSession, digest: str, now: datetime
    ) -> tuple[LoginSession, User, int | None] | None:
        row = (await session.execute(_SIGNED_IN, {"digest": digest, "now": now})).first()
        if row is None:
            return None
        login_session, user, marker = row
        if now - login_session.last_used_at >= TOUCH_EVERY:
            values: dict[str, object] = {"last_used_at": now}
            if not login_session.remember:
                values["expires_at"] = now + IDLE_LIFETIME
            await session.execute(
                update(LoginSession)
                .where(col(LoginSession.id) == login_session.id)
                .values(**values)
            )
            await session.commit()
        # Detached, as loaded: a service's rollback later in the request (a throttle refusing,
        # say) expires what the session holds, and the page must still read who is signed in.
        # A service that changes the user adds it back to its session.
        session.expunge(login_session)
        session.expunge(user)
        return login_session, user, marker
