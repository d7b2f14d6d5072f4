"""Tables of the privacy area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow


class ConsentRecord(SQLModel, table=True):
    """One consent, acknowledgment or withdrawal: an append-only ledger row.

    ``kind`` is ``policy_consent`` (registration), ``policy_acknowledgment`` (an update read),
    ``policy_material_consent`` (explicit consent to a material change), ``consent_granted`` or
    ``consent_withdrawn`` (a purpose such as ``bank_account`` or ``email_subscription``).
    """

    __tablename__ = "consent_records"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), index=True),
    )
    kind: str = Field(max_length=40)
    purpose: str | None = Field(default=None, max_length=40)
    policy_version: str | None = Field(default=None, max_length=20)
    language: str = Field(max_length=8)
    channel: str = Field(max_length=20)  # website, mini_program, email
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
