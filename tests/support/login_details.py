"""Changing the login email address and the mobile number in the tests: the forms, the link in
the mail (from the outbox, or over SMTP through the real sender), and the account as stored."""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import secrets
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import delete, select, update
from starlette.testclient import TestClient

from portal.accounts.models import Throttle, User
from portal.accounts.sessions import start_session
from portal.db import create_engine, session_factory, utcnow
from portal.mail.models import OutboxMessage
from portal.mail.sender import MailConfig, send_due
from portal.profile.models import EmailChange
from tests.support.accounts import GOOD, log_in
from tests.support.forms import csrf_token, post_form
from tests.support.records import rows, run
from tests.support.servers import SMTPServer

EMAIL_PAGE = "/account/email"
CONFIRM = "/account/email/confirm"
MOBILE_PAGE = "/account/mobile"
#: A new address as typed; email-validator keeps the local part's capitals, lowers the domain.
NEW_EMAIL = "Li.Wei.Works@Example.CN"
NEW_EMAIL_STORED = "Li.Wei.Works@example.cn"
LINK = re.compile(r"/account/email/confirm\?token=[\w.~%-]+")


def ask_for_change(
    client: TestClient, new_email: str = NEW_EMAIL, password: str = GOOD["password"], **kwargs: Any
) -> Any:
    """Post the form of /account/email (the 303, or the page again with its errors)."""
    data = {"new_email": new_email, "current_password": password}
    return post_form(client, EMAIL_PAGE, data, page=EMAIL_PAGE, **kwargs)


def change_mobile(
    client: TestClient, phone: str, password: str = GOOD["password"], **kwargs: Any
) -> Any:
    """Post the form of /account/mobile."""
    data = {"phone": phone, "current_password": password}
    return post_form(client, MOBILE_PAGE, data, page=MOBILE_PAGE, **kwargs)


def link_path(text: str) -> str:
    """The path and query of the confirmation link in a mail's text."""
    found = LINK.search(text)
    assert found, text
    return found[0]


def token_of(path: str) -> str:
    return path.split("token=", 1)[1]


def mails_to(settings: Any, address: str) -> list[OutboxMessage]:
    """The outbox's mails to ``address`` (compared without case), oldest first."""
    return [m for m in rows(settings, OutboxMessage) if m.recipient.lower() == address.lower()]


def newest_link(settings: Any, address: str = NEW_EMAIL_STORED) -> str:
    """The confirmation link of the newest mail to ``address``."""
    return link_path(mails_to(settings, address)[-1].text_body)


def open_link(client: TestClient, path: str) -> Any:
    """Open the link as a browser does (the page it shows)."""
    return client.get(path, follow_redirects=False)


def press_the_button(client: TestClient, path: str) -> Any:
    """Open the link and press the page's button (its token, its CSRF token)."""
    page = client.get(path)
    return post_form(client, CONFIRM, {"token": token_of(path)}, token=csrf_token(page))


def deliver(settings: Any, smtp_server: SMTPServer) -> int:
    """Send what the outbox holds through the real sender to ``smtp_server``."""

    async def send() -> int:
        engine = create_engine(settings.database_url)
        try:
            config = MailConfig("smtp", "no-reply@xometry.asia", smtp_server.host, smtp_server.port)
            return await send_due(session_factory(engine), config)
        finally:
            await engine.dispose()

    return asyncio.run(send())


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert isinstance(content, str)
    return content


def account(settings: Any, user_id: int | None = None) -> User:
    """The account as stored: the one with ``user_id``, else the only one."""
    users = rows(settings, User)
    if user_id is None:
        (user,) = users
        return user
    return next(u for u in users if u.id == user_id)


def error_beside(response: Any, field: str) -> str | None:
    """The error shown beside ``field`` (and tied to it for screen readers), or ``None``."""
    found = re.search(rf'<p class="field__error" id="{field}-error">([^<]*)</p>', response.text)
    if found is None:
        return None
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', response.text)
    return html.unescape(found[1])


def is_signed_in(client: TestClient) -> bool:
    return client.get("/account", follow_redirects=False).status_code == 200


def fresh_example(settings: Any, new_email: str = NEW_EMAIL_STORED) -> tuple[str, str]:
    """For one random example: no throttles, a fresh session of the only account, and a
    pending change to ``new_email`` with a live link; (session cookie, the link's token)."""

    async def work(session: Any) -> tuple[str, str]:
        await session.execute(delete(Throttle))
        await session.execute(delete(EmailChange))
        user = await session.scalar(select(User))
        token = secrets.token_urlsafe(32)
        now = utcnow()
        session.add(
            EmailChange(
                user_id=user.id,
                new_email=new_email,
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                requested_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
        new = await start_session(
            session=session,
            secret_key=settings.secret_key,
            user=user,
            remember=False,
            user_agent="hypothesis",
            ip_address="testclient",
        )
        await session.commit()
        return new.cookie_value, token

    return run(settings, work)


def with_live_token(payload: dict[str, Any], placeholder: str, token: str) -> dict[str, Any]:
    """``payload`` with each ``placeholder`` value (single or repeated) replaced by ``token``."""

    def swap(value: Any) -> Any:
        return token if value == placeholder else value

    return {
        key: [swap(v) for v in value] if isinstance(value, list) else swap(value)
        for key, value in payload.items()
    }


def second_device(app) -> TestClient:
    """The same customer, signed in on another device."""
    other = TestClient(app)
    other.__enter__()
    assert log_in(other, GOOD["email"], GOOD["password"]).status_code == 303
    return other


def expire_links(settings) -> None:
    async def work(session):
        past = utcnow() - timedelta(seconds=1)
        await session.execute(update(EmailChange).values(expires_at=past))
        await session.commit()

    run(settings, work)
