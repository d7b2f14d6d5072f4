"""A customer's account in the tests: valid registration data, registering, logging in, and
looking at everything the database holds."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from portal.db import create_engine
from tests.support.forms import post_form
from tests.support.records import rows, run

__all__ = ["GOOD", "database_snapshot", "log_in", "register", "rows", "run", "sign_up"]

GOOD = {
    "name": "李伟",
    "email": "Li.Wei@Example.cn",
    "phone": "138 1234 5678",
    "customer_type": "business",
    "password": "milling-spindle-42",
    "policy_consent": "y",
    "legal_capacity": "y",
}


def register(client: TestClient, *, token: str | None = None, **changes: Any) -> Any:
    """Register ``GOOD`` with ``changes``, from the registration page (or with ``token``)."""
    data = {**GOOD, **changes}
    fields = {key: value for key, value in data.items() if value is not None}
    return post_form(client, "/register", fields, page="/register", token=token)


def log_in(client: TestClient, email: str, password: str) -> Any:
    """Post the login form (the response is the 303 or the form again)."""
    return post_form(client, "/login", {"email": email, "password": password}, page="/login")


def sign_up(client: TestClient, **changes: Any) -> TestClient:
    """Register ``GOOD`` (with ``changes``) through the form; the client is then signed in."""
    response = post_form(client, "/register", {**GOOD, **changes}, page="/register")
    assert response.status_code == 303, response.text[:500]
    return client


def database_snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, by table name, in a stable order."""

    async def fetch() -> dict[str, list[tuple[Any, ...]]]:
        from portal.models import metadata  # every area's tables

        engine = create_engine(database_url)
        snapshot: dict[str, list[tuple[Any, ...]]] = {}
        try:
            async with engine.connect() as connection:
                for table in metadata.sorted_tables:
                    result = await connection.execute(select(table))
                    snapshot[table.name] = sorted((tuple(row) for row in result), key=repr)
        finally:
            await engine.dispose()
        return snapshot

    return asyncio.run(fetch())
