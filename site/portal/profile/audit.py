"""The audit trail of personal information: who changed which field of what, and when.

Every service that changes personal information calls one of these in the transaction that makes
the change, so the change and its audit rows are committed together or not at all. The rows name
fields, never values (profile/models.py, ``AuditEntry``).

Every row written in one transaction carries the same moment (:func:`moment`), so the history can
show one save as one event ("You changed Address 1: street, postal code"), however many records
and calls the save took. A caller may name the moment itself (``at=``).

    audit_changes(session, user_id=user.id, record="account", before=old, after=new)
    audit_record(session, user_id=user.id, record=f"shipping_address:{address.id}",
                 fields=FIELDS, action=REMOVED)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.db import utcnow
from portal.profile.models import AuditEntry

ADDED = "added"
CHANGED = "changed"
REMOVED = "removed"

#: Where a session keeps the moment of its transaction: ``(transaction, moment)``.
_MOMENT = "portal.profile.audit.moment"


def moment(session: AsyncSession) -> datetime:
    """The moment of the transaction ``session`` is in: taken at its first audit row, the same
    for every later one until it commits or rolls back (the next transaction has its own).

    A session that has not begun its transaction yet begins it here, as its first statement
    would: the rows this moment is for belong to that transaction.
    """
    sync = session.sync_session
    transaction = sync.get_transaction() or sync.begin()
    held = sync.info.get(_MOMENT)
    if held is None or held[0] is not transaction:
        held = (transaction, utcnow())
        sync.info[_MOMENT] = held  # the transaction itself, not its id: ids are reused
    at: datetime = held[1]
    return at


def _empty(value: Any) -> bool:
    return value is None or value == ""


def audit_changes(
    session: AsyncSession,
    *,
    user_id: int,
    record: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    actor_id: int | None = None,
    channel: str = "website",
    at: datetime | None = None,
) -> list[str]:
    """Add a row for each field of ``after`` whose value differs from ``before``; the caller commits.

    A field that was empty is *added*, one that becomes empty is *removed*, any other difference
    is *changed*. Returns the names of the fields that changed (empty: nothing to save). The rows
    carry ``at``, or the transaction's :func:`moment`.
    """
    now = at or moment(session)
    changed = []
    for field, new in after.items():
        old = before.get(field)
        if old == new or (_empty(old) and _empty(new)):
            continue
        action = ADDED if _empty(old) else REMOVED if _empty(new) else CHANGED
        session.add(
            AuditEntry(
                user_id=user_id,
                actor_id=user_id if actor_id is None else actor_id,
                record=record,
                field=field,
                action=action,
                channel=channel,
                occurred_at=now,
            )
        )
        changed.append(field)
    return changed


def audit_record(
    session: AsyncSession,
    *,
    user_id: int,
    record: str,
    fields: Iterable[str],
    action: str,
    actor_id: int | None = None,
    channel: str = "website",
    at: datetime | None = None,
) -> None:
    """Add one row per field for a whole record added or removed; the caller commits. The rows
    carry ``at``, or the transaction's :func:`moment`."""
    now = at or moment(session)
    for field in fields:
        session.add(
            AuditEntry(
                user_id=user_id,
                actor_id=user_id if actor_id is None else actor_id,
                record=record,
                field=field,
                action=action,
                channel=channel,
                occurred_at=now,
            )
        )


async def audit_trail(
    session: AsyncSession, *, user_id: int, limit: int | None = 200
) -> list[AuditEntry]:
    """The user's newest audit rows first (for the "what you hold on me" page and staff; every
    row with ``limit=None``, for the user's own copy)."""
    rows = await session.execute(
        select(AuditEntry)
        .where(col(AuditEntry.user_id) == user_id)
        .order_by(col(AuditEntry.occurred_at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    )
    return list(rows.scalars())
