"""Random input to the deregistration form never causes a server error, and deletes nothing
unless it holds the account's own proof (its password, or the phrase) and the ticked box.

Hypothesis posts random keys and values (unicode, very long strings, NUL, repeated keys, file
parts), with the page's CSRF token or without, signed in or not, as htmx or as a plain form,
for an account with a password and for one without (WeChat). The real password and phrase are
among the values drawn, so some examples do delete the account: the next example starts with a
new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select
from starlette.testclient import TestClient

from portal import i18n
from portal.accounts.forms import CONFIRMATION_PHRASE
from portal.accounts.models import Throttle, User
from portal.accounts.passwords import hash_password_off_loop
from portal.accounts.sessions import SESSION_COOKIE, start_session
from portal.db import create_engine, session_factory
from tests.support.accounts import GOOD
from tests.support.deregistration import PAGE, WECHAT_OPENID
from tests.support.forms import csrf_token
from tests.support.random_input import examples, file_fields, form_data, post_random, values

FIELDS = ["password", "confirmation_phrase", "confirm"]


def phrases() -> list[str]:
    found = []
    for locale in i18n.LANGUAGES:
        with i18n.use_locale(locale):
            found.append(str(CONFIRMATION_PHRASE))
    return found


VALUES = values(GOOD["password"], "milling-spindle-43", "y", "on", *phrases(), "x" * 100_000)


class Site:
    """Per example: the account (made again if an example deleted it), a fresh session, no
    throttles, so every example reaches the password check."""

    def __init__(self, client: TestClient, database_url: str, secret_key: str, kind: str):
        self.client = client
        self.database_url = database_url
        self.secret_key = secret_key
        self.kind = kind
        self.token = csrf_token(client.get("/login"))

    def prepare(self) -> str:
        return asyncio.run(self._prepare())

    async def _prepare(self) -> str:
        engine = create_engine(self.database_url)
        try:
            async with session_factory(engine)() as session:
                await session.execute(delete(Throttle))
                user = await session.scalar(select(User))
                if user is None:
                    user = User(name=GOOD["name"], preferred_language="en")
                    if self.kind == "password":
                        user.email, user.email_key = GOOD["email"], GOOD["email"].lower()
                        user.password_hash = await hash_password_off_loop(GOOD["password"])
                    else:
                        user.wechat_openid = WECHAT_OPENID
                    session.add(user)
                    await session.flush()
                new = await start_session(
                    session=session,
                    secret_key=self.secret_key,
                    user=user,
                    remember=False,
                    user_agent="hypothesis",
                    ip_address="testclient",
                )
                await session.commit()
                return new.cookie_value
        finally:
            await engine.dispose()

    def valid(self) -> dict[str, str]:
        if self.kind == "password":
            return {"password": GOOD["password"], "confirm": "y"}
        return {"confirmation_phrase": phrases()[-1], "confirm": "y"}

    def account_exists(self) -> bool:
        async def exists() -> bool:
            engine = create_engine(self.database_url)
            try:
                async with session_factory(engine)() as session:
                    return await session.scalar(select(User.id)) is not None
            finally:
                await engine.dispose()

        return asyncio.run(exists())


@pytest.fixture(params=["password", "wechat"])
def site(request, app, settings) -> Iterator[Site]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Site(client, settings.database_url, settings.secret_key, request.param)


def proves_it(site: Site, payload: dict) -> bool:
    """Whether ``payload`` holds the account's proof and the box (a single value each)."""
    if not payload.get("confirm") or isinstance(payload.get("confirm"), list):
        return False
    if site.kind == "password":
        return payload.get("password") == GOOD["password"]
    phrase = payload.get("confirmation_phrase")
    return isinstance(phrase, str) and " ".join(phrase.casefold().split()) in [
        p.casefold() for p in phrases()
    ]


def test_random_input_never_causes_a_server_error(site: Site) -> None:
    @examples(60)
    @given(
        data=form_data(FIELDS, VALUES, max_size=6),
        with_token=st.booleans(),
        signed_in=st.booleans(),
        htmx=st.booleans(),
        files=file_fields(FIELDS),
        from_valid=st.booleans(),
    )
    def check(data, with_token, signed_in, htmx, files, from_valid):
        cookie = site.prepare()
        site.client.cookies.delete(SESSION_COOKIE)
        if signed_in:
            site.client.cookies.set(SESSION_COOKIE, cookie)
        # Half the examples start from a form that would delete the account, then change it.
        payload = {**(site.valid() if from_valid else {}), **data}
        if with_token:
            payload["csrf_token"] = site.token
        response = post_random(site.client, PAGE, payload, htmx=htmx, files=files)
        assert response.status_code < 500, (payload, files, response.text[:500])
        deleted = not site.account_exists()
        if deleted:
            assert response.status_code == 303
            proof = "password" if site.kind == "password" else "confirmation_phrase"
            assert signed_in
            assert with_token
            assert proves_it(site, payload)
            assert not {proof, "confirm", "csrf_token"} & set(files)
        if not with_token and "csrf_token" not in payload and not files:
            assert response.status_code == 403

    check()
