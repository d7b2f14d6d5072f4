"""What "What we hold on you" shows: plain, frozen, serializable data, no SQL and no HTML.

The same structure feeds the copy of one's data (policy 5.1, ``portal.profile.export``), so
every text is already in the reader's language, dates are ISO 8601 strings besides their display
form, and :meth:`PersonalData.as_dict` gives JSON-ready dictionaries.

    PersonalData            one user, one language
      summary: Summary      one line per scenario that holds something: what, why, since, who else
      sections: Section     one scenario of content/inventory.toml: title, purpose, method, retention
        parts: Part         a group of records (the scenario "account_records" has several)
          records: Record   one row: the account, an address, an invoice, a session, a mail …
            items: Item     one value, with the inventory key it is listed under
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Item:
    """One piece of information and the user's value of it.

    ``key`` is ``<scenario>.<field>`` of the inventory; ``columns`` names the stored columns
    (``table.column``) the value comes from. ``value`` is ``None`` when the user gave nothing;
    a sensitive value is ``masked`` on the page (the last four digits of a bank account, say),
    and whole only in the user's own copy (``personal_data(..., whole=True)``).
    ``time`` is the ISO 8601 form of a value that is a moment (``value`` is Beijing time).
    """

    key: str
    label: str
    value: str | None
    columns: tuple[str, ...] = ()
    sensitive: bool = False
    masked: bool = False
    time: str | None = None
    correct_url: str | None = None  # where the user corrects this one value


@dataclass(frozen=True, slots=True)
class Record:
    """One stored row, or the account's own values: its items and where to correct them.

    ``recorded_at`` is when the row was stored (ISO 8601, UTC), ``changed_at`` when it last
    changed, where the table keeps that; the export states both for every record.
    """

    items: tuple[Item, ...]
    title: str | None = None
    correct_url: str | None = None
    correct_label: str | None = None  # "Correct address 1", for screen readers
    recorded_at: str | None = None
    changed_at: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True, slots=True)
class Paging:
    """Which page of a long list a part shows: ``page`` of ``pages`` (both from 1)."""

    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class Part:
    """Records of one kind; ``table`` lays them out one row each, with the items as columns.

    A part that grows with use is ``folded`` on the page (behind its title, open when a link
    lands on its ``anchor``) and may show one page of its records (``paging``); ``total`` is
    then how many records there are in all.
    """

    records: tuple[Record, ...]
    title: str | None = None
    table: bool = False
    empty: str | None = None  # said when there are no records
    note: str | None = None  # e.g. "the newest 50 of 120 mails"
    link: Link | None = None
    anchor: str | None = None  # the id of the part on the page: "change-history"
    folded: bool = False
    paging: Paging | None = None
    total: int | None = None  # all the records, where the part shows some of them

    @property
    def count(self) -> int:
        """How many records of this kind we hold (shown or not)."""
        return len(self.records) if self.total is None else self.total


@dataclass(frozen=True, slots=True)
class Section:
    """One scenario of the inventory, in the reader's language, and what we hold under it."""

    id: str
    title: str
    purpose: str
    method: str
    retention: str
    policy_url: str
    parts: tuple[Part, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """One line of the summary atop the page: a scenario that holds something of the user's.

    Every text is in the reader's language: what we hold (``4 values``), why (the purpose in
    short), since when (``since`` displayed, ``since_at`` in ISO 8601) and who else received it
    (one sentence).
    """

    id: str  # the scenario's, as its section's
    title: str
    held: str
    purpose: str
    since: str | None
    since_at: str | None
    recipients: str


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything the product holds on one user, scenario by scenario."""

    user_id: int
    locale: str
    generated_at: str  # ISO 8601, UTC
    sections: tuple[Section, ...] = field(default_factory=tuple)
    summary: tuple[Summary, ...] = field(default_factory=tuple)

    def items(self) -> Iterator[Item]:
        """Every item of every record of every section."""
        for section in self.sections:
            for part in section.parts:
                for record in part.records:
                    yield from record.items

    def as_dict(self) -> dict[str, Any]:
        """Plain dictionaries, lists and strings (for JSON)."""
        return dataclasses.asdict(self)
