"""Random input to every form of the accounts area never causes a server error.

Hypothesis posts random keys and values (unicode, very long strings, repeated keys, missing
fields), with the page's CSRF token or without, signed in or not, as htmx or as a plain form.
Values are drawn partly from real ones (a registered address, its password, a live reset link),
so the examples also reach the code behind validation, not only the error messages.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select
from starlette.testclient import TestClient

from portal.accounts.models import LoginSession, PasswordResetToken, Throttle, User
from portal.accounts.password_reset import _digest
from portal.accounts.sessions import SESSION_COOKIE, start_session
from portal.db import create_engine, session_factory, utcnow
from tests.support.accounts import GOOD
from tests.support.forms import csrf_token, post_form
from tests.support.random_input import examples, file_fields, form_data, post_random, values

LIVE_TOKEN = "\x00live-reset-token\x00"  # replaced by a real, unused reset token
OWN_SESSION = -1  # in a path: replaced by the id of the signed-in session

FORMS = {
    "/register": [
        "name",
        "email",
        "phone",
        "customer_type",
        "password",
        "policy_consent",
        "legal_capacity",
    ],
    "/login": ["email", "password", "remember"],
    "/logout": [],
    "/password/forgot": ["email"],
    "/password/reset": ["token", "password"],
    "/verify-email": ["token"],
    "/verify-email/resend": [],
    "/account/sessions/{id}/end": [],
    "/account/sessions/end-others": [],
}

VALUES = values(
    GOOD["email"],
    "LI.WEI@example.cn",
    GOOD["password"],
    "another-good-password-7",
    GOOD["phone"],
    "+852 6123 4567",
    "business",
    "y",
    "名" * 129,
    "x" * 200_000,
    LIVE_TOKEN,
)


class Site:
    """A registered user, and per example: a fresh session, a live reset link, no throttles."""

    def __init__(self, client: TestClient, database_url: str, secret_key: str) -> None:
        self.client = client
        self.database_url = database_url
        self.secret_key = secret_key
        self.token = csrf_token(client.get("/register"))
        registered = post_form(client, "/register", GOOD, token=self.token)
        assert registered.status_code == 303, registered.text[:500]
        client.cookies.delete(SESSION_COOKIE)

    def prepare(self) -> tuple[str, int, str]:
        """(session cookie, its session id, reset token), all fresh for one example."""
        return asyncio.run(self._prepare())

    async def _prepare(self) -> tuple[str, int, str]:
        engine = create_engine(self.database_url)
        try:
            async with session_factory(engine)() as session:
                await session.execute(delete(Throttle))
                await session.execute(delete(PasswordResetToken))
                user = await session.scalar(select(User))
                reset = secrets.token_urlsafe(32)
                now = utcnow()
                session.add(
                    PasswordResetToken(
                        token_hash=_digest(reset),
                        user_id=user.id,
                        created_at=now,
                        expires_at=now.replace(year=now.year + 1),
                    )
                )
                new = await start_session(
                    session=session,
                    secret_key=self.secret_key,
                    user=user,
                    remember=False,
                    user_agent="hypothesis",
                    ip_address="testclient",
                )
                await session.commit()
                session_id = await session.scalar(
                    select(LoginSession.id).order_by(LoginSession.id.desc()).limit(1)  # type: ignore[union-attr]
                )
                return new.cookie_value, session_id, reset
        finally:
            await engine.dispose()


@pytest.fixture
def site(app, settings) -> Iterator[Site]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Site(client, settings.database_url, settings.secret_key)


@pytest.mark.parametrize("path", list(FORMS))
def test_random_forms_never_cause_a_server_error(site: Site, path: str) -> None:
    @examples(40)
    @given(
        data=form_data(FORMS[path], VALUES, max_size=8),
        with_token=st.booleans(),
        signed_in=st.booleans(),
        htmx=st.booleans(),
        session_id=st.one_of(st.just(OWN_SESSION), st.integers(min_value=0, max_value=2**70)),
        files=file_fields(FORMS[path]),
    )
    def check(data, with_token, signed_in, htmx, session_id, files):
        cookie, own_id, reset_token = site.prepare()
        site.client.cookies.delete(SESSION_COOKIE)
        if signed_in:
            site.client.cookies.set(SESSION_COOKIE, cookie)
        payload = {
            key: [reset_token if v == LIVE_TOKEN else v for v in value]
            if isinstance(value, list)
            else (reset_token if value == LIVE_TOKEN else value)
            for key, value in data.items()
        }
        if with_token:
            payload["csrf_token"] = site.token
        url = path.replace("{id}", str(own_id if session_id == OWN_SESSION else session_id))
        response = post_random(site.client, url, payload, htmx=htmx, files=files)
        assert response.status_code < 500, (url, payload, files, response.text[:500])
        # Nothing changes without the token. A multipart body's token is checked when the route
        # reads the form (security.read_form); a route that answers without reading it (a
        # signed-in visitor sent from /register to /account) changes nothing either.
        if not with_token and "csrf_token" not in payload and not files:
            assert response.status_code == 403

    check()


# -- what Hypothesis found, kept as plain examples -------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "data", "message"),
    [
        ("/password/forgot", "email", {"email": "a" * 250 + "@example.cn"}, "254 characters"),
        ("/register", "name", {**GOOD, "name": "名" * 101}, "100 characters"),
        ("/register", "phone", {**GOOD, "phone": "1" * 31}, "30 characters"),
    ],
)
def test_an_overlong_value_is_explained_beside_its_field(client, path, field, data, message):
    """WTForms formats Length's message with %; our lazy messages must allow that."""
    response = post_form(client, path, data, page=path)
    assert response.status_code == 400
    assert message in str(response.context["form"][field].errors[0])


def test_a_nul_character_never_reaches_the_database(client, settings):
    """PostgreSQL's text cannot hold NUL; the forms drop it (a 500 on /login before)."""
    from tests.support.accounts import register
    from tests.support.records import rows

    response = post_form(client, "/login", {"email": "\x00", "password": "0"}, page="/login")
    assert response.status_code == 400
    assert register(client, name="李\x00伟").status_code == 303
    (user,) = rows(settings, User)
    assert user.name == "李伟"
