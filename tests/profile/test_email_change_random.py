"""Random input to the login-address forms (the request, the link's button, sending again,
cancelling) never causes a server error and changes nothing it should not (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from portal.accounts.sessions import SESSION_COOKIE
from tests.support.accounts import GOOD, register
from tests.support.forms import csrf_token
from tests.support.login_details import (
    CONFIRM,
    EMAIL_PAGE,
    NEW_EMAIL,
    fresh_example,
    with_live_token,
)
from tests.support.random_input import examples, file_fields, form_data, post_random, values

OLD_EMAIL = "Li.Wei@example.cn"


# -- random input ------------------------------------------------------------------------------

LIVE = "\x00live-link\x00"  # replaced by the token of a live link, fresh for each example
EMAIL_FORMS = {
    EMAIL_PAGE: ["new_email", "current_password"],
    f"{EMAIL_PAGE}/resend": [],
    f"{EMAIL_PAGE}/cancel": [],
    CONFIRM: ["token", "next"],
}
EMAIL_VALUES = values(
    NEW_EMAIL,
    OLD_EMAIL,
    OLD_EMAIL.upper(),
    "zhang.min@example.cn",
    "名字@例子.中国",
    "a@b",
    GOOD["password"],
    LIVE,
    CONFIRM,
    "x" * 100_000,
)


@pytest.mark.parametrize("path", list(EMAIL_FORMS))
def test_random_input_never_causes_a_server_error(app, settings, path):
    """Random keys and values, real ones among them (the password, a live link), with the CSRF
    token or without, signed in or not, plain or htmx: never a 500."""
    with TestClient(app, raise_server_exceptions=False) as client:
        register(client)
        register(TestClient(app), email="zhang.min@example.cn")  # an address that is taken
        csrf = csrf_token(client.get(EMAIL_PAGE))
        query = st.sampled_from(["", f"?token={LIVE}", "?token=%00", "?token=" + "y" * 3000])

        @examples(25)
        @given(
            data=form_data(EMAIL_FORMS[path], EMAIL_VALUES, max_size=6),
            with_token=st.booleans(),
            signed_in=st.booleans(),
            htmx=st.booleans(),
            query=query,
            files=file_fields(EMAIL_FORMS[path]),
        )
        def check(data, with_token, signed_in, htmx, query, files):
            cookie, live = fresh_example(settings)
            client.cookies.delete(SESSION_COOKIE)
            if signed_in:
                client.cookies.set(SESSION_COOKIE, cookie)
            payload = with_live_token(data, LIVE, live)
            if with_token:
                payload["csrf_token"] = csrf
            url = path + query.replace(LIVE, live)
            response = post_random(client, url, payload, htmx=htmx, files=files)
            assert response.status_code < 500, (url, payload, response.text[:500])
            assert client.get(url, follow_redirects=False).status_code < 500

        check()
