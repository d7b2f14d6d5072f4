"""Tables of the accounts area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    """A customer account, registered by email or through WeChat."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    # The address as the user wrote it (normalized by email-validator) ...
    email: str | None = Field(default=None, max_length=254)
    # ... and lower-cased, so that one mailbox is one account whatever its capitals.
    email_key: str | None = Field(default=None, max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=100)
    job_title: str | None = Field(default=None, max_length=100)
    invoice_email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)  # E.164, e.g. +8613812345678
    # When a text message proved the number (a later issue sends it): NULL until then, and again
    # after every change of the number, so an unproved number is never taken for a proved one.
    phone_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    customer_type: str | None = Field(default=None, max_length=20)
    password_hash: str | None = Field(default=None, max_length=255)  # argon2id
    preferred_language: str = Field(default="en", max_length=8)
    wechat_openid: str | None = Field(default=None, max_length=64, unique=True)
    email_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 is stored here."""

    __tablename__ = "login_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    remember: bool = False
    user_agent: str = Field(default="", max_length=300)
    ip_address: str = Field(default="", max_length=45)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordResetToken(SQLModel, table=True):
    """A link sent by "Forgot your password?": single-use, valid for an hour.

    Only the SHA-256 of the token is stored (as for sessions), so the table cannot be replayed.
    """

    __tablename__ = "password_reset_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Throttle(SQLModel, table=True):
    """How often one key was hit lately: logins to one address, or from one client address.

    ``key`` is ``<policy>:<HMAC of the subject>``, so the table holds no email or IP address,
    and an address without an account gets a row exactly like one with an account.
    """

    __tablename__ = "throttles"

    key: str = Field(primary_key=True, max_length=80)
    hits: int = 0  # in the current window
    window_started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lockouts: int = 0  # since the key was last quiet for a day: each doubles the wait
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
