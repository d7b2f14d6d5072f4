"""The CSRF cookie changes when someone signs in or out, so a token known before is useless after.

The attack this stops: someone who can set a cookie for our site (a sibling subdomain, a shared
computer) plants a CSRF cookie whose token they know, waits for the victim to sign in, and then
submits forms in the victim's name with that token.
"""

from __future__ import annotations

from portal.accounts.sessions import SESSION_COOKIE
from portal.web.csrf import CSRF_COOKIE
from tests.support.accounts import GOOD, register
from tests.support.forms import csrf_token, post_form


def log_in(client, token):
    return post_form(
        client,
        "/login",
        {"email": GOOD["email"], "password": GOOD["password"]},
        token=token,
    )


def test_a_token_from_before_login_is_refused_after_it(client):
    register(client)
    client.cookies.clear()
    planted = csrf_token(client.get("/login"))
    cookie = client.cookies.get(CSRF_COOKIE)
    response = log_in(client, planted)
    assert response.status_code == 303
    assert client.cookies.get(SESSION_COOKIE)
    assert client.cookies.get(CSRF_COOKIE) != cookie  # a new cookie came with the login
    # A form forged with the token known before the login is refused; nothing happens.
    assert post_form(client, "/logout", {}, token=planted).status_code == 403
    assert client.get("/account", follow_redirects=False).status_code == 200
    # The pages now carry the new cookie's token, and it works.
    assert post_form(client, "/logout", {}, page="/account").status_code == 303


def test_a_token_from_before_logout_is_refused_after_it(client):
    register(client)  # registering signs in, and rotates the cookie too
    before = csrf_token(client.get("/account"))
    cookie = client.cookies.get(CSRF_COOKIE)
    assert post_form(client, "/logout", {}, token=before).status_code == 303
    assert client.cookies.get(CSRF_COOKIE) != cookie
    assert log_in(client, before).status_code == 403
    assert log_in(client, csrf_token(client.get("/login"))).status_code == 303


def test_registration_rotates_the_cookie(client):
    token = csrf_token(client.get("/register"))
    cookie = client.cookies.get(CSRF_COOKIE)
    assert register(client, token=token).status_code == 303
    assert client.cookies.get(CSRF_COOKIE) != cookie
    assert post_form(client, "/logout", {}, token=token).status_code == 403


def test_a_failed_login_keeps_the_cookie(client):
    token = csrf_token(client.get("/login"))
    cookie = client.cookies.get(CSRF_COOKIE)
    response = post_form(
        client, "/login", {"email": GOOD["email"], "password": "wrong-password-1"}, token=token
    )
    assert response.status_code == 400
    assert client.cookies.get(CSRF_COOKIE) == cookie
    assert csrf_token(response) == token  # the form shown again still works
