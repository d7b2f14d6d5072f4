"""Changing the mobile number (policy 5.3): the password re-entered, the number checked as at
registration and stored in E.164, unverified until a text message checks it, audited, a notice
to the login address; other sessions stay (nobody logs in with the number)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update
from starlette.testclient import TestClient

from portal.accounts import throttling
from portal.accounts.models import User
from portal.accounts.sessions import SESSION_COOKIE
from portal.db import utcnow
from portal.profile.models import AuditEntry
from tests.support.accounts import GOOD, database_snapshot, log_in, register, wechat_user
from tests.support.forms import csrf_token, post_form
from tests.support.html import parse
from tests.support.login_details import (
    MOBILE_PAGE,
    account,
    change_mobile,
    error_beside,
    fresh_example,
    is_signed_in,
    mails_to,
)
from tests.support.random_input import examples, file_fields, form_data, post_random, values
from tests.support.records import rows, run

OLD_EMAIL = "Li.Wei@example.cn"
WRONG = "This is not your current password. Check it and try again."


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(MOBILE_PAGE, follow_redirects=False)
    assert response.headers["location"] == f"/login?next={MOBILE_PAGE}"


def test_the_page_shows_the_number_unverified_and_asks_for_the_password(signed_in):
    page = signed_in.get(MOBILE_PAGE)
    assert page.template.name == "profile/account/mobile.html"
    assert "138 1234 5678" in page.text
    assert "not verified yet" in page.text
    (form,) = [f for f in parse(page.text).forms if f.action == MOBILE_PAGE]
    assert {"phone", "current_password", "csrf_token"} <= form.fields.keys()
    assert form.fields["phone"] == "138 1234 5678"
    links = parse(page.text).links
    assert "/account/privacy/requests/new?kind=correction" in links
    assert MOBILE_PAGE in parse(signed_in.get("/account/information").text).links


def test_a_new_number_is_stored_unverified_audited_and_noticed(app, signed_in, settings):
    with TestClient(app) as laptop:
        assert log_in(laptop, GOOD["email"], GOOD["password"]).status_code == 303
        response = change_mobile(signed_in, "+852 6123 4567")
        assert (response.status_code, response.headers["location"]) == (
            303,
            f"{MOBILE_PAGE}?saved=1",
        )
        # Nobody logs in with the number: no session ends.
        assert is_signed_in(laptop)
        assert is_signed_in(signed_in)
    user = account(settings)
    assert (user.phone, user.phone_verified_at) == ("+85261234567", None)
    audit = [(a.record, a.field, a.action) for a in rows(settings, AuditEntry)]
    assert ("account", "phone", "changed") in audit
    (notice,) = [m for m in mails_to(settings, OLD_EMAIL) if "mobile number" in m.subject]
    assert notice.subject == "Your mobile number was changed"
    assert "4567" in notice.text_body
    assert "6123" not in notice.text_body  # only the last digits
    page = signed_in.get(f"{MOBILE_PAGE}?saved=1")
    assert "+852 6123 4567" in page.text
    assert "not verified yet" in page.text


def test_a_verified_number_becomes_unverified_when_it_changes(signed_in, settings):
    async def verify(session):
        await session.execute(update(User).values(phone_verified_at=utcnow()))
        await session.commit()

    run(settings, verify)
    assert "not verified yet" not in signed_in.get("/account/information").text
    assert change_mobile(signed_in, "139 1234 5678").status_code == 303
    assert account(settings).phone_verified_at is None
    assert "not verified yet" in signed_in.get("/account/information").text


def test_the_notice_is_in_the_customers_language(client, settings):
    client.cookies.set("portal_language", "zh_Hans")
    register(client)
    change_mobile(client, "139 8765 4321")
    (notice,) = [m for m in mails_to(settings, OLD_EMAIL) if "手机号码" in m.subject]
    assert notice.subject == "您的手机号码已更改"
    assert "4321" in notice.text_body


@pytest.mark.parametrize(
    ("phone", "password", "field", "message"),
    [
        ("139 1234 5678", "not-my-password-1", "current_password", WRONG),
        ("138 1234 5678", GOOD["password"], "phone", "This is already your mobile number."),
        ("+86 138-1234-5678", GOOD["password"], "phone", "This is already your mobile number."),
        (
            "010 1234 5678",
            GOOD["password"],
            "phone",
            "Enter a mobile number: we send order updates by text message.",
        ),
        (
            "138 TEST 5678",
            GOOD["password"],
            "phone",
            "Enter the number in digits: a phone number has no letters.",
        ),
        ("139 1234 5678", "", "current_password", "Enter your current password."),
    ],
    ids=["wrong-password", "same", "same-written-otherwise", "landline", "letters", "no-password"],
)
def test_mistakes_are_explained_beside_their_field(
    signed_in, settings, phone, password, field, message
):
    before = account(settings).phone
    response = change_mobile(signed_in, phone, password)
    assert response.status_code == 400
    assert error_beside(response, field) == message
    (form,) = [f for f in parse(response.text).forms if f.action == MOBILE_PAGE]
    if field == "phone":
        assert form.fields["phone"] == phone  # kept as typed
    assert account(settings).phone == before
    assert [a for a in rows(settings, AuditEntry) if a.field == "phone"] == []


def test_wrong_passwords_count_as_failed_logins(app, signed_in, settings):
    for _ in range(throttling.LOGIN_ACCOUNT.limit):
        last = change_mobile(signed_in, "139 1234 5678", "not-my-password-1")
    assert last.status_code == 429
    assert change_mobile(signed_in, "139 1234 5678").status_code == 429
    with TestClient(app) as stranger:
        assert log_in(stranger, OLD_EMAIL, GOOD["password"]).status_code == 429
    assert account(settings).phone == "+8613812345678"


def test_the_number_can_be_removed_while_the_account_has_a_login_address(signed_in, settings):
    response = change_mobile(signed_in, "")
    assert response.headers["location"] == f"{MOBILE_PAGE}?removed=1"
    assert account(settings).phone is None
    audit = [(a.field, a.action) for a in rows(settings, AuditEntry)]
    assert ("phone", "removed") in audit
    (notice,) = [m for m in mails_to(settings, OLD_EMAIL) if "mobile number" in m.subject]
    assert notice.subject == "Your mobile number was removed"
    assert "Not given" in signed_in.get("/account/information").text


def test_an_account_without_a_login_address_keeps_its_number(app, settings):
    customer = wechat_user(app, settings, email=None, language="en", password=GOOD["password"])
    try:
        response = change_mobile(customer, "")
        assert response.status_code == 400
        assert error_beside(response, "phone") == (
            "Your account has no login email address, so it must keep a mobile number."
        )
        assert change_mobile(customer, "137 1234 5678").status_code == 303  # no mail to send
    finally:
        customer.__exit__(None, None, None)
    assert account(settings).phone == "+8613712345678"


def test_a_wechat_account_without_a_password_is_told_to_add_one(app, settings):
    customer = wechat_user(app, settings, email="wx.user@example.cn")
    try:
        page = customer.get(MOBILE_PAGE)
        assert page.context["mode"] == "needs_password"
        assert "/account/password" in parse(page.text).links
        data = {"phone": "139 1234 5678", "current_password": ""}
        assert post_form(customer, MOBILE_PAGE, data, token=csrf_token(page)).status_code == 400
    finally:
        customer.__exit__(None, None, None)
    assert account(settings).phone == "+8613912345678"


def test_the_form_needs_the_csrf_token_and_head_changes_nothing(signed_in, settings):
    before = database_snapshot(settings.database_url)
    data = {"phone": "139 1234 5678", "current_password": GOOD["password"]}
    assert post_form(signed_in, MOBILE_PAGE, data, token="").status_code == 403
    token = csrf_token(signed_in.get(MOBILE_PAGE))
    head = signed_in.request(
        "HEAD", MOBILE_PAGE, data={**data, "csrf_token": token}, headers={"X-CSRF-Token": token}
    )
    assert head.status_code == 200
    assert database_snapshot(settings.database_url) == before


def test_what_we_hold_says_the_number_is_not_verified(signed_in):
    page = signed_in.get("/account/privacy/my-data")
    assert "138 1234 5678 (not verified yet)" in page.text
    assert MOBILE_PAGE in parse(page.text).links


MOBILE_VALUES = values(
    "139 1234 5678",
    "138 1234 5678",
    "+852 6123 4567",
    "+86 138-1234-5678",
    "１３９ １２３４ ５６７８",  # full-width digits
    "+1 202 555 0143",
    "010 1234 5678",
    "138 TEST 5678",
    "+" + "9" * 40,
    GOOD["password"],
    "x" * 100_000,
)


def test_random_input_never_causes_a_server_error(app, settings):
    """Random keys and values, real ones among them (numbers, the password), with the CSRF
    token or without, signed in or not, plain or htmx: never a 500."""
    fields = ["phone", "current_password"]
    with TestClient(app, raise_server_exceptions=False) as client:
        register(client)
        csrf = csrf_token(client.get(MOBILE_PAGE))

        @examples(40)
        @given(
            data=form_data(fields, MOBILE_VALUES, max_size=5),
            with_token=st.booleans(),
            signed_in=st.booleans(),
            htmx=st.booleans(),
            files=file_fields(fields),
        )
        def check(data, with_token, signed_in, htmx, files):
            cookie, _ = fresh_example(settings)
            client.cookies.delete(SESSION_COOKIE)
            if signed_in:
                client.cookies.set(SESSION_COOKIE, cookie)
            payload = dict(data)
            if with_token:
                payload["csrf_token"] = csrf
            response = post_random(client, MOBILE_PAGE, payload, htmx=htmx, files=files)
            assert response.status_code < 500, (payload, response.text[:500])

        check()
