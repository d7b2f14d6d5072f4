"""Sweeps over the app's route table: HEAD acts as GET, private pages are never cached, and an
id that cannot exist answers 404.

Both walk ``app.routes``, so the routes of later issues are covered without a new test.
"""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.support.accounts import GOOD, database_snapshot, sign_up
from tests.support.addresses import ADDRESS
from tests.support.forms import csrf_token, post_form
from tests.support.routes import route_table, routes_with_ids

#: Fields that would make the POST branch of any form route act: a shipping address, an
#: account's details, a password change, a new login address or mobile number, the language,
#: a subscription, a confirmation.
ACTING_BODY = {
    **ADDRESS,
    "new_email": "li.wei.works@example.cn",
    "name": "王芳",
    "customer_type": "individual",
    "language": "zh_Hans",
    "next": "/",
    "current_password": "milling-spindle-42",
    "password": "milling-spindle-43",
    "confirm": "y",
    "topics": "policy",
    "policy_consent": "y",
    "legal_capacity": "y",
}


@pytest.fixture
def settings(request, tmp_path, built_policy, database_url):
    from tests.support.site import make_settings

    return make_settings(tmp_path, public_dir=built_policy, database_url=database_url)


@pytest.fixture
def signed_in(client: TestClient) -> TestClient:
    sign_up(client)
    # Something to act on at id 1: an address (edit, delete, default) besides the session.
    token = csrf_token(client.get("/account"))
    response = post_form(client, "/account/addresses/new", ACTING_BODY, token=token)
    assert response.status_code == 303, response.text[:500]
    return client


def test_head_changes_nothing_on_any_route(app, signed_in: TestClient, settings) -> None:
    """``HEAD`` is answered as ``GET``: never the POST branch of a GET/POST route, even when
    signed in and sent with a valid CSRF token and a body that would make the POST act."""
    routes = sorted({path for method, path in route_table(app.routes) if method == "HEAD"})
    assert "/account/addresses/1/delete" in routes
    token = csrf_token(signed_in.get("/account"))
    before = database_snapshot(settings.database_url)
    changed = []
    for path in routes:
        response = signed_in.request(
            "HEAD",
            path,
            data={**ACTING_BODY, "csrf_token": token},
            headers={"X-CSRF-Token": token},
            follow_redirects=False,
        )
        assert response.status_code < 500, path
        assert response.content == b"", path
        after = database_snapshot(settings.database_url)
        if after != before:
            changed.append(path)
            before = after
    assert not changed, f"HEAD changed the database on: {changed}"


def test_head_answers_with_the_headers_of_get(signed_in: TestClient) -> None:
    get = signed_in.get("/account/addresses", headers={"Accept-Encoding": "identity"})
    head = signed_in.head("/account/addresses", headers={"Accept-Encoding": "identity"})
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == get.headers["content-type"]


def test_every_page_of_a_signed_in_user_is_not_stored(app, signed_in: TestClient) -> None:
    routes = sorted({path for method, path in route_table(app.routes) if method == "GET"})
    assert "/account" in routes
    stored = []
    for path in routes:
        response = signed_in.get(path, follow_redirects=False)
        if response.headers.get("cache-control") != "no-store":
            stored.append(
                f"{path} -> {response.status_code} {response.headers.get('cache-control')}"
            )
        elif "cookie" not in response.headers.get("vary", "").lower():
            stored.append(f"{path} -> {response.status_code} without Vary: Cookie")
    assert not stored, "pages of a signed-in user without Cache-Control: no-store:\n" + "\n".join(
        stored
    )


def test_the_response_that_signs_in_is_not_stored(client: TestClient) -> None:
    response = post_form(
        client, "/register", {"email": "someone@example.cn", "password": "x"}, page="/register"
    )
    assert response.status_code == 400  # no session yet: nothing private in it
    signed = post_form(
        client,
        "/register",
        GOOD,
        page="/register",
    )
    assert "portal_session=" in signed.headers["set-cookie"]
    assert signed.headers["cache-control"] == "no-store"


def test_static_files_keep_their_long_cache_when_signed_in(signed_in: TestClient) -> None:
    page = signed_in.get("/account").text
    start = page.index("/static/")
    url = page[start : page.index('"', start)]
    assert "?v=" in url
    response = signed_in.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


#: Ids that no row can have: not numbers, not positive, or beyond the database's integer.
IMPOSSIBLE_IDS = ["abc", "-1", "1.5", "0", str(2**31), str(2**63), str(10**40)]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_an_id_that_cannot_exist_answers_404_on_every_route(app, signed_in: TestClient, htmx):
    """Never a 500 (PostgreSQL refuses to compare an integer beyond its own), never an action."""
    routes = sorted(routes_with_ids(app.routes))
    assert ("POST", "/account/sessions/{session_id}/end") in routes
    token = csrf_token(signed_in.get("/account"))
    headers = {"HX-Request": "true"} if htmx else {}
    answers = {}
    for method, path in routes:
        if method == "HEAD":
            continue
        for value in IMPOSSIBLE_IDS:
            url = re.sub(r"\{\w+\}", value, path)
            if method == "GET":
                response = signed_in.get(url, headers=headers, follow_redirects=False)
            else:
                response = post_form(signed_in, url, ACTING_BODY, token=token, headers=headers)
            answers[method, url] = response.status_code
    assert len(answers) >= 8 * len(IMPOSSIBLE_IDS)
    assert {where: status for where, status in answers.items() if status != 404} == {}
    assert signed_in.get("/account", follow_redirects=False).status_code == 200  # still signed in
