"""Tables of the staff console: staff members, their sessions, and the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow


class Role(StrEnum):
    """What a staff member may do. ``admin`` may do everything the other roles may."""

    QUOTING = "quoting"  # reads drawings, prices quote requests
    PRIVACY_OFFICER = "privacy_officer"  # answers privacy requests
    ADMIN = "admin"

    def grants(self, needed: Role | None) -> bool:
        return needed is None or self is Role.ADMIN or self is needed


class StaffMember(SQLModel, table=True):
    """A member of staff. Signing in takes the password and a TOTP code, always."""

    __tablename__ = "staff_members"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    email_key: str = Field(max_length=254, unique=True, index=True)  # lower-cased
    name: str = Field(default="", max_length=100)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=255)  # argon2id
    # None until the member replaces the one-time password `staff add` printed.
    password_set_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    totp_secret: str = Field(max_length=64)  # base32, as in the otpauth:// URI
    # The time step of the last code accepted: a code is good once (RFC 6238, section 5.2).
    totp_last_step: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def staff_role(self) -> Role:
        return Role(self.role)


class StaffSession(SQLModel, table=True):
    """A signed-in staff browser: shorter than a customer's, and never remembered."""

    __tablename__ = "staff_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    staff_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("staff_members.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    user_agent: str = Field(default="", max_length=300)
    ip_address: str = Field(default="", max_length=45)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # the absolute end
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffAuditEvent(SQLModel, table=True):
    """Who did what, when: sign-ins, and every read of a customer's data (a drawing, a request).

    Kept when the member is disabled (the id stays; rows are never deleted with the member).
    """

    __tablename__ = "staff_audit_log"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff_members.id"), index=True, nullable=False)
    )
    action: str = Field(max_length=40)  # e.g. "sign_in", "drawing.download"
    subject: str = Field(default="", max_length=200)  # what it touched, e.g. "drawing:12"
    # Whose data it touched, when a customer's: the log is searched by customer. NULL once the
    # account is deleted (the line stays: the read happened).
    customer_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
        ),
    )
    ip_address: str = Field(default="", max_length=45)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
