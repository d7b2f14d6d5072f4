"""The summary atop "What we hold on you": the page's answer at a glance.

One line per scenario of the inventory that holds something of the user's: its title (a link to
its section), how much we hold, why (the inventory's ``purpose_short``), since when (the earliest
record) and who else received it (the provision records the page lists under
"transfer_requests", one sentence). It is made from the sections the page shows, so the two
always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from portal import i18n
from portal.profile.my_data import formatting as fmt
from portal.profile.my_data.model import Section, Summary

if TYPE_CHECKING:
    from portal.policy.model import Inventory
    from portal.rights.models import Disclosure


def summary(
    sections: Sequence[Section], inventory: Inventory, disclosures: Sequence[Disclosure]
) -> tuple[Summary, ...]:
    """A :class:`Summary` for each section that holds a value of the user's, in page order."""
    locale = i18n.current_locale()
    lines = []
    for section in sections:
        if not _holds(section):
            continue
        scenario = inventory.scenario(section.id)
        short = scenario.purpose_short.get(locale) if scenario is not None else None
        since = _earliest(section)
        lines.append(
            Summary(
                id=section.id,
                title=section.title,
                held=_how_much(section),
                purpose=short or section.purpose,
                since=fmt.day(since),
                since_at=fmt.iso(since),
                recipients=_recipients(section.id, disclosures),
            )
        )
    return tuple(lines)


def _holds(section: Section) -> bool:
    return any(
        item.value is not None
        for part in section.parts
        for record in part.records
        for item in record.items
    )


def _how_much(section: Section) -> str:
    """``4 values`` for the one untitled record of a scenario (the account's own values), else
    ``12 records`` (addresses, sign-ins, every save of the history, the mails, …)."""
    parts = [part for part in section.parts if part.count]
    if len(parts) == 1 and parts[0].count == 1 and not parts[0].table:
        (record,) = parts[0].records
        if record.title is None:
            values = sum(item.value is not None for item in record.items)
            return i18n.ngettext("%(num)s value", "%(num)s values", values)
    records = sum(part.count for part in parts)
    return i18n.ngettext("%(num)s record", "%(num)s records", records)


def _earliest(section: Section) -> datetime | None:
    moments = [
        datetime.fromisoformat(record.recorded_at)
        for part in section.parts
        for record in part.records
        if record.recorded_at
    ]
    return min(moments, default=None)


def _recipients(scenario_id: str, disclosures: Sequence[Disclosure]) -> str:
    """Who received this scenario's information from us, by name, as one sentence."""
    names = dict.fromkeys(
        row.recipient_name
        for row in disclosures
        if row.scope == "all" or scenario_id in row.scope.split()
    )
    if not names:
        return i18n.gettext("We have not provided it to anyone.")
    return i18n.gettext(
        "We provided it to %(recipients)s.", recipients=i18n.format_list(list(names))
    )
