"""Forgotten passwords: the same answer for every address, a single-use link valid for an hour."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from portal.accounts import password_reset
from portal.accounts.models import LoginSession, PasswordResetToken, User
from portal.accounts.sessions import SESSION_COOKIE
from portal.db import utcnow
from portal.mail.models import OutboxMessage
from tests.support.accounts import GOOD, log_in, register
from tests.support.forms import post_form
from tests.support.html import parse
from tests.support.records import rows

NEW_PASSWORD = "lathe-and-anvil-77"


def forgot(client, email):
    return post_form(client, "/password/forgot", {"email": email}, page="/password/forgot")


def reset_mails(settings):
    return [m for m in rows(settings, OutboxMessage) if "/password/reset?token=" in m.text_body]


def token_from(mail: OutboxMessage) -> str:
    return re.search(r"/password/reset\?token=([\w-]+)", mail.text_body)[1]


def reset(client, token, password=NEW_PASSWORD):
    return post_form(
        client,
        "/password/reset",
        {"token": token, "password": password},
        page=f"/password/reset?token={token}",
    )


@pytest.fixture
def token(client, settings):
    """A registered user (signed out) who asked for a link; the token in the mail."""
    register(client)
    client.cookies.clear()
    forgot(client, GOOD["email"])
    (mail,) = reset_mails(settings)
    return token_from(mail)


def test_the_login_page_links_to_the_forgotten_password_page(client):
    assert "/password/forgot" in parse(client.get("/login").text).links


def test_every_address_gets_the_same_answer_and_only_an_account_gets_mail(client, settings):
    register(client)
    client.cookies.clear()
    known = forgot(client, "LI.WEI@example.cn")
    unknown = forgot(client, "nobody@example.cn")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/password/forgot?sent=1"
    page = client.get("/password/forgot?sent=1")
    assert page.template.name == "accounts/password_forgot.html"
    assert page.context["sent"] is True
    assert "If an account exists for the address you entered" in page.text
    (mail,) = reset_mails(settings)
    assert mail.recipient == "Li.Wei@example.cn"
    assert mail.subject == "Choose a new password"
    assert "The link works for 1 hour and only once." in mail.text_body
    assert 'lang="en"' in mail.html_body


def test_the_mail_is_in_the_users_preferred_language(client, settings):
    client.cookies.set("portal_language", "zh_Hans")
    register(client)
    client.cookies.clear()  # the page that asks is in English; the mail follows the account
    forgot(client, GOOD["email"])
    (mail,) = reset_mails(settings)
    assert '<html lang="zh-Hans">' in mail.html_body


@pytest.mark.parametrize(
    ("lifetime", "english", "chinese"),
    [
        (timedelta(hours=1), "1 hour", "1 小时"),
        (timedelta(hours=2), "2 hours", "2 小时"),
        (timedelta(minutes=90), "90 minutes", "90 分钟"),
    ],
)
@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_the_mail_and_the_pages_say_how_long_a_link_works_in_the_same_words(
    client, settings, monkeypatch, lifetime, english, chinese, language
):
    monkeypatch.setattr(password_reset, "RESET_LIFETIME", lifetime)
    sentence = {
        "en": f"The link works for {english} and only once.",
        "zh_Hans": f"该链接 {chinese}内有效，且只能使用一次。",
    }[language]
    client.cookies.set("portal_language", language)
    register(client)  # the account's language, which the mail follows, is the page's
    client.cookies.clear()
    client.cookies.set("portal_language", language)
    forgot(client, GOOD["email"])
    (mail,) = reset_mails(settings)
    assert sentence in mail.text_body
    assert sentence in mail.html_body
    assert sentence in client.get("/password/forgot?sent=1").text
    assert sentence in client.get("/password/reset?token=not-a-token").text


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Enter your email address."), ("not-an-address", "Enter an email address like")],
)
def test_a_bad_address_is_explained_beside_the_field(client, email, message):
    response = forgot(client, email)
    assert response.status_code == 400
    assert response.context["sent"] is False
    assert str(response.context["form"].email.errors[0]).startswith(message)
    assert f'value="{email}"' in response.text


def test_the_link_opens_a_form_for_a_new_password(client, token):
    response = client.get(f"/password/reset?token={token}")
    assert response.status_code == 200
    assert response.template.name == "accounts/password_reset.html"
    assert response.context["valid"] is True
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    [form] = [f for f in parse(response.text).forms if f.action == "/password/reset"]
    assert form.fields["token"] == token
    assert "password" in form.fields


def test_a_new_password_ends_every_session_signs_in_afresh_and_sends_a_notice(
    client, settings, token, app
):
    other_device = TestClient(app)
    assert log_in(other_device, GOOD["email"], GOOD["password"]).status_code == 303
    response = reset(client, token)
    assert response.status_code == 303
    assert response.headers["location"] == "/account?password_changed=1"
    assert client.cookies.get(SESSION_COOKIE)
    page = client.get("/account?password_changed=1")
    assert page.context["password_changed"] is True
    assert "Your password has been changed." in page.text
    # The other device was signed out; only this browser's new session is left.
    assert other_device.get("/account", follow_redirects=False).status_code == 303
    assert sum(1 for s in rows(settings, LoginSession) if s.revoked_at is None) == 1
    client.cookies.clear()
    assert log_in(client, GOOD["email"], GOOD["password"]).status_code == 400
    assert log_in(client, GOOD["email"], NEW_PASSWORD).status_code == 303
    notice = [m for m in rows(settings, OutboxMessage) if m.subject == "Your password was changed"]
    assert len(notice) == 1
    assert "/password/forgot" in notice[0].text_body


def test_a_link_works_only_once(client, settings, token):
    assert reset(client, token).status_code == 303
    client.cookies.clear()
    again = client.get(f"/password/reset?token={token}")
    assert again.status_code == 400
    assert again.context["valid"] is False
    response = reset(client, token, "another-strong-one-9")
    assert response.status_code == 400
    assert response.context["valid"] is False
    assert log_in(client, GOOD["email"], NEW_PASSWORD).status_code == 303


def test_a_link_expires_after_an_hour(client, settings, token, monkeypatch):
    later = utcnow() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(password_reset, "utcnow", lambda: later)
    assert client.get(f"/password/reset?token={token}").status_code == 400
    assert reset(client, token).status_code == 400
    # The old password still works: nothing was changed.
    assert log_in(client, GOOD["email"], GOOD["password"]).status_code == 303


def test_a_newer_link_replaces_the_older_one(client, settings, token):
    forgot(client, GOOD["email"])
    newer = token_from(reset_mails(settings)[-1])
    assert newer != token
    assert client.get(f"/password/reset?token={token}").status_code == 400
    assert client.get(f"/password/reset?token={newer}").status_code == 200
    assert len(rows(settings, PasswordResetToken)) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters."),
        ("password123", "This password is too common and easy to guess. Choose another."),
        ("li.wei@example.cn", "Your password must not be your email address."),
        ("", "Choose a password."),
    ],
)
def test_the_password_rules_apply_and_the_link_stays_usable(client, token, password, message):
    response = reset(client, token, password)
    assert response.status_code == 400
    assert response.context["valid"] is True
    assert str(response.context["form"].password.errors[0]) == message
    [form] = [f for f in parse(response.text).forms if f.action == "/password/reset"]
    assert form.fields["password"] == ""  # never echoed
    assert form.fields["token"] == token
    assert reset(client, token).status_code == 303


@pytest.mark.parametrize("bad", ["", "forged", "x" * 500])
def test_a_forged_link_does_not_work(client, settings, token, bad):
    assert client.get(f"/password/reset?token={bad}").status_code == 400
    response = reset(client, bad)
    assert response.status_code == 400
    assert response.context["valid"] is False


def test_a_reset_lifts_a_login_lockout(client, settings, token):
    for _ in range(5):
        log_in(client, GOOD["email"], "wrong-password-1")
    assert log_in(client, GOOD["email"], GOOD["password"]).status_code == 429
    assert reset(client, token).status_code == 303
    client.cookies.clear()
    assert log_in(client, GOOD["email"], NEW_PASSWORD).status_code == 303


def test_links_are_limited_to_three_an_hour_per_address_known_or_not(client, settings):
    register(client)
    client.cookies.clear()
    for email in (GOOD["email"], "nobody@example.cn"):
        assert [forgot(client, email).status_code for _ in range(3)] == [303] * 3
        refused = forgot(client, email)
        assert refused.status_code == 429
        assert refused.context["retry_minutes"] == 60
        assert refused.context["form"].email.data.lower() == email.lower()
    assert len(reset_mails(settings)) == 3


def test_an_unknown_address_costs_the_same_work_as_a_known_one(client, app, settings, monkeypatch):
    """Timing must not tell whether an address has an account: both make a token, hash it,
    render the mail and run the same queries; only the two rows of a real link are not added."""
    register(client)
    client.cookies.clear()
    forgot(client, "warm-up@example.cn")  # the first request compiles what later ones reuse
    calls: list[str] = []
    statements: list[str] = []
    for name in ("new_token", "render_mail"):
        original = getattr(password_reset, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(password_reset, name, counted)

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()[:4]))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        work = {}
        for email in (GOOD["email"], "nobody@example.cn"):
            calls.clear()
            statements.clear()
            assert forgot(client, email).status_code == 303
            work[email] = (list(calls), list(statements))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    (known_calls, known_sql), (unknown_calls, unknown_sql) = work.values()
    assert known_calls == unknown_calls == ["new_token", "render_mail"]
    inserts = [s for s in known_sql if s.startswith("INSERT INTO password_reset_tokens")] + [
        s for s in known_sql if s.startswith("INSERT INTO mail_outbox")
    ]
    assert len(inserts) == 2
    assert [s for s in known_sql if s not in inserts] == unknown_sql
    assert len(reset_mails(settings)) == 1


def test_a_completed_reset_confirms_the_address(client, settings, token):
    """The link came to the mailbox, so using it proves the address as the verification link
    would: the account is then confirmed (and no longer expires unconfirmed)."""
    (user,) = rows(settings, User)
    assert user.email_verified_at is None
    assert reset(client, token).status_code == 303
    (user,) = rows(settings, User)
    assert user.email_verified_at is not None
