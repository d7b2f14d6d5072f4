"""Deregistration in the tests: the form, a customer who holds one of everything, a customer
without a password, and a sweep of the whole schema for what still names someone."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import String, Text, func, or_, select, update
from starlette.testclient import TestClient

from portal.accounts.models import LoginSession, User
from portal.accounts.sessions import SESSION_COOKIE, start_session
from portal.db import create_engine, utcnow
from portal.drawings.models import Drawing
from tests.support.accounts import GOOD, log_in, register
from tests.support.addresses import add as add_address
from tests.support.forms import post, post_form
from tests.support.invoices import PERSONAL, PERSONAL_NEW, add_with_account
from tests.support.quotes import add_drawing, add_quote
from tests.support.records import rows, run
from tests.support.subscriptions import choose

PAGE = "/account/privacy/deregister"
WECHAT_OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
DONE = "/account/privacy/deregistered"


def deregister(
    client: TestClient,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Any:
    """Post the form from its page: the right password and the box ticked, changed by
    ``fields`` (a field given as ``None`` is left out)."""
    data = {"password": GOOD["password"], "confirm": "y", **fields}
    sent = {key: value for key, value in data.items() if value is not None}
    return post_form(client, PAGE, sent, page=PAGE, token=token, headers=headers or {})


def the_user(settings: Any, email: str = GOOD["email"]) -> User:
    (user,) = [u for u in rows(settings, User) if u.email_key == email.lower()]
    return user


def verify(settings: Any, email: str = GOOD["email"]) -> None:
    async def work(session: Any) -> None:
        user = await session.scalar(select(User).where(User.email_key == email.lower()))
        user.email_verified_at = utcnow()
        session.add(user)
        await session.commit()

    run(settings, work)


@dataclass(frozen=True)
class Holdings:
    """What ``fill`` gave a customer: the references of their quotes, their drawings' keys."""

    user_id: int
    ordered: str  # the reference of the request that became an order
    open: str
    storage_keys: tuple[str, ...]


def fill(client: TestClient, app: Any, settings: Any, email: str = GOOD["email"]) -> Holdings:
    """Register ``email`` (signed in on ``client``) and give it one of everything: an address,
    corporate details with an encrypted bank account, personal details with an encrypted
    resident ID number, a subscription, a quote request and an order, each with a drawing."""
    assert register(client, email=email).status_code == 303
    verify(settings, email)
    assert add_address(client).status_code == 303
    assert add_with_account(client).status_code == 303
    assert post(client, PERSONAL_NEW, PERSONAL).status_code == 303
    assert choose(client, "consent_subscription_updates").status_code == 303
    user = the_user(settings, email)
    tag = email.split("@")[0].replace(".", "").upper()[:4]

    async def work(session: Any) -> tuple[str, str, tuple[str, ...]]:
        ordered = await add_quote(session, user, f"Q-ORD{tag}", status="ordered", notes="王芳 收")
        pending = await add_quote(session, user, f"Q-OPN{tag}", status="quoted")
        keys = []
        for quote in (ordered, pending):
            drawing = await add_drawing(session, app, user, quote, b"solid part\n" * 500)
            keys.append(drawing.storage_key)
        return ordered.reference, pending.reference, tuple(keys)

    ordered, pending, keys = run(settings, work)
    assert user.id is not None
    return Holdings(user.id, ordered, pending, keys)


def second_browser(app: Any, email: str = GOOD["email"]) -> TestClient:
    """Another browser signed in to the same account (the caller closes it)."""
    other = TestClient(app)
    other.__enter__()
    assert log_in(other, email, GOOD["password"]).status_code == 303
    return other


def sign_in_without_password(client: TestClient, settings: Any, *, minutes_ago: float = 0) -> int:
    """A WeChat account (no password, no address) signed in on ``client`` ``minutes_ago``."""

    async def work(session: Any) -> tuple[str, int]:
        user = User(name="微信用户", wechat_openid=WECHAT_OPENID, preferred_language="zh_Hans")
        session.add(user)
        await session.flush()
        new = await start_session(
            session=session,
            secret_key=settings.secret_key,
            user=user,
            remember=False,
            user_agent="MicroMessenger",
            ip_address="testclient",
        )
        await session.commit()
        if minutes_ago:
            await session.execute(
                update(LoginSession)
                .where(LoginSession.user_id == user.id)
                .values(created_at=utcnow() - timedelta(minutes=minutes_ago))
            )
            await session.commit()
        assert user.id is not None
        return new.cookie_value, user.id

    cookie, user_id = run(settings, work)
    client.cookies.set(SESSION_COOKIE, cookie)
    return user_id


def rows_naming(database_url: str, user_id: int, *texts: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row, in every table of the schema, that still points at ``user_id`` (a column with
    a foreign key to ``users.id``, or one named ``user_id``) or holds one of ``texts`` in a text
    column (compared without case). Tables by name; an empty dict when nothing does."""

    async def sweep() -> dict[str, list[tuple[Any, ...]]]:
        from portal.models import metadata  # every area's tables

        engine = create_engine(database_url)
        found: dict[str, list[tuple[Any, ...]]] = {}
        try:
            async with engine.connect() as connection:
                for table in metadata.sorted_tables:
                    conditions = [
                        column == user_id
                        for column in table.columns
                        if column.name == "user_id"
                        or any(key.column.table.name == "users" for key in column.foreign_keys)
                    ]
                    if table.name == "users":
                        conditions.append(table.c.id == user_id)
                    conditions += [
                        func.lower(column).contains(text.lower(), autoescape=True)
                        for column in table.columns
                        if isinstance(column.type, String | Text)
                        for text in texts
                    ]
                    if not conditions:
                        continue
                    result = await connection.execute(select(table).where(or_(*conditions)))
                    matched = [tuple(row) for row in result]
                    if matched:
                        found[table.name] = matched
        finally:
            await engine.dispose()
        return found

    return asyncio.run(sweep())


def drawings_of(settings: Any, user_id: int) -> list[Drawing]:
    return [d for d in rows(settings, Drawing) if d.user_id == user_id]
