"""The change history of "What we hold on you", one event a save, a page at a time.

profile/audit.py writes a row per changed field, and every row of one save carries the same
moment. Rows with the same moment, record, actor and channel are one event, worded as one
sentence: "You changed Address 1: Shipping address and Postal code (Website)".

The events are counted and paged in SQL (GROUP BY on those four columns, LIMIT and OFFSET, the
same on SQLite and PostgreSQL), so a page reads its own rows only, however long the history.

    page = await event_page(session, user_id=user.id, page=2)
    page.events, page.page, page.pages, page.total
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import i18n
from portal.i18n import lazy_gettext as _l
from portal.profile.audit import ADDED, CHANGED, REMOVED
from portal.profile.models import AuditEntry
from portal.profile.my_data import formatting as fmt

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.policy.model import Inventory
    from portal.profile.my_data.records import Held

#: Events on a page of the history.
PER_PAGE = 20
#: What makes rows one event: one save of one record, by one person, through one channel.
_KEY = (
    col(AuditEntry.occurred_at),
    col(AuditEntry.record),
    col(AuditEntry.actor_id),
    col(AuditEntry.channel),
)
_Key = tuple[datetime, str, int | None, str]


@dataclass(frozen=True, slots=True)
class Event:
    """One save: which fields of ``record`` it touched, and how (``(field, action)``, in the
    order they were written)."""

    occurred_at: datetime
    record: str
    actor_id: int | None
    channel: str
    changes: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class EventPage:
    """A page of the history, newest first: ``page`` of ``pages``; ``total`` events in all."""

    events: tuple[Event, ...]
    page: int
    pages: int
    total: int


async def event_page(
    session: AsyncSession, *, user_id: int, page: int | None = 1, per_page: int = PER_PAGE
) -> EventPage:
    """The user's events, newest first: the ``page``-th ``per_page`` of them (a page past the
    end is the last, one before the start the first), or every one with ``page=None`` (the
    user's own copy)."""
    mine = col(AuditEntry.user_id) == user_id
    groups = select(*_KEY).where(mine).group_by(*_KEY)
    total = int(
        (await session.execute(select(func.count()).select_from(groups.subquery()))).scalar_one()
    )
    pages = max(1, -(-total // per_page))
    newest_first = groups.order_by(
        col(AuditEntry.occurred_at).desc(), func.max(col(AuditEntry.id)).desc()
    )
    if page is not None:
        page = min(max(page, 1), pages)
        newest_first = newest_first.limit(per_page).offset((page - 1) * per_page)
    keys: list[_Key] = [
        (at, record, actor, channel)
        for at, record, actor, channel in await session.execute(newest_first)
    ]
    if not keys:
        return EventPage((), page or 1, pages, total)
    # The rows of the page's events only: those between its oldest and newest moments (other
    # events of the same moment are left out below).
    rows = select(AuditEntry).where(mine).order_by(col(AuditEntry.id))
    if page is not None:
        oldest, newest = keys[-1][0], keys[0][0]
        rows = rows.where(col(AuditEntry.occurred_at).between(oldest, newest))
    changes: dict[_Key, list[tuple[str, str]]] = {key: [] for key in keys}
    for row in (await session.execute(rows)).scalars():
        key = (row.occurred_at, row.record, row.actor_id, row.channel)
        if key in changes:
            changes[key].append((row.field, row.action))
    events = tuple(
        Event(at, record, actor, channel, tuple(changes[(at, record, actor, channel)]))
        for at, record, actor, channel in keys
    )
    return EventPage(events, page or 1, pages, total)


# -- in words --------------------------------------------------------------------------------


def describe(event: Event, user: User, held: Held) -> str:
    """The event as one sentence in the reader's language."""
    channel = fmt.word(fmt.CHANNELS, event.channel) or event.channel
    actions = {action for _field, action in event.changes}
    if actions == {"copied"}:
        return i18n.gettext(
            "You downloaded a copy of all your personal information (%(channel)s)",
            channel=channel,
        )
    if actions == {"transferred"}:
        return i18n.gettext(
            "A copy of all your personal information was sent to the processor you named "
            "(%(channel)s)",
            channel=channel,
        )
    action = actions.pop() if len(actions) == 1 else CHANGED
    words = _YOURS if event.actor_id in (None, user.id) else _STAFFS
    names = (field_name(event.record, field, held.inventory) for field, _ in event.changes)
    return words.get(action, words[CHANGED]) % {
        "record": record_name(event.record, held),
        "fields": i18n.format_list(list(dict.fromkeys(names))),
        "channel": channel,
    }


# Each a whole sentence, so that a translation can order its parts as its language needs.
_YOURS = {
    ADDED: _l("You added %(record)s: %(fields)s (%(channel)s)"),
    CHANGED: _l("You changed %(record)s: %(fields)s (%(channel)s)"),
    REMOVED: _l("You removed %(record)s: %(fields)s (%(channel)s)"),
}
_STAFFS = {
    ADDED: _l("Our staff added %(record)s: %(fields)s (%(channel)s)"),
    CHANGED: _l("Our staff changed %(record)s: %(fields)s (%(channel)s)"),
    REMOVED: _l("Our staff removed %(record)s: %(fields)s (%(channel)s)"),
}


def record_name(record: str, held: Held) -> str:
    """``shipping_address:12`` as the page names it: ``Address 1 (default)``, or "deleted"."""
    kind, _, ident = record.partition(":")
    _scenario, kind_name = fmt.AUDIT_RECORDS.get(kind, (kind, kind))
    if not ident:
        return str(kind_name)
    title = held.titles.get(record)
    if title:
        return title
    return i18n.gettext("%(record)s (deleted)", record=str(kind_name))


def field_name(record: str, field: str, inventory: Inventory | None) -> str:
    """The inventory's label of a changed field, found under the record's own scenario first."""
    kind = record.partition(":")[0]
    if field == fmt.EVERY_FIELD:
        return i18n.gettext("Everything")
    if kind in ("subscription", "email_subscription") and (topic := fmt.topic_name(field)) != field:
        return topic or field
    locale = i18n.current_locale()
    if inventory is not None:
        own = fmt.AUDIT_RECORDS.get(kind, (kind, ""))[0]
        scenarios = sorted(inventory.scenarios, key=lambda s: s.id != own)
        for scenario in scenarios:
            if found := scenario.field(field):
                return found.label[locale]
    return field
