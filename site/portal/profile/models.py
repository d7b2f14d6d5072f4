"""Tables of the Personal Center: shipping addresses, invoice information, subscriptions, a
pending change of the login address, audit.

Account information (name, job title, customer type, invoice email, preferred language) lives on
``users`` itself (accounts/models.py). Province and city are GB/T 2260 codes (portal/regions.py),
so a name is shown in the reader's language and a renamed city keeps its code.

The bank account of a corporate invoice and the resident ID number of a personal one are sensitive
personal information: only their AES-256-GCM ciphertext under the user's data key is stored
(portal/crypto), never the number itself (profile/invoices/sensitive.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow


def _owner() -> Column[int]:
    return Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)


class ShippingAddress(SQLModel, table=True):
    """Where to ship ordered products (policy 1.4); a user has several, one of them the default."""

    __tablename__ = "shipping_addresses"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_owner())
    organization_name: str = Field(default="", max_length=100)
    recipient_name: str = Field(max_length=50)
    shipping_address: str = Field(max_length=200)
    phone: str = Field(max_length=20)  # E.164
    province: str = Field(max_length=6)  # GB/T 2260 code
    city: str = Field(max_length=6)  # GB/T 2260 code
    postal_code: str = Field(max_length=6)
    is_default: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CorporateInvoice(SQLModel, table=True):
    """A company's invoice details (policy 1.5); the tax number is a unified social credit code.

    ``bank_account`` holds the ciphertext (``v1.<nonce>.<ciphertext>``), and only while the user's
    separate consent to it stands: withdrawing the consent erases it.
    """

    __tablename__ = "corporate_invoices"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_owner())
    company_name: str = Field(max_length=100)
    tax_number: str = Field(max_length=18)
    province: str = Field(max_length=6)
    city: str = Field(max_length=6)
    invoicing_address: str = Field(max_length=200)
    postal_code: str = Field(max_length=6)
    bank_name: str = Field(default="", max_length=100)
    bank_account: str | None = Field(default=None, max_length=200)  # encrypted
    invoice_email: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonalInvoice(SQLModel, table=True):
    """A person's invoice details (policy 1.5); the tax number is a resident ID number.

    ``tax_number`` is optional and holds the ciphertext (``v1.<nonce>.<ciphertext>``) of the
    resident ID number, only while the user's separate consent to it stands: withdrawing the
    consent erases it.
    """

    __tablename__ = "personal_invoices"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_owner())
    name: str = Field(max_length=100)
    tax_number: str | None = Field(default=None, max_length=200)  # encrypted
    province: str = Field(max_length=6)
    city: str = Field(max_length=6)
    invoicing_address: str = Field(max_length=200)
    postal_code: str = Field(max_length=6)
    invoice_email: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EmailSubscription(SQLModel, table=True):
    """One topic a user asked to receive mail about (policy 1.7), confirmed by mail (double opt-in).

    ``topic`` is ``updates``, ``products``, ``discounts`` or ``promotions``. A row is *pending*
    until the link mailed to ``email`` is followed (``confirmed_at``); unsubscribing deletes it
    (the consent ledger keeps the history).
    """

    __tablename__ = "email_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "topic"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_owner())
    topic: str = Field(max_length=20)
    email: str = Field(max_length=254)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailChange(SQLModel, table=True):
    """A new login address waiting for the link mailed to it (policy 5.3): one per account.

    Only the SHA-256 of the link's random token is stored, as for password resets
    (accounts/password_reset.py explains why a row, not a signed token): the link works until
    ``expires_at``, once (using it deletes the row), and a new request replaces the row, so
    only the newest link works. The address itself is personal information of the account, kept
    no longer than the link works (the housekeeping deletes expired rows).
    """

    __tablename__ = "email_changes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False
        )
    )
    new_email: str = Field(max_length=254)  # normalized by email-validator, as typed otherwise
    token_hash: str = Field(max_length=64, unique=True, index=True)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class AuditEntry(SQLModel, table=True):
    """A change to a user's personal information: who, which field of what, when.

    Never the value: the audit trail must not become a second copy of the data (and must never
    hold a sensitive field such as a bank account or a resident ID number). ``actor_id`` is the
    user themself, or a member of staff acting on a request (a later issue); it is kept when the
    actor's account goes, as a number.
    """

    __tablename__ = "audit_entries"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_owner())
    actor_id: int | None = Field(default=None)
    record: str = Field(max_length=40)  # "account", "shipping_address:12", "corporate_invoice:3"
    field: str = Field(max_length=40)  # an inventory key, e.g. "postal_code"
    action: str = Field(max_length=20)  # "added", "changed", "removed", "copied", "transferred"
    channel: str = Field(default="website", max_length=20)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
