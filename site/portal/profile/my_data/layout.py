"""Rows of a stored table as a part of the page, from a description of the part.

Every part of "What we hold on you" shows the rows of one stored table, and every value in it
is an inventory field read from the row. The parts differ only in which values they show and
what they say around them, so each is described (:class:`Table` or :class:`Cards`, made of
:class:`Column`) and the ways a row becomes a :class:`Record` are written once, here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from portal import i18n
from portal.i18n import LazyString
from portal.policy.model import Scenario
from portal.profile.my_data import formatting as fmt
from portal.profile.my_data.model import Item, Link, Part, Record

#: How a value reads from its row, worded for the page (``None``: "not provided").
Read = Callable[[Any], str | None]


@dataclass(frozen=True, slots=True)
class Column:
    """One value of a row: the inventory field ``key`` it is listed under, and how it reads.

    ``stored`` names the row's columns it comes from; they become the item's ``table.column``
    names, by which tests/test_inventory_complete.py finds every personal column on the page.
    ``label`` replaces the field's own label where one field has several columns (a session's
    "Signed in" and "Last used"). ``moment`` gives the moment a value stands for, so the item
    has its ISO 8601 form too; a ``masked`` column's value is masked whenever there is one.
    """

    key: str
    read: Read
    stored: tuple[str, ...]
    label: str | LazyString | None = None
    moment: Callable[[Any], datetime | None] | None = None
    masked: bool = False


def column(
    key: str,
    name: str = "",
    how: Callable[[Any], str | None] = fmt.text,
    *,
    also: tuple[str, ...] = (),
    label: str | LazyString | None = None,
    masked: bool = False,
) -> Column:
    """The row's column ``name`` (by default the field's own name) as ``how`` words it.

    ``also`` names stored columns the value stands for besides (an address's ``is_default``).
    """
    name = name or key
    return Column(key, lambda row: how(getattr(row, name)), (name, *also), label, masked=masked)


def moment(key: str, name: str, label: str | LazyString) -> Column:
    """The row's column ``name``, a moment: in Beijing time, with its ISO 8601 form."""
    at = attrgetter(name)
    return Column(key, lambda row: fmt.when(at(row)), (name,), label, moment=at)


@dataclass(frozen=True, slots=True)
class Table:
    """Rows laid out as a table, one line a row (sessions, mails): the stored table ``name``,
    the columns, and what the part says (texts in the reader's language once shown).

    ``recorded`` and ``changed`` name the row's columns that say when it was stored and last
    changed (the record's ``recorded_at`` and ``changed_at``).
    """

    name: str
    columns: tuple[Column, ...]
    empty: LazyString  # said when there are no rows
    title: LazyString | None = None
    link: tuple[str, LazyString] | None = None  # (href, text)
    recorded: str = "created_at"
    changed: str | None = None


@dataclass(frozen=True, slots=True)
class Cards:
    """Rows shown one a card (addresses, invoices), each titled as ``Held.titles`` names it
    (``"<record>:<id>"``, the audit trail's name) and linked to ``edit``, where it is corrected."""

    name: str
    record: str
    edit: str  # with ``{id}``: "/account/addresses/{id}/edit"
    columns: tuple[Column, ...]
    empty: LazyString
    link: tuple[str, LazyString]
    recorded: str = "created_at"
    changed: str | None = "updated_at"


def table_part(
    scenario: Scenario, table: Table, rows: Iterable[Any], note: str | None = None
) -> Part:
    """The rows as a :class:`Part` laid out as a table."""
    return Part(
        records=tuple(
            Record(
                items=items(scenario, table.name, table.columns, row),
                recorded_at=_time(row, table.recorded),
                changed_at=_time(row, table.changed),
            )
            for row in rows
        ),
        title=str(table.title) if table.title is not None else None,
        table=True,
        empty=str(table.empty),
        note=note,
        link=_link(table.link),
    )


def card_part(
    scenario: Scenario, cards: Cards, rows: Iterable[Any], titles: dict[str, str]
) -> Part:
    """The rows as a :class:`Part` of cards; ``titles`` is ``Held.titles``."""
    return Part(
        records=tuple(
            _card(scenario, cards, row, titles[f"{cards.record}:{row.id}"]) for row in rows
        ),
        empty=str(cards.empty),
        link=_link(cards.link),
    )


def _card(scenario: Scenario, cards: Cards, row: Any, title: str) -> Record:
    return Record(
        items=items(scenario, cards.name, cards.columns, row),
        title=title,
        correct_url=cards.edit.format(id=row.id),
        correct_label=i18n.gettext("Correct %(what)s", what=title),  # for screen readers
        recorded_at=_time(row, cards.recorded),
        changed_at=_time(row, cards.changed),
    )


def _time(row: Any, name: str | None) -> str | None:
    """The ISO 8601 form of the row's moment ``name`` (a column the description names)."""
    return fmt.iso(getattr(row, name)) if name else None


def items(scenario: Scenario, table: str, columns: Iterable[Column], row: Any) -> tuple[Item, ...]:
    """The row's value of each column, as :func:`formatting.item` of ``scenario`` makes it."""
    return tuple(_item(scenario, table, col, row) for col in columns)


def _item(scenario: Scenario, table: str, col: Column, row: Any) -> Item:
    value = col.read(row)
    return fmt.item(
        scenario,
        col.key,
        value,
        *(f"{table}.{name}" for name in col.stored),
        label=col.label,
        time=fmt.iso(col.moment(row)) if col.moment is not None else None,
        masked=col.masked and value is not None,
    )


def _link(link: tuple[str, LazyString] | None) -> Link | None:
    return Link(link[0], str(link[1])) if link is not None else None
