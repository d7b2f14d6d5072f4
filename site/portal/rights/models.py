"""The privacy requests tables: a customer's request, and its history.

A request outlives the account it came from: the customer who deregisters is owed an answer
to what they asked before, and we must be able to show that each request was answered on
time. So ``user_id`` becomes NULL when the account goes; what the customer wrote in it stays
with it, as the proof the inventory says it is, until the retention job deletes it three years
after it was closed (``privacy_requests.closed_requests``).

The reference customers quote to us (``R-7K3M9XQ2``) is random, like a quote request's.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow

#: The longest text a customer or a staff member writes in a request, in characters.
MAX_TEXT = 2000


class RequestKind(StrEnum):
    """What the customer asks for: policy 5.1 to 5.7."""

    ACCESS = "access"  # 5.1: what do you hold on me
    COPY = "copy"  # 5.1: a copy
    TRANSFER = "transfer"  # 5.2: to another processor
    CORRECTION = "correction"  # 5.3
    DELETION = "deletion"  # 5.4
    WITHDRAWAL = "withdrawal"  # 5.5: of a consent
    DEREGISTRATION = "deregistration"  # 5.6
    QUESTION = "question"  # 5.7, 8


class DeletionReason(StrEnum):
    """Policy 5.4's cases A to E, in which the customer may ask us to delete."""

    A = "A"  # the purpose is achieved, cannot be achieved, or no longer needs the data
    B = "B"  # we stopped providing the products or services, or the retention period expired
    C = "C"  # the customer has withdrawn their consent
    D = "D"  # we process it against the law or our agreement
    E = "E"  # other cases the law provides for


class RequestStatus(StrEnum):
    OPEN = "open"  # received, waiting for staff
    IN_PROGRESS = "in_progress"  # identity verified, being worked on
    COMPLETED = "completed"
    REFUSED = "refused"  # with the reason (PIPL art. 50)
    WITHDRAWN = "withdrawn"  # by the customer
    CLOSED = "closed"  # unanswered when its account was deleted: nobody left to answer


#: Statuses of a request still to be answered.
OPEN_STATUSES = frozenset({RequestStatus.OPEN, RequestStatus.IN_PROGRESS})


class PrivacyRequest(SQLModel, table=True):
    __tablename__ = "privacy_requests"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=12, unique=True)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
        ),
    )
    kind: str = Field(max_length=20)
    details: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    deletion_reason: str = Field(default="", max_length=1)
    # A transfer's receiving processor (policy 5.2; PIPL art. 45).
    recipient_name: str = Field(default="", max_length=200)
    recipient_email: str = Field(default="", max_length=254)
    recipient_purpose: str = Field(default="", max_length=200)
    status: str = Field(default=RequestStatus.OPEN.value, max_length=20, index=True)
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_on: date = Field(index=True)
    # The due date counts days of a year the installed calendar does not cover yet.
    due_provisional: bool = False
    # Another request of the same kind is open, or several were filed lately (policy 5.7): a
    # person decides whether it is excessive; nothing is refused for it automatically.
    flagged_repeated: bool = False
    identity_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    identity_verified_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_members.id"), nullable=True),
    )
    # What the customer is told when it is answered, or why it is refused.
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last reminder staff were sent: "due_soon" or "overdue" (the worker's, once each).
    reminded: str = Field(default="", max_length=20)

    @property
    def request_kind(self) -> RequestKind:
        return RequestKind(self.kind)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestEvent(SQLModel, table=True):
    """One step of a request's history. The customer sees every step but staff's internal
    notes (``internal``)."""

    __tablename__ = "privacy_request_events"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("privacy_requests.id", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # "filed", "flagged", "identity_verified", "note", "completed", "refused", "withdrawn",
    # "reminder", "due_date_settled"
    action: str = Field(max_length=30)
    staff_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("staff_members.id"), nullable=True)
    )
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    internal: bool = False


class TransferLink(SQLModel, table=True):
    """The link a receiving processor downloads a transferred copy with (policy 5.2).

    The mail holds a token signed with the app's secret key (``rights/transfers.py``); the
    table keeps only its SHA-256, when it expires and when it was used: once.
    """

    __tablename__ = "transfer_links"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("privacy_requests.id", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Disclosure(SQLModel, table=True):
    """One provision of a customer's personal information to another party: who received
    what, when and why (policy section 4; PIPL arts. 22, 23). The customer reads these on
    "What we hold on you"; they go with the account."""

    __tablename__ = "disclosures"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    request_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("privacy_requests.id", ondelete="SET NULL"), nullable=True
        ),
    )
    recipient_name: str = Field(max_length=200)
    recipient_contact: str = Field(default="", max_length=254)
    purpose: str = Field(default="", max_length=200)
    # What was provided, in the inventory's words: "scenario ids" or "all" for a whole copy.
    scope: str = Field(default="all", max_length=200)
    disclosed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
