"""The change history in the tests: saves written to the audit trail, each at its own moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from portal.profile.audit import audit_record
from tests.support.records import run

#: 10 December 2026, 14:03 in Beijing.
START = datetime(2026, 12, 10, 6, 3, tzinfo=UTC)
HISTORY = "Changes to your information"


def write_saves(
    settings: Any,
    user_id: int,
    count: int,
    *,
    record: str = "shipping_address:999",
    fields: Sequence[str] = ("postal_code",),
    action: str = "changed",
    start: datetime = START,
    actor_id: int | None = None,
    channel: str = "website",
) -> list[datetime]:
    """``count`` saves of ``fields`` of ``record``, a minute apart from ``start`` on, in one
    transaction (each names its own moment); returns the moments."""
    moments = [start + timedelta(minutes=n) for n in range(count)]

    async def work(session: AsyncSession) -> None:
        for at in moments:
            audit_record(
                session,
                user_id=user_id,
                record=record,
                fields=fields,
                action=action,
                actor_id=actor_id,
                channel=channel,
                at=at,
            )
        await session.commit()

    run(settings, work)
    return moments


def history_of(response: Any) -> Any:
    """The change history's part of the page's data."""
    (part,) = [
        part
        for section in response.context["data"].sections
        for part in section.parts
        if part.anchor == "change-history"
    ]
    return part


def sentences(response: Any) -> list[str]:
    """The history's events, each as the page words it, in page order."""
    return [record.items[1].value for record in history_of(response).records]
