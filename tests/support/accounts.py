"""A customer's account in the tests: valid registration data, registering, logging in, and
looking at everything the database holds."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.accounts.sessions import SESSION_COOKIE, start_session
from portal.db import create_engine, session_factory
from portal.privacy.models import ConsentRecord
from tests.support.forms import post_form
from tests.support.records import rows, run

__all__ = [
    "GOOD",
    "database_snapshot",
    "log_in",
    "register",
    "rows",
    "run",
    "sign_up",
    "wechat_user",
]

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


def wechat_user(
    app: Any,
    settings: Any,
    *,
    email: str | None,
    language: str = "zh_Hans",
    password: str | None = None,
) -> TestClient:
    """A customer who registered through WeChat (an OpenID; no password unless ``password``),
    signed in on a new client (entered: the caller's test ends with it)."""

    async def create() -> str:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                user = User(
                    name="微信用户",
                    wechat_openid="o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
                    phone="+8613912345678",
                    email=email,
                    email_key=email.lower() if email else None,
                    preferred_language=language,
                    password_hash=hash_password(password) if password else None,
                )
                session.add(user)
                await session.flush()
                # Registration records the consent to the policy in force (else: the gate).
                session.add(
                    ConsentRecord(
                        user_id=user.id,
                        kind="policy_consent",
                        policy_version=app.state.policy.in_force().version,
                        language=language,
                        channel="website",
                    )
                )
                new = await start_session(
                    session=session,
                    secret_key=settings.secret_key,
                    user=user,
                    remember=False,
                    user_agent="MicroMessenger",
                    ip_address="127.0.0.1",
                )
                await session.commit()
                return new.cookie_value
        finally:
            await engine.dispose()

    client = TestClient(app)
    client.__enter__()
    client.cookies.set(SESSION_COOKIE, asyncio.run(create()))
    return client
