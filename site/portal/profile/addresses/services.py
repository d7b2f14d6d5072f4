"""The rules of a user's shipping addresses (policy 1.4), and the only code that writes them.

- A user keeps at most :data:`MAX_ADDRESSES` addresses.
- Exactly one of them is the default while there are any: the first one added becomes it;
  deleting it makes the most recently updated remaining one the default; the user may make
  any other the default.
- Every change writes audit rows naming the fields, never their values
  (``record="shipping_address:<id>"``), in the transaction that makes the change.

Two requests of the same user (two tabs, a double click, the website and the Mini Program at
once) must not both see "no default yet" or "19 addresses": every change that depends on the
user's other addresses first takes a lock on the user's row
(:func:`portal.accounts.services.lock_user`), so they run one after the other. Each service commits its own transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.accounts.services import lock_user
from portal.db import saved_id, utcnow, valid_id
from portal.profile.audit import ADDED, REMOVED, audit_changes, audit_record
from portal.profile.models import ShippingAddress

if TYPE_CHECKING:
    from sqlalchemy.sql import Select

#: The fields of an address the user gives (policy 1.4, DESIGN.md's form field names).
FIELDS = (
    "organization_name",
    "recipient_name",
    "shipping_address",
    "phone",
    "province",
    "city",
    "postal_code",
)
MAX_ADDRESSES = 20


class AddressBookFull(Exception):
    """The user already has :data:`MAX_ADDRESSES` addresses."""


def _record(address: ShippingAddress) -> str:
    return f"shipping_address:{address.id}"


def _values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {name: (data.get(name) or "") for name in FIELDS}


def _owned(user: User, address_id: int) -> Select[ShippingAddress]:
    return select(ShippingAddress).where(
        col(ShippingAddress.id) == address_id,
        col(ShippingAddress.user_id) == user.id,
    )


def _audit_default(
    session: AsyncSession, user: User, address: ShippingAddress, is_default: bool
) -> None:
    audit_changes(
        session,
        user_id=saved_id(user),
        record=_record(address),
        before={"is_default": address.is_default},
        after={"is_default": is_default},
    )
    address.is_default = is_default
    session.add(address)


async def list_addresses(*, session: AsyncSession, user: User) -> list[ShippingAddress]:
    """The user's addresses: the default first, then the newest first."""
    rows = await session.execute(
        select(ShippingAddress)
        .where(col(ShippingAddress.user_id) == user.id)
        .order_by(col(ShippingAddress.is_default).desc(), col(ShippingAddress.id).desc())
    )
    return list(rows.scalars())


async def get_address(
    *, session: AsyncSession, user: User, address_id: int
) -> ShippingAddress | None:
    """The user's address ``address_id``; ``None`` if it does not exist or is another user's."""
    if not valid_id(address_id):
        return None
    return (await session.execute(_owned(user, address_id))).scalar_one_or_none()


async def add_shipping_address(
    *, session: AsyncSession, user: User, data: Mapping[str, Any]
) -> ShippingAddress:
    """Save a new address from validated ``data`` (the :data:`FIELDS`); commits.

    The user's first address becomes the default. Raises :class:`AddressBookFull` (saving
    nothing) when the user already has :data:`MAX_ADDRESSES`.
    """
    await lock_user(session, user)
    count = await session.scalar(
        select(func.count())
        .select_from(ShippingAddress)
        .where(col(ShippingAddress.user_id) == user.id)
    )
    if (count or 0) >= MAX_ADDRESSES:
        await session.rollback()
        raise AddressBookFull
    now = utcnow()
    values = _values(data)
    address = ShippingAddress(
        user_id=saved_id(user),
        is_default=count == 0,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(address)
    await session.flush()  # the id, for the audit rows
    audit_record(
        session,
        user_id=saved_id(user),
        record=_record(address),
        fields=[name for name in FIELDS if values[name]],
        action=ADDED,
    )
    await session.commit()
    return address


async def update_shipping_address(
    *, session: AsyncSession, user: User, address_id: int, data: Mapping[str, Any]
) -> ShippingAddress | None:
    """Save the user's changes to an address; commits. ``None`` if it is not the user's.

    Only the fields whose value changed get an audit row (and a new ``updated_at``); saving an
    unchanged form changes nothing.
    """
    address = await get_address(session=session, user=user, address_id=address_id)
    if address is None:
        return None
    values = _values(data)
    changed = audit_changes(
        session,
        user_id=saved_id(user),
        record=_record(address),
        before={name: getattr(address, name) for name in FIELDS},
        after=values,
    )
    if changed:
        for name in changed:
            setattr(address, name, values[name])
        address.updated_at = utcnow()
        session.add(address)
        await session.commit()
    return address


async def delete_shipping_address(*, session: AsyncSession, user: User, address_id: int) -> bool:
    """Delete one of the user's addresses; commits. False if it is not the user's.

    When it was the default, the most recently updated remaining address becomes the default.
    """
    if not valid_id(address_id):
        return False
    await lock_user(session, user)
    found = await session.execute(
        _owned(user, address_id).execution_options(populate_existing=True)
    )
    address = found.scalar_one_or_none()
    if address is None:
        await session.rollback()
        return False
    audit_record(
        session,
        user_id=saved_id(user),
        record=_record(address),
        fields=[name for name in FIELDS if getattr(address, name)],
        action=REMOVED,
    )
    was_default = address.is_default
    await session.delete(address)
    await session.flush()
    if was_default:
        successor = await session.scalar(
            select(ShippingAddress)
            .where(col(ShippingAddress.user_id) == user.id)
            .order_by(col(ShippingAddress.updated_at).desc(), col(ShippingAddress.id).desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
        if successor is not None:
            _audit_default(session, user, successor, True)
    await session.commit()
    return True


async def make_default_address(*, session: AsyncSession, user: User, address_id: int) -> bool:
    """Make one of the user's addresses the default (and no other); commits.

    False if it is not the user's. The change of default is audited as ``is_default`` on both
    addresses; it is not an edit of either, so ``updated_at`` stays.
    """
    if not valid_id(address_id):
        return False
    await lock_user(session, user)
    rows = await session.execute(
        select(ShippingAddress)
        .where(
            col(ShippingAddress.user_id) == user.id,
            (col(ShippingAddress.id) == address_id) | col(ShippingAddress.is_default),
        )
        .execution_options(populate_existing=True)
    )
    affected = list(rows.scalars())
    if not any(address.id == address_id for address in affected):
        await session.rollback()
        return False
    for address in affected:
        _audit_default(session, user, address, address.id == address_id)
    await session.commit()
    return True
