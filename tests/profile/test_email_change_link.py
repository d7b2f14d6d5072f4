"""Changing the login address, the link (policy 5.3): opened with GET or HEAD it changes
nothing; it works once, for its owner, until it expires; forged links and an address taken
meanwhile fail with a clear page; its button needs the CSRF token."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from portal.profile.models import EmailChange
from tests.support.accounts import GOOD, database_snapshot, register
from tests.support.forms import csrf_token, post_form
from tests.support.login_details import (
    CONFIRM,
    EMAIL_PAGE,
    NEW_EMAIL,
    NEW_EMAIL_STORED,
    account,
    ask_for_change,
    expire_links,
    is_signed_in,
    newest_link,
    open_link,
    press_the_button,
    token_of,
)
from tests.support.records import rows

OLD_EMAIL = "Li.Wei@example.cn"
WRONG = "This is not your current password. Check it and try again."


# -- the link ----------------------------------------------------------------------------------


def test_opening_the_link_with_get_or_head_changes_nothing(app, signed_in, settings):
    ask_for_change(signed_in)
    path = newest_link(settings)
    before = database_snapshot(settings.database_url)
    assert signed_in.get(path).status_code == 200
    token = csrf_token(signed_in.get(EMAIL_PAGE))
    head = signed_in.request(
        "HEAD",
        path,
        data={"token": token_of(path), "csrf_token": token},
        headers={"X-CSRF-Token": token},
    )
    assert head.status_code == 200
    with TestClient(app) as scanner:  # a mail scanner: no session; sent to log in
        assert scanner.get(path, follow_redirects=False).status_code == 303
    assert database_snapshot(settings.database_url) == before


def test_a_link_opened_signed_out_comes_back_to_its_page_after_logging_in(app, signed_in, settings):
    ask_for_change(signed_in)
    path = newest_link(settings)
    with TestClient(app) as phone:
        response = phone.get(path, follow_redirects=False)
        assert response.headers["location"].startswith("/login?next=/account/email/confirm")
        login = post_form(
            phone,
            response.headers["location"],
            {"email": OLD_EMAIL, "password": GOOD["password"]},
            page="/login",
        )
        assert login.headers["location"] == path
        assert press_the_button(phone, path).status_code == 303
        assert is_signed_in(phone)
    assert account(settings).email == NEW_EMAIL_STORED
    assert not is_signed_in(signed_in)  # the browser that asked is another session: ended


def test_a_used_link_cannot_be_used_again(signed_in, settings):
    ask_for_change(signed_in)
    path = newest_link(settings)
    assert press_the_button(signed_in, path).status_code == 303
    again = open_link(signed_in, path)
    assert (again.status_code, again.context["state"]) == (400, "bad_link")
    before = database_snapshot(settings.database_url)
    token = csrf_token(signed_in.get(EMAIL_PAGE))
    replayed = post_form(signed_in, CONFIRM, {"token": token_of(path)}, token=token)
    assert replayed.status_code == 400
    assert database_snapshot(settings.database_url) == before


def test_an_expired_link_changes_nothing(signed_in, settings):
    ask_for_change(signed_in)
    path = newest_link(settings)
    expire_links(settings)
    assert open_link(signed_in, path).status_code == 400
    token = csrf_token(signed_in.get(EMAIL_PAGE))
    assert post_form(signed_in, CONFIRM, {"token": token_of(path)}, token=token).status_code == 400
    assert account(settings).email == OLD_EMAIL
    assert signed_in.get(EMAIL_PAGE).context["pending"] is None  # nor is it shown as pending


@pytest.mark.parametrize(
    "forged",
    ["", "not-a-token", "A" * 43, "x" * 5000, "%00", "../../account"],
    ids=["empty", "word", "random", "long", "nul", "path"],
)
def test_a_forged_link_changes_nothing(signed_in, settings, forged):
    ask_for_change(signed_in)
    before = database_snapshot(settings.database_url)
    page = open_link(signed_in, f"{CONFIRM}?token={forged}")
    assert (page.status_code, page.context["state"]) == (400, "bad_link")
    token = csrf_token(signed_in.get(EMAIL_PAGE))
    assert post_form(signed_in, CONFIRM, {"token": forged}, token=token).status_code == 400
    assert database_snapshot(settings.database_url) == before


def test_another_signed_in_customer_cannot_use_the_link(app, signed_in, settings):
    ask_for_change(signed_in)
    path = newest_link(settings)
    with TestClient(app) as other:
        register(other, email="zhang.min@example.cn")
        before = database_snapshot(settings.database_url)
        page = open_link(other, path)
        assert (page.status_code, page.context["state"]) == (403, "other_account")
        assert NEW_EMAIL_STORED not in page.text  # nothing of the other account is shown
        response = post_form(other, CONFIRM, {"token": token_of(path)}, token=csrf_token(page))
        assert response.status_code == 403
        assert database_snapshot(settings.database_url) == before
        assert is_signed_in(other)
    assert press_the_button(signed_in, path).status_code == 303  # still its owner's to use
    assert account(settings, 1).email == NEW_EMAIL_STORED


def test_an_address_taken_meanwhile_fails_with_a_clear_page(app, signed_in, settings):
    ask_for_change(signed_in)
    path = newest_link(settings)
    with TestClient(app) as quicker:
        register(quicker, email=NEW_EMAIL.lower())
    response = press_the_button(signed_in, path)
    assert response.status_code == 409
    assert response.context["state"] == "taken"
    assert "has become the login address of another account" in response.text
    assert account(settings, 1).email == OLD_EMAIL
    assert rows(settings, EmailChange) == []  # it can never be made: dropped
    assert is_signed_in(signed_in)


def test_the_button_needs_the_csrf_token(signed_in, settings):
    ask_for_change(signed_in)
    path = newest_link(settings)
    before = database_snapshot(settings.database_url)
    for url, data in (
        (CONFIRM, {"token": token_of(path)}),
        (EMAIL_PAGE, {"new_email": "x@example.cn", "current_password": GOOD["password"]}),
        (f"{EMAIL_PAGE}/resend", {}),
        (f"{EMAIL_PAGE}/cancel", {}),
    ):
        assert post_form(signed_in, url, data, token="").status_code == 403, url
    assert database_snapshot(settings.database_url) == before
