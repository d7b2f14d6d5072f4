"""The mail outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    """A mail waiting to be sent, or sent; the sender claims rows and retries with backoff."""

    __tablename__ = "mail_outbox"

    id: int | None = Field(default=None, primary_key=True)
    # Whose mail it is: "What we hold on you" lists a customer's mails by this, never by the
    # address (an invoice email anyone can type must not show them another account's mail),
    # and deleting the account deletes its mails. None for mail to no account.
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True),
    )
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    text_body: str = Field(sa_type=Text)
    html_body: str = Field(sa_type=Text)
    headers: str = Field(default="{}", sa_type=Text)  # JSON object of extra headers
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=500)
