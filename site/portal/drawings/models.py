"""The drawings table: one row per stored drawing, its ciphertext in the drawing store.

A drawing's id is a random UUID made before its first byte is encrypted, so the id is part of
the encryption context (``users/<user>/drawings/<id>``) and a ciphertext moved to another row or
another user cannot be decrypted. The row is written only once the ciphertext is committed to
the store (``portal.drawings.services.store_drawing``), so a row always has its object.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow

#: The longest file name kept, in characters (common file systems allow 255 bytes).
MAX_FILENAME = 255


class DrawingStatus(StrEnum):
    """Where a drawing is in the reading of its geometry (issue 10)."""

    STORED = "stored"  # encrypted and kept; its geometry not read yet
    READING = "reading"
    READ = "read"
    UNREADABLE = "unreadable"  # not a drawing we can measure; staff quote it by hand


class Drawing(SQLModel, table=True):
    """A customer's drawing (policy 1.2): what they called it, how big it is, where it is kept."""

    __tablename__ = "drawings"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    filename: str = Field(max_length=MAX_FILENAME)  # as the customer's computer named it
    size: int = Field(sa_column=Column(BigInteger, nullable=False))  # bytes of the plaintext
    sha256: str = Field(max_length=64)  # of the plaintext, in hex: the same file sent twice
    storage_key: str = Field(max_length=200, unique=True)  # the ciphertext in the drawing store
    status: str = Field(default=DrawingStatus.STORED, max_length=20, index=True)
    # The request it was sent with; None only between its upload and the request's commit.
    quote_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("quote_requests.id", ondelete="CASCADE"), index=True, nullable=True
        ),
    )
    # What reading it found (portal.quotes.reading): the format its content shows, the parts
    # with their sizes (portal.drawings.geometry.Part as JSON), or the refusal's code.
    format: str | None = Field(default=None, max_length=20)
    parts: list[dict[str, object]] | None = Field(default=None, sa_column=Column(JSON))
    error_code: str | None = Field(default=None, max_length=40)
    # When a reader last claimed it (set with status "reading"): a claim older than twice the
    # reading's time limit belongs to a process that died, and the worker hands it back.
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DrawingDeletion(SQLModel, table=True):
    """A drawing's ciphertext still to be deleted from the store, after its row is gone.

    Deleting an account removes its drawing rows in the database's transaction, but the store
    is not part of that transaction. The keys of the objects are written here in the same
    transaction, and each is removed from here once its object is gone
    (``portal.drawings.deletions``): a process that dies in between leaves a row, which the
    next deletion of the account or the worker's round finishes. The object is unreadable in
    the meantime: the owner's data key is erased before the commit.
    """

    __tablename__ = "drawing_deletions"

    storage_key: str = Field(primary_key=True, max_length=200)
    queued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
