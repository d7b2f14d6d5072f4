"""The test's database from a synchronous test: run a unit of work on it, read a table."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.db import create_engine, session_factory

T = TypeVar("T")


def run(settings: Any, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``await work(session)`` on the site's database, from a test (no loop running)."""

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def rows(settings: Any, model: type[T]) -> list[T]:
    """Every row of ``model``'s table, in the database's order."""

    async def work(session: AsyncSession) -> list[T]:
        return list((await session.execute(select(model))).scalars())

    return run(settings, work)
