"""Accounts for tests that run through the ``client``: register one, read rows, run a service.

``GOOD`` is a registration that passes every check; ``register(client, **changes)`` posts it
(``None`` leaves a field out). ``rows(settings, Model)`` reads a table; ``run(settings, work)``
runs ``await work(session)`` on the test's database, for a service or a change no page makes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.testclient import TestClient

from portal.db import create_engine, session_factory
from portal.settings import Settings
from tests.support.forms import post_form

T = TypeVar("T")

GOOD = {
    "name": "李伟",
    "email": "Li.Wei@Example.cn",
    "phone": "138 1234 5678",
    "customer_type": "business",
    "password": "milling-spindle-42",
    "policy_consent": "y",
}


def register(client: TestClient, *, token: str | None = None, **changes: Any) -> Any:
    """Register ``GOOD`` with ``changes``, from the registration page (or with ``token``)."""
    data = {**GOOD, **changes}
    fields = {key: value for key, value in data.items() if value is not None}
    return post_form(client, "/register", fields, page="/register", token=token)


def run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``await work(session)`` on the test's database, with a session of its own."""

    async def go() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def rows(settings: Settings, model: Any) -> list[Any]:
    """Every row of ``model``'s table."""

    async def fetch(session: AsyncSession) -> list[Any]:
        return list((await session.execute(select(model))).scalars())

    return run(settings, fetch)
