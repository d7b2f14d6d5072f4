"""Password setting (policy 1.6, 5.3 A (2)): change it with the current one (throttled like logins),
every other device signed out, a mail about it; WeChat accounts add one, if they have an email
address to log in with."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from portal import i18n
from portal.accounts.models import User
from portal.accounts.passwords import verify_password
from portal.mail.models import OutboxMessage
from portal.profile.models import AuditEntry
from tests.support.accounts import GOOD, log_in, register, wechat_user
from tests.support.forms import post_form
from tests.support.html import parse
from tests.support.records import rows

URL = "/account/password"
NEW = "tapping-and-reaming-9"
RULES = "At least 10 characters; not a common password and not your email address."


def change(client: TestClient, current: str | None = GOOD["password"], new: str = NEW, **kwargs):
    data = (
        {"new_password": new}
        if current is None
        else {"current_password": current, "new_password": new}
    )
    return post_form(client, URL, data, page=URL, **kwargs)


def the_user(settings) -> User:
    return next(u for u in rows(settings, User) if u.email_key == GOOD["email"].lower())


def signed_in_elsewhere(app) -> TestClient:
    """The same customer on a second device."""
    other = TestClient(app)
    other.__enter__()
    assert log_in(other, GOOD["email"], GOOD["password"]).status_code == 303
    return other


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(URL, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/login?next={URL}")


def test_the_page_asks_for_the_current_password_and_states_the_rules(signed_in):
    page = signed_in.get(URL)
    assert page.template.name == "profile/account/password.html"
    assert page.context["mode"] == "change"
    (form,) = [f for f in parse(page.text).forms if f.action == URL]
    assert {"current_password", "new_password", "csrf_token"} <= form.fields.keys()
    assert RULES in page.text
    assert 'autocomplete="current-password"' in page.text
    assert 'autocomplete="new-password"' in page.text


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_a_wrong_current_password_is_explained_beside_it(client, settings, language):
    client.cookies.set("portal_language", language)
    register(client)
    response = change(client, current="not-my-password-1")
    assert response.status_code == 400
    assert parse(response.text).html_lang == i18n.LANGUAGES[language].html_lang
    assert 'id="current_password-error"' in response.text
    if language == "en":
        assert "This is not your current password." in response.text
    assert response.context["form"].errors.keys() == {"current_password"}
    assert NEW not in response.text  # passwords never come back in the page
    assert verify_password(the_user(settings).password_hash, GOOD["password"])[0]
    assert not rows(settings, AuditEntry)


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-1", "Use at least 10 characters."),
        ("password123", "This password is too common and easy to guess. Choose another."),
        ("li.wei@example.cn", "Your password must not be your email address."),
        ("", "Choose a password."),
    ],
    ids=["short", "common", "email", "empty"],
)
def test_a_weak_new_password_is_refused_with_the_registration_rules(
    client, settings, language, new, message
):
    client.cookies.set("portal_language", language)
    register(client)
    response = change(client, new=new)
    assert response.status_code == 400
    with i18n.use_locale(language):
        expected = i18n.gettext(message)
    assert f'id="new_password-error">{expected}<' in response.text
    if language == "zh_Hans":
        assert expected != message
    assert verify_password(the_user(settings).password_hash, GOOD["password"])[0]


def test_current_password_is_required(signed_in, settings):
    response = change(signed_in, current="")
    assert response.status_code == 400
    assert "Enter your current password." in response.text


def test_success_signs_out_every_other_device_mails_and_audits(app, signed_in, settings):
    laptop = signed_in_elsewhere(app)
    assert laptop.get("/account", follow_redirects=False).status_code == 200

    response = change(signed_in)
    assert (response.status_code, response.headers["location"]) == (303, f"{URL}?changed=1")
    page = signed_in.get(f"{URL}?changed=1")
    assert "Your password has been changed. Every other device was signed out." in page.text

    # This device stays signed in; the laptop's cookie no longer works.
    assert signed_in.get("/account", follow_redirects=False).status_code == 200
    gone = laptop.get("/account", follow_redirects=False)
    assert (gone.status_code, gone.headers["location"]) == (303, "/login?next=/account")
    laptop.__exit__(None, None, None)

    user = the_user(settings)
    assert verify_password(user.password_hash, NEW)[0]
    assert not verify_password(user.password_hash, GOOD["password"])[0]
    (entry,) = rows(settings, AuditEntry)
    assert (entry.record, entry.field, entry.action) == ("account", "password", "changed")
    mail = rows(settings, OutboxMessage)[-1]
    assert mail.recipient == "Li.Wei@example.cn"
    assert mail.subject == "Your password was changed"
    assert "stays signed in" in mail.text_body
    assert "/password/forgot" in mail.text_body
    assert NEW not in mail.text_body
    with TestClient(app) as fresh:
        assert log_in(fresh, GOOD["email"], NEW).status_code == 303


def test_the_mail_is_in_the_preferred_language(client, settings):
    client.cookies.set("portal_language", "zh_Hans")
    register(client)
    change(client)
    mail = rows(settings, OutboxMessage)[-1]
    with i18n.use_locale("zh_Hans"):
        expected = i18n.gettext("Your password was changed")
    assert mail.subject == expected != "Your password was changed"


def test_wrong_current_passwords_share_the_login_throttle(app, signed_in, settings):
    for _ in range(4):
        assert change(signed_in, current="guess-number-x").status_code == 400
    fifth = change(signed_in, current="guess-number-x")
    assert fifth.status_code == 429
    assert int(fifth.headers["Retry-After"]) > 0
    assert "Too many attempts" in fifth.text
    # Locked now even with the right password, here and at /login.
    assert change(signed_in).status_code == 429
    with TestClient(app) as other:
        assert log_in(other, GOOD["email"], GOOD["password"]).status_code == 429
    assert verify_password(the_user(settings).password_hash, GOOD["password"])[0]


def test_a_wechat_account_adds_a_password_without_a_current_one(app, settings):
    client = wechat_user(app, settings, email="wx.user@example.cn")
    page = client.get(URL)
    assert page.context["mode"] == "add"
    assert 'name="current_password"' not in page.text
    assert parse(page.text).html_lang == "zh-Hans"

    response = change(client, current=None)
    assert (response.status_code, response.headers["location"]) == (303, f"{URL}?added=1")
    user = next(u for u in rows(settings, User) if u.wechat_openid)
    assert verify_password(user.password_hash, NEW)[0]
    assert [(a.field, a.action) for a in rows(settings, AuditEntry)] == [("password", "added")]
    mail = rows(settings, OutboxMessage)[-1]
    assert mail.recipient == "wx.user@example.cn"
    assert 'lang="zh-Hans"' in mail.html_body
    # Now it has a password: the next change asks for it.
    assert client.get(URL).context["mode"] == "change"
    with TestClient(app) as fresh:
        assert log_in(fresh, "wx.user@example.cn", NEW).status_code == 303
    client.__exit__(None, None, None)


def test_a_wechat_account_without_an_email_is_told_why_it_cannot(app, settings):
    client = wechat_user(app, settings, email=None, language="en")
    page = client.get(URL)
    assert page.context["mode"] == "needs_email"
    assert "Adding an email address to an account is not possible on the website yet" in page.text
    assert not [f for f in parse(page.text).forms if f.action == URL]
    response = change(client, current=None)
    assert response.status_code == 400
    assert next(u for u in rows(settings, User) if u.wechat_openid).password_hash is None
    assert not rows(settings, AuditEntry)
    client.__exit__(None, None, None)


@pytest.mark.parametrize(
    "data",
    [
        {"current_password": "x" * 10_000, "new_password": "y" * 10_000},
        {"current_password": GOOD["password"] + "\x00", "new_password": "\x00" * 20},
        {},
        {"current_password": ["a", "b"], "new_password": [NEW, "other-password-2"]},
    ],
    ids=["long", "nul", "missing", "repeated"],
)
def test_hostile_input_never_a_server_error(signed_in, settings, data):
    token = parse(signed_in.get(URL).text).meta["csrf-token"]
    response = signed_in.post(URL, data={"csrf_token": token, **data}, follow_redirects=False)
    assert response.status_code in {303, 400}


def test_a_wrong_current_password_and_a_weak_new_one_are_both_reported_at_once(client, settings):
    """Every field's error in one pass: the customer should not fix the new password only to
    learn then that the current one was wrong."""
    register(client)
    response = change(client, current="not-my-password-1", new="short-1")
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"current_password", "new_password"}
    assert "This is not your current password." in response.text
    assert 'id="new_password-error">Use at least 10 characters.<' in response.text
    assert verify_password(the_user(settings).password_hash, GOOD["password"])[0]
    assert not rows(settings, AuditEntry)


def test_a_right_current_password_with_a_weak_new_one_reports_only_the_new_one(client, settings):
    register(client)
    response = change(client, new="short-1")
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"new_password"}
    assert verify_password(the_user(settings).password_hash, GOOD["password"])[0]
