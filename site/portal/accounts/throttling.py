"""Throttles: how often an account, a device or a client address may log in, register or ask for mail.

The counts live in the ``throttles`` table, one row per key, because app processes are stateless
(DESIGN.md): several uvicorn workers and hosts share one database, so an attacker gains nothing by
spreading guesses across them. Each row is read and written under a row lock (``INSERT ... ON
CONFLICT DO NOTHING`` then ``SELECT ... FOR UPDATE``; on SQLite the insert takes the database's
write lock), so concurrent requests never lose a count.

The policies, and why:

- **Logins to one account**: 5 failures within 15 minutes lock the account's key for 5 minutes;
  each further lockout doubles the wait (10, 20, 40 minutes) up to an hour, until the key has
  been quiet for a day or someone logs in to the account from an unknown client. Five tries
  forgive typos and a forgotten Caps Lock; the doubling holds a guesser to a few dozen tries a
  day, far too few for a password that passed our rules. The wait stays short because a lockout
  is also a way to annoy a victim, and this lock only stops clients the account does not know.
- **Logins from a known device**: a browser that signed in to the account before holds a
  device cookie for it (devices.py). Its attempts are counted against that device alone, with
  the account's numbers (5 failures, then 5 minutes, doubling up to an hour), and neither the
  account's lock nor the client address's stops it: a stranger's guesses cannot keep the owner
  out, and the owner's typos lock only their own browser. A success clears the device's count,
  not the account's, which is the strangers' count.
- **Logins from one client address**: 30 failures within 15 minutes lock it for 15 minutes,
  doubling up to an hour. This stops one machine trying one password on many accounts; the limit
  is high because Chinese carriers put many customers behind one address (CGNAT) and a factory's
  office shares one. IPv6 clients are counted per /64, the block one customer gets. A success
  takes its attempt back: the limit is on failures.
- **Registrations from one client address**: 10 per hour, then an hour's wait; a registration
  says whether an address has an account, so this also slows enumeration.
- **Reset links** ("Forgot your password?"): 3 per hour per address typed and 10 per hour per
  client address, so nobody can fill a mailbox through us; from a known device, 3 per hour for
  that device instead of both, so strangers who used up an address's mails cannot keep its owner
  from a link. Completing a reset clears the account's login lock (password_reset.py): whoever
  reads the mailbox is the owner.
- **Verification mails sent again**: 3 per hour per account (only a signed-in user can ask).

An address without an account is throttled exactly like one with an account: the key is an HMAC
of what was typed (or of the device's nonce, or the signed-in account's id), so the table holds
no email or IP address, and no key says whether an account exists.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import Throttle
from portal.db import rowcount, utcnow


@dataclass(frozen=True)
class Policy:
    """At most ``limit`` hits per ``window``; then a wait of ``lockout``, doubling each time."""

    name: str
    limit: int
    window: timedelta
    lockout: timedelta
    max_lockout: timedelta
    #: After this long without a hit, a key starts afresh (its lockouts are forgotten).
    memory: timedelta = timedelta(days=1)

    def lockout_after(self, lockouts: int) -> timedelta:
        """The wait imposed by the key's next lockout, after ``lockouts`` earlier ones."""
        factor: int = 2 ** min(lockouts, 16)
        return min(self.lockout * factor, self.max_lockout)


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

LOGIN_ACCOUNT = Policy("login-account", 5, 15 * MINUTE, 5 * MINUTE, HOUR)
LOGIN_DEVICE = Policy("login-device", 5, 15 * MINUTE, 5 * MINUTE, HOUR)
LOGIN_CLIENT = Policy("login-client", 30, 15 * MINUTE, 15 * MINUTE, HOUR)
REGISTRATION_CLIENT = Policy("register-client", 10, HOUR, HOUR, HOUR)
VERIFICATION_MAIL = Policy("verify-mail", 3, HOUR, HOUR, HOUR)
RESET_MAIL_ACCOUNT = Policy("reset-account", 3, HOUR, HOUR, HOUR)
RESET_MAIL_CLIENT = Policy("reset-client", 10, HOUR, HOUR, HOUR)
RESET_MAIL_DEVICE = Policy("reset-device", 3, HOUR, HOUR, HOUR)
# Staff sign-in (password and TOTP code): a stranger can lock a staff member out for a while,
# which an admin's `staff reset` ends; in return nobody can try a million codes.
STAFF_LOGIN_ACCOUNT = Policy("staff-login-account", 5, 15 * MINUTE, 15 * MINUTE, 4 * HOUR)
STAFF_LOGIN_CLIENT = Policy("staff-login-client", 20, 15 * MINUTE, 15 * MINUTE, HOUR)
POLICIES = (
    LOGIN_ACCOUNT,
    LOGIN_DEVICE,
    LOGIN_CLIENT,
    REGISTRATION_CLIENT,
    VERIFICATION_MAIL,
    RESET_MAIL_ACCOUNT,
    RESET_MAIL_CLIENT,
    RESET_MAIL_DEVICE,
    STAFF_LOGIN_ACCOUNT,
    STAFF_LOGIN_CLIENT,
)


@dataclass(frozen=True)
class Decision:
    """Whether a hit was allowed, and how long until the key accepts the next one."""

    allowed: bool
    wait: timedelta = timedelta(0)

    @property
    def seconds(self) -> int:
        """For the ``Retry-After`` header."""
        return max(math.ceil(self.wait.total_seconds()), 0)

    @property
    def minutes(self) -> int:
        """For "Try again in N minutes": rounded up, so the user never comes back too early."""
        return max(math.ceil(self.wait.total_seconds() / 60), 1) if self.wait else 0


def client_subject(host: str) -> str:
    """What counts as one client: its IPv4 address, or its IPv6 /64 network."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def account_subject(email_key: str | None, user_id: int | None) -> str:
    """What counts as one account for :data:`LOGIN_ACCOUNT`: its login address, lower-cased.

    Every page that asks a signed-in user for their password (a password change,
    deregistration) draws on the login throttle's allowance of the account, so a stolen session
    cookie buys no extra guesses at the password. An account without an address has no login
    to share the count with; its id stands in.
    """
    return email_key or f"user:{user_id}"


def throttle_key(policy: Policy, subject: str, *, secret_key: str) -> str:
    """``<policy>:<HMAC>``: the same subject always gives the same key, and reveals nothing."""
    digest = hmac.new(
        secret_key.encode(), f"throttle:{policy.name}:{subject}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{policy.name}:{digest[:48]}"


def _insert_if_missing(dialect: str, key: str, now: datetime) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING``, which SQLAlchemy spells per dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(Throttle)
        .values(key=key, hits=0, window_started_at=now, lockouts=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )


async def status(
    session: AsyncSession,
    policy: Policy,
    subject: str,
    *,
    secret_key: str,
    now: datetime | None = None,
) -> Decision:
    """Whether ``subject`` may try now, without counting a hit (reads only)."""
    now = now or utcnow()
    locked_until = await session.scalar(
        select(col(Throttle.locked_until)).where(
            col(Throttle.key) == throttle_key(policy, subject, secret_key=secret_key)
        )
    )
    if locked_until is not None and locked_until > now:
        return Decision(False, locked_until - now)
    return Decision(True)


async def hit(
    session: AsyncSession,
    policy: Policy,
    subject: str,
    *,
    secret_key: str,
    now: datetime | None = None,
) -> Decision:
    """Count one hit of ``subject`` unless it must wait; commits at once.

    ``allowed`` says whether this hit may go ahead; ``wait`` (when allowed) is the lockout this
    hit started, so the caller can say so now rather than at the next attempt.
    """
    now = now or utcnow()
    key = throttle_key(policy, subject, secret_key=secret_key)
    await session.execute(_insert_if_missing(session.get_bind().dialect.name, key, now))
    row = (
        await session.execute(
            select(Throttle)
            .where(col(Throttle.key) == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if row.locked_until is not None and row.locked_until > now:
        wait = row.locked_until - now
        await session.rollback()
        return Decision(False, wait)
    if now - row.updated_at >= policy.memory:
        row.hits, row.lockouts, row.window_started_at = 0, 0, now
    elif now - row.window_started_at >= policy.window:
        row.hits, row.window_started_at = 0, now
    row.hits += 1
    row.updated_at = now
    wait = timedelta(0)
    if row.hits >= policy.limit:
        wait = policy.lockout_after(row.lockouts)
        row.locked_until = now + wait
        row.lockouts += 1
        row.hits, row.window_started_at = 0, now
    session.add(row)
    await session.commit()
    return Decision(True, wait)


async def clear(session: AsyncSession, policy: Policy, subject: str, *, secret_key: str) -> None:
    """Forget ``subject``'s hits and lockouts (a successful login); the caller commits."""
    await session.execute(
        delete(Throttle).where(
            col(Throttle.key) == throttle_key(policy, subject, secret_key=secret_key)
        )
    )


async def take_back(
    session: AsyncSession, policy: Policy, subject: str, counted: Decision, *, secret_key: str
) -> None:
    """Uncount the hit that :func:`hit` answered with ``counted``, ahead of an outcome that
    turned out not to count (a login that succeeded); the caller commits.

    If that hit was the one that reached the limit, the lockout it started is lifted as well:
    the key is back one short of the limit, with its earlier lockouts.
    """
    key = throttle_key(policy, subject, secret_key=secret_key)
    if counted.wait > timedelta(0):
        await session.execute(
            update(Throttle)
            .where(col(Throttle.key) == key)
            .values(
                locked_until=None,
                hits=policy.limit - 1,
                lockouts=case((col(Throttle.lockouts) > 0, col(Throttle.lockouts) - 1), else_=0),
            )
        )
        return
    await session.execute(
        update(Throttle)
        .where(col(Throttle.key) == key)
        .where(col(Throttle.hits) > 0)
        .values(hits=col(Throttle.hits) - 1)
    )


async def prune(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete the rows of keys that have been quiet for longer than any policy remembers."""
    now = now or utcnow()
    oldest = now - max(policy.memory for policy in POLICIES) - HOUR
    result = await session.execute(
        delete(Throttle)
        .where(col(Throttle.updated_at) < oldest)
        .where((col(Throttle.locked_until).is_(None)) | (col(Throttle.locked_until) < now))
    )
    await session.commit()
    return rowcount(result)
