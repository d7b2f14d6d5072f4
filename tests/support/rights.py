"""Privacy requests in the tests: one filed directly in the database, in any state and age."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from portal.db import utcnow
from portal.rights.calendar import china_date, due_date
from portal.rights.models import PrivacyRequest, RequestEvent


async def add_request(
    session: Any,
    user_id: int | None,
    reference: str,
    *,
    kind: str = "access",
    filed_at: datetime | None = None,
    due_on: date | None = None,
    **fields: Any,
) -> PrivacyRequest:
    """A request as ``file_request`` leaves it (without the mail), due as the calendar says
    unless ``due_on`` is given."""
    filed_at = filed_at or utcnow()
    due = due_date(china_date(filed_at))
    request = PrivacyRequest(
        reference=reference,
        user_id=user_id,
        kind=kind,
        filed_at=filed_at,
        due_on=due_on or due.day,
        due_provisional=due_on is None and due.provisional,
        **fields,
    )
    session.add(request)
    await session.flush()
    assert request.id is not None
    session.add(RequestEvent(request_id=request.id, at=filed_at, action="filed"))
    await session.commit()
    await session.refresh(request)
    return request
