"""The quote requests table: what a customer asked to have made, and what staff answered.

A request holds one choice (process, material, finish, tolerance, quantity of each part) for one
or more drawings (``drawings.quote_id``). The instant estimate is stored once every drawing has
been read (``portal.quotes.reading``), so the list and the staff console show it without running
the formula again; staff set the price and lead time that bind (``portal.quotes.staff``).

The reference customers quote to us (``Q-7K3M9XQ2``) is random, so it says nothing about how
many requests others have made, and is the only id in a request's address.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Numeric, Text
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow

#: The longest note a customer (or staff, to the customer) writes, in characters.
MAX_NOTE = 2000


class QuoteStatus(StrEnum):
    """Where a request is; staff move it on, the customer may cancel before it is ordered."""

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    QUOTED = "quoted"
    ORDERED = "ordered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


#: Statuses from which the customer may still cancel the request.
CANCELLABLE = frozenset({QuoteStatus.SUBMITTED, QuoteStatus.IN_REVIEW, QuoteStatus.QUOTED})


class QuoteRequest(SQLModel, table=True):
    """A customer's request for a quote (policy 1.2, appendix row "Request a quote")."""

    __tablename__ = "quote_requests"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=12, unique=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    process: str = Field(max_length=40)  # keys of content/pricing.toml
    material: str = Field(max_length=40)
    finish: str = Field(max_length=40)
    tolerance: str = Field(max_length=40)
    quantity: int
    required_date: date | None = None
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default=QuoteStatus.SUBMITTED, max_length=20, index=True)
    # The instant estimate (whole yuan, working days), or why there is none (NoEstimate's
    # value, or "pending" while drawings are being read).
    estimate_low: int | None = None
    estimate_high: int | None = None
    estimate_days: int | None = None
    estimate_note: str = Field(default="pending", max_length=20)
    # What staff quoted: it binds, where the estimate does not.
    price: Decimal | None = Field(default=None, sa_column=Column(Numeric(12, 2), nullable=True))
    lead_days: int | None = None
    staff_message: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The customer asked to delete an order (policy 5.4): the law keeps it, restricted (PIPL
    # art. 47: stored and secured, nothing else) until the retention job deletes it.
    restricted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    restricted_until: date | None = Field(default=None, index=True)

    @property
    def restricted(self) -> bool:
        return self.restricted_at is not None


class RetainedOrder(SQLModel, table=True):
    """What the law makes us keep of a deregistered customer's order: its terms, naming nobody.

    When an account is deleted (``portal.accounts.deregistration``), each of its requests that
    became an order (status ``ordered``) is a commercial record: the PRC E-commerce Law (art.
    31) asks a platform to keep transaction information for at least three years after the
    transaction is completed. The request itself goes with the account; its terms are copied
    here without anything that names a person: no user id, name, address, phone, notes or staff
    message (which may address the customer by name), and no drawing. The reference stays, so
    that the customer can still quote it to us from the mail they kept.

    Restricted (policy 5.4, PIPL art. 47): stored and secured, read by nothing but the job that
    deletes a row once ``retained_until`` has passed.
    """

    __tablename__ = "retained_orders"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=12, unique=True)
    process: str = Field(max_length=40)
    material: str = Field(max_length=40)
    finish: str = Field(max_length=40)
    tolerance: str = Field(max_length=40)
    quantity: int
    required_date: date | None = None
    price: Decimal | None = Field(default=None, sa_column=Column(Numeric(12, 2), nullable=True))
    lead_days: int | None = None
    requested_at: datetime = Field(sa_type=UTCDateTime)
    ordered_at: datetime = Field(sa_type=UTCDateTime)  # the request's last change: its order
    retained_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # account deleted
    retained_until: date = Field(index=True)
