"""Tables of the privacy area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow

#: The kinds of ledger rows that put a policy version on a user's record.
POLICY_LEDGER_KINDS = ("policy_consent", "policy_acknowledgment", "policy_material_consent")


class ConsentRecord(SQLModel, table=True):
    """One consent, acknowledgment or withdrawal: an append-only ledger row.

    ``kind`` is ``policy_consent`` (registration), ``policy_acknowledgment`` (an update read),
    ``policy_material_consent`` (explicit consent to a material change), ``consent_granted`` or
    ``consent_withdrawn`` (a purpose such as ``bank_account``, ``email_subscription`` or
    ``policy_notices``).

    Rows are never updated or deleted: the code has no path that does (privacy/services.py), and
    database triggers (migration 0004) refuse it, except the ``SET NULL`` of ``user_id`` when the
    user's account itself is deleted.
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


class PolicyAnnouncement(SQLModel, table=True):
    """A mail announcing an upcoming policy version was queued for this user: at most once.

    ``python -m portal policy notify`` inserts the row in the transaction that queues the mail,
    and the unique constraint makes a second run (or two runs at once) send nothing twice.
    """

    __tablename__ = "policy_announcements"
    __table_args__ = (UniqueConstraint("user_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    version: str = Field(max_length=20)
    queued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RetentionRun(SQLModel, table=True):
    """What one run of the retention job deleted, rule by rule (``portal.privacy.retention``):
    the record an operator or an auditor reads to see that expired data did go. Counts only:
    what was deleted is gone, and its references would name nothing."""

    __tablename__ = "retention_runs"

    id: int | None = Field(default=None, primary_key=True)
    ran_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    rule: str = Field(max_length=60)  # "<scenario id>.<what>": privacy/retention.py
    deleted: int = 0
