"""Changing the login email address (policy 5.3): the password re-entered, a link to the new
address whose page's button makes the change, other sessions ended, the old address told.

The link is refused when replayed, expired, forged, replaced, cancelled or opened by another
account; opening it (GET or HEAD) changes nothing; an address another account took meanwhile
leaves the login address as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from portal.accounts import throttling
from portal.accounts.housekeeping import tidy
from portal.accounts.models import LoginSession, PasswordResetToken
from portal.db import create_engine, session_factory, utcnow
from portal.profile.account import email_change
from portal.profile.models import AuditEntry, EmailChange, EmailSubscription
from tests.support.accounts import GOOD, log_in, register, wechat_user
from tests.support.forms import csrf_token, post_form
from tests.support.html import parse
from tests.support.login_details import (
    CONFIRM,
    EMAIL_PAGE,
    NEW_EMAIL,
    NEW_EMAIL_STORED,
    account,
    ask_for_change,
    deliver,
    error_beside,
    expire_links,
    is_signed_in,
    link_path,
    mails_to,
    newest_link,
    open_link,
    plain_text,
    press_the_button,
    second_device,
    token_of,
)
from tests.support.records import rows, run
from tests.support.subscriptions import (
    choose,
    link_in,
    subscribe_and_confirm,
    subscriptions,
    topic_mail,
)
from tests.support.subscriptions import mails as subscription_mails
from tests.support.subscriptions import token_of as subscription_token

OLD_EMAIL = "Li.Wei@example.cn"
WRONG = "This is not your current password. Check it and try again."


# -- the page ----------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(EMAIL_PAGE, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/login?next={EMAIL_PAGE}",
    )


def test_the_page_asks_for_the_new_address_and_the_password(signed_in):
    page = signed_in.get(EMAIL_PAGE)
    assert page.template.name == "profile/account/email.html"
    assert page.context["mode"] == "change"
    assert OLD_EMAIL in page.text
    (form,) = [f for f in parse(page.text).forms if f.action == EMAIL_PAGE]
    assert {"new_email", "current_password", "csrf_token"} <= form.fields.keys()
    document = parse(page.text)
    assert "/account/privacy/requests/new?kind=correction" in document.links  # anything else
    assert 'autocomplete="current-password"' in page.text


def test_the_account_pages_link_to_it(signed_in):
    assert EMAIL_PAGE in parse(signed_in.get("/account/information").text).links
    assert EMAIL_PAGE in parse(signed_in.get("/account").text).links  # the navigation


# -- the whole path, over SMTP ----------------------------------------------------------------


def test_the_link_mailed_to_the_new_address_changes_it_and_the_old_one_is_told(
    app, signed_in, settings, smtp_server
):
    user_id = account(settings).id
    response = ask_for_change(signed_in)
    assert (response.status_code, response.headers["location"]) == (303, f"{EMAIL_PAGE}?sent=1")
    page = signed_in.get(f"{EMAIL_PAGE}?sent=1")
    assert NEW_EMAIL_STORED in page.text  # "we sent a link to …; it expires at …"
    assert page.context["pending"].expires_at > utcnow() + timedelta(hours=23)
    assert account(settings).email == OLD_EMAIL  # nothing changes before the link is used

    deliver(settings, smtp_server)
    mails = smtp_server.received
    (sent,) = [m for m in mails if NEW_EMAIL_STORED in m.rcpt_tos]
    path = link_path(plain_text(sent.message))
    notice_subject = "Your login email address was changed"
    assert [m for m in mails if m.message["Subject"] == notice_subject] == []  # not yet

    # Opening the link shows the address and a button: nothing changes yet.
    opened = open_link(signed_in, path)
    assert opened.status_code == 200
    assert opened.headers["cache-control"] == "no-store"
    assert opened.context["state"] == "confirm"
    (button,) = [f for f in parse(opened.text).forms if f.action == CONFIRM]
    assert button.fields["token"] == token_of(path)
    assert account(settings).email == OLD_EMAIL

    response = post_form(signed_in, CONFIRM, {"token": token_of(path)}, token=csrf_token(opened))
    assert (response.status_code, response.headers["location"]) == (303, f"{EMAIL_PAGE}?changed=1")
    changed = account(settings, user_id)
    assert (changed.email, changed.email_key) == (NEW_EMAIL_STORED, NEW_EMAIL_STORED.lower())
    assert changed.email_verified_at is not None
    audit = [(a.record, a.field, a.action) for a in rows(settings, AuditEntry)]
    assert ("account", "email", "changed") in audit

    deliver(settings, smtp_server)
    (notice,) = [m for m in smtp_server.received if m.message["Subject"] == notice_subject]
    assert notice.rcpt_tos == [OLD_EMAIL]
    text = plain_text(notice.message)
    assert "L***@example.cn" in text
    assert NEW_EMAIL_STORED not in text  # masked: the old mailbox may be someone else's now
    assert "info@xometry.asia" in text

    # The new address logs in; the old one no longer does.
    with TestClient(app) as fresh:
        assert log_in(fresh, OLD_EMAIL, GOOD["password"]).status_code == 400
        assert log_in(fresh, NEW_EMAIL_STORED.upper(), GOOD["password"]).status_code == 303


def test_the_notice_to_the_old_address_is_in_the_customers_language(client, settings):
    client.cookies.set("portal_language", "zh_Hans")
    register(client)
    ask_for_change(client)
    press_the_button(client, newest_link(settings))
    (notice,) = [m for m in mails_to(settings, OLD_EMAIL) if "L***@" in m.text_body]
    assert notice.subject == "您的登录邮箱地址已更改"
    assert f"{GOOD['name']}，您好" in notice.text_body
    (link_mail,) = mails_to(settings, NEW_EMAIL_STORED)
    assert 'lang="zh-Hans"' in link_mail.html_body


def test_other_sessions_end_and_this_one_stays(app, signed_in, settings):
    laptop = second_device(app)
    try:
        assert is_signed_in(laptop)
        ask_for_change(signed_in)
        press_the_button(signed_in, newest_link(settings))
        assert is_signed_in(signed_in)
        assert not is_signed_in(laptop)
    finally:
        laptop.__exit__(None, None, None)
    active = [s for s in rows(settings, LoginSession) if s.revoked_at is None]
    assert len(active) == 1


def test_unused_reset_links_die_with_the_change(signed_in, settings):
    post_form(signed_in, "/password/forgot", {"email": OLD_EMAIL}, page="/password/forgot")
    assert rows(settings, PasswordResetToken)
    ask_for_change(signed_in)
    press_the_button(signed_in, newest_link(settings))
    assert rows(settings, PasswordResetToken) == []


# -- mistakes, beside their fields -------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_email", "password", "field", "message"),
    [
        (NEW_EMAIL, "not-my-password-1", "current_password", WRONG),
        (OLD_EMAIL, GOOD["password"], "new_email", "This is already your login email address."),
        ("li.wei@", GOOD["password"], "new_email", "Enter an email address like name@example.com."),
        ("", GOOD["password"], "new_email", "Enter the new email address."),
        (NEW_EMAIL, "", "current_password", "Enter your current password."),
    ],
    ids=["wrong-password", "same-address", "malformed", "no-address", "no-password"],
)
def test_mistakes_are_explained_beside_their_field(
    signed_in, settings, new_email, password, field, message
):
    response = ask_for_change(signed_in, new_email, password)
    assert response.status_code == 400
    assert error_beside(response, field) == message
    (form,) = [f for f in parse(response.text).forms if f.action == EMAIL_PAGE]
    assert form.fields.get("new_email", "").lower() == new_email.lower()  # kept as typed
    assert rows(settings, EmailChange) == []
    assert mails_to(settings, NEW_EMAIL_STORED) == []


def test_the_same_address_with_other_capitals_is_a_change(signed_in, settings):
    response = ask_for_change(signed_in, OLD_EMAIL.lower())
    assert response.status_code == 303
    press_the_button(signed_in, newest_link(settings, OLD_EMAIL.lower()))
    assert account(settings).email == OLD_EMAIL.lower()


def test_an_address_with_an_account_is_refused_as_registration_refuses_it(app, client, settings):
    with TestClient(app) as other:
        register(other, email=NEW_EMAIL)
    register(client)
    response = ask_for_change(client)
    assert response.status_code == 400
    assert error_beside(response, "new_email") == (
        "This email address already belongs to another account. Choose another."
    )
    assert len(mails_to(settings, NEW_EMAIL_STORED)) == 1  # the other's verification mail only


def test_the_answer_draws_on_registrations_allowance(app, client, settings):
    """Whether an address has an account is said no more often than registration says it:
    asking about addresses shares the client's allowance of registrations."""
    with TestClient(app) as other:
        register(other, email=NEW_EMAIL)
    register(client)
    answers = [
        ask_for_change(client).status_code
        for _ in range(throttling.REGISTRATION_CLIENT.limit - 2)  # two registrations before
    ]
    assert set(answers) == {400}  # "already belongs to another account", each time
    limited = ask_for_change(client)
    assert limited.status_code == 429
    assert "Try again in" in limited.text
    with TestClient(app) as again:  # registration from the same client waits as well
        assert register(again, email="new.customer@example.cn").status_code == 429


def test_wrong_passwords_count_as_failed_logins(app, signed_in, settings):
    for _ in range(throttling.LOGIN_ACCOUNT.limit):
        last = ask_for_change(signed_in, password="not-my-password-1")
    assert last.status_code == 429
    assert "retry-after" in last.headers
    assert ask_for_change(signed_in).status_code == 429  # even the right one, for now
    with TestClient(app) as stranger:  # and /login for the account, from an unknown client
        assert log_in(stranger, OLD_EMAIL, GOOD["password"]).status_code == 429
    assert rows(settings, EmailChange) == []


# -- the pending change -----------------------------------------------------------------------


def test_sending_again_replaces_the_link(signed_in, settings):
    ask_for_change(signed_in)
    first = newest_link(settings)
    response = post_form(signed_in, f"{EMAIL_PAGE}/resend", {}, page=EMAIL_PAGE)
    assert response.headers["location"] == f"{EMAIL_PAGE}?resent=1"
    second = newest_link(settings)
    assert second != first
    assert open_link(signed_in, first).status_code == 400
    assert press_the_button(signed_in, second).status_code == 303


def test_a_new_request_replaces_the_pending_one(signed_in, settings):
    ask_for_change(signed_in)
    first = newest_link(settings)
    ask_for_change(signed_in, "li.wei.home@example.cn")
    assert len(rows(settings, EmailChange)) == 1
    assert open_link(signed_in, first).status_code == 400
    press_the_button(signed_in, newest_link(settings, "li.wei.home@example.cn"))
    assert account(settings).email == "li.wei.home@example.cn"


def test_cancelling_kills_the_link(signed_in, settings):
    ask_for_change(signed_in)
    path = newest_link(settings)
    response = post_form(signed_in, f"{EMAIL_PAGE}/cancel", {}, page=EMAIL_PAGE)
    assert response.headers["location"] == f"{EMAIL_PAGE}?cancelled=1"
    assert rows(settings, EmailChange) == []
    assert open_link(signed_in, path).status_code == 400
    assert account(settings).email == OLD_EMAIL


def test_confirmation_mails_are_limited_per_account(signed_in, settings):
    ask_for_change(signed_in)
    answers = [
        post_form(signed_in, f"{EMAIL_PAGE}/resend", {}, page=EMAIL_PAGE).status_code
        for _ in range(throttling.VERIFICATION_MAIL.limit)
    ]
    assert answers[-1] == 429
    assert len(mails_to(settings, NEW_EMAIL_STORED)) == throttling.VERIFICATION_MAIL.limit


def test_the_pending_address_is_among_what_we_hold_and_expires(signed_in, settings):
    ask_for_change(signed_in)
    my_data = signed_in.get("/account/privacy/my-data").text
    assert NEW_EMAIL_STORED in my_data
    assert 'data-field="account_information.new_email"' in my_data
    expire_links(settings)

    async def housekeeping(_):
        return await tidy(session_factory(create_engine(settings.database_url)))

    assert run(settings, housekeeping) == (0, 1)
    assert rows(settings, EmailChange) == []


# -- accounts registered through WeChat -------------------------------------------------------


def test_a_wechat_account_with_an_address_is_told_to_add_a_password_first(app, settings):
    customer = wechat_user(app, settings, email="wx.user@example.cn")
    try:
        page = customer.get(EMAIL_PAGE)
        assert page.context["mode"] == "needs_password"
        assert "/account/password" in parse(page.text).links
        token = csrf_token(page)
        data = {"new_email": NEW_EMAIL, "current_password": ""}
        assert post_form(customer, EMAIL_PAGE, data, token=token).status_code == 400
    finally:
        customer.__exit__(None, None, None)
    assert rows(settings, EmailChange) == []


def test_a_wechat_account_without_an_address_is_sent_to_a_correction_request(app, settings):
    customer = wechat_user(app, settings, email=None, language="en")
    try:
        page = customer.get(EMAIL_PAGE)
        assert page.context["mode"] == "needs_request"
        assert "/account/privacy/requests/new?kind=correction" in parse(page.text).links
    finally:
        customer.__exit__(None, None, None)


def test_a_wechat_account_with_a_password_adds_no_notice_to_a_missing_address(app, settings):
    customer = wechat_user(app, settings, email=None, language="en", password=GOOD["password"])
    try:
        assert ask_for_change(customer).status_code == 303
        press_the_button(customer, newest_link(settings))
    finally:
        customer.__exit__(None, None, None)
    (user,) = rows(settings, type(account(settings)))
    assert user.email == NEW_EMAIL_STORED
    assert [a.action for a in rows(settings, AuditEntry) if a.field == "email"] == ["added"]


def test_an_address_taken_between_the_check_and_the_change_fails_the_same_way(
    app, signed_in, settings, monkeypatch
):
    """Two confirmations racing for one address: the database's unique key decides."""
    ask_for_change(signed_in)
    path = newest_link(settings)
    with TestClient(app) as quicker:
        register(quicker, email=NEW_EMAIL.lower())

    async def not_yet(*args):
        return False

    monkeypatch.setattr(email_change, "_address_taken", not_yet)
    response = press_the_button(signed_in, path)
    assert (response.status_code, response.context["state"]) == (409, "taken")
    assert account(settings, 1).email == OLD_EMAIL
    assert rows(settings, EmailChange) == []


def test_subscriptions_follow_the_new_address_and_the_old_mailbox_confirms_nothing(
    app, signed_in, settings
):
    """The old mailbox may be someone else's now: no more mail goes there, nor consent from it."""
    subscribe_and_confirm(signed_in, app, settings, "consent_subscription_products")
    choose(signed_in, "consent_subscription_products", "consent_subscription_updates")
    old_link = link_in(subscription_mails(settings)[-1], "/subscriptions/confirm")
    ask_for_change(signed_in)
    assert press_the_button(signed_in, newest_link(settings)).status_code == 303

    assert {row.email for row in rows(settings, EmailSubscription)} == {NEW_EMAIL_STORED}
    assert topic_mail(settings) == 1
    assert subscription_mails(settings)[-1].recipient == NEW_EMAIL_STORED
    with TestClient(app) as stranger:
        post_form(
            stranger,
            "/subscriptions/confirm",
            {"token": subscription_token(old_link)},
            page=old_link,
        )
    assert subscriptions(settings) == {"products": True, "updates": False}
