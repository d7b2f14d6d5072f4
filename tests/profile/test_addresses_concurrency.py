"""Shipping address rules under requests that arrive together (two tabs, a double click, the site
and the Mini Program at once): still one default, still at most 20 addresses.

Each "request" is a session of its own on its own connection, as in the running site, and they
run concurrently on the test's database (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import User
from portal.db import create_engine, session_factory
from portal.profile.addresses import services
from portal.profile.models import ShippingAddress

ADDRESS = {
    "recipient_name": "王芳",
    "phone": "+8613912345678",
    "organization_name": "",
    "province": "310000",
    "city": "310100",
    "shipping_address": "浦东新区张江路 88 号",
    "postal_code": "201203",
}
AT_ONCE = 6


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def user(sessions) -> User:
    async with sessions() as session:
        found = User(name="李伟", email="li.wei@example.cn", email_key="li.wei@example.cn")
        session.add(found)
        await session.commit()
        return found


async def add(sessions, user: User, **changes: str) -> ShippingAddress | None:
    async with sessions() as session:
        try:
            return await services.add_shipping_address(
                session=session, user=user, data={**ADDRESS, **changes}
            )
        except services.AddressBookFull:
            return None


async def saved(sessions, user: User) -> list[ShippingAddress]:
    async with sessions() as session:
        rows = await session.execute(
            select(ShippingAddress).where(ShippingAddress.user_id == user.id)
        )
        return list(rows.scalars())


async def test_first_addresses_added_at_once_make_exactly_one_default(sessions, user):
    await asyncio.gather(
        *(add(sessions, user, recipient_name=f"收件人{n}") for n in range(AT_ONCE))
    )
    found = await saved(sessions, user)
    assert len(found) == AT_ONCE
    assert sum(a.is_default for a in found) == 1


async def test_defaults_chosen_at_once_leave_exactly_one(sessions, user):
    added = [await add(sessions, user, recipient_name=f"收件人{n}") for n in range(AT_ONCE)]

    async def make_default(address: ShippingAddress) -> bool:
        async with sessions() as session:
            return await services.make_default_address(
                session=session, user=user, address_id=address.id
            )

    assert all(await asyncio.gather(*(make_default(a) for a in added)))
    assert sum(a.is_default for a in await saved(sessions, user)) == 1


async def test_deleting_the_default_while_another_is_chosen_leaves_exactly_one(sessions, user):
    first, second, third = [await add(sessions, user, recipient_name=n) for n in "甲乙丙"]

    async def delete(address: ShippingAddress) -> bool:
        async with sessions() as session:
            return await services.delete_shipping_address(
                session=session, user=user, address_id=address.id
            )

    async def make_default(address: ShippingAddress) -> bool:
        async with sessions() as session:
            return await services.make_default_address(
                session=session, user=user, address_id=address.id
            )

    await asyncio.gather(delete(first), make_default(second), make_default(third))
    left = await saved(sessions, user)
    assert len(left) == 2
    assert sum(a.is_default for a in left) == 1


async def test_the_twentieth_address_cannot_be_added_twice_at_once(sessions, user):
    for n in range(services.MAX_ADDRESSES - 2):
        await add(sessions, user, recipient_name=f"收件人{n}")
    results = await asyncio.gather(*(add(sessions, user) for _ in range(AT_ONCE)))
    assert sum(r is not None for r in results) == 2
    assert len(await saved(sessions, user)) == services.MAX_ADDRESSES
