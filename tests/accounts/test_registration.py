"""Registration, email verification, login, sessions and logout, as a customer meets them."""

from __future__ import annotations

import asyncio
import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from bench._visitor import USER as BENCH_USER
from portal.accounts.models import LoginSession, User
from portal.accounts.sessions import SESSION_COOKIE
from portal.db import create_engine, session_factory
from portal.mail.models import OutboxMessage
from portal.privacy.models import ConsentRecord
from tests.support.accounts import GOOD, register
from tests.support.forms import post_form
from tests.support.records import rows, run


def test_registration_creates_the_account_signs_in_and_records_consent(client, settings):
    response = register(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/account?welcome=1"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "expires" not in cookie.lower()  # no "remember me": a browser-session cookie
    (user,) = rows(settings, User)
    assert user.email == "Li.Wei@example.cn"  # the domain is normalized, the local part kept
    assert user.phone == "+8613812345678"
    assert user.preferred_language == "en"
    assert user.password_hash.startswith("$argon2id$")
    # The policy agreed to, and full legal capacity confirmed (policy section 6).
    records = [(r.kind, r.policy_version, r.channel) for r in rows(settings, ConsentRecord)]
    assert records == [
        ("policy_consent", "1.1", "website"),
        ("capacity_declared", "1.1", "website"),
    ]
    account = client.get("/account")
    assert account.status_code == 200
    assert account.template.name == "accounts/account.html"
    assert "李伟" in account.text


def test_the_preferred_language_starts_as_the_language_of_the_page(client, settings):
    client.cookies.set("portal_language", "zh_Hans")
    register(client)
    (user,) = rows(settings, User)
    assert user.preferred_language == "zh_Hans"
    (mail,) = rows(settings, OutboxMessage)
    assert mail.subject == "请确认您的邮箱地址"


def test_a_second_registration_with_the_same_address_is_refused(client, settings):
    register(client)
    client.cookies.clear()
    response = register(client, email="li.wei@EXAMPLE.cn", name="Someone else")
    assert response.status_code == 400
    assert "already has an account" in str(response.context["form"].email.errors[0])
    assert len(rows(settings, User)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter your name."),
        ("email", "not-an-address", "Enter an email address like name@example.com."),
        (
            "phone",
            "12345",
            "Enter a mobile number such as 138 1234 5678, or +852 … for other regions.",
        ),
        ("phone", "021 6123 4567", "Enter a mobile number: we send order updates by text message."),
        # phonenumbers would read letters as keypad digits (T=8, E=3): a typo, not a number.
        ("phone", "138 TEST 5678", "Enter the number in digits: a phone number has no letters."),
        ("phone", "+852 6123 ABCD", "Enter the number in digits: a phone number has no letters."),
        (
            "phone",
            "138 1234 5678 ext 9",
            "Enter the number in digits: a phone number has no letters.",
        ),
        ("customer_type", "pirate", "Choose the type that describes you."),
        (
            "password",
            "woaini1314",
            "This password is too common and easy to guess. Choose another.",
        ),
        (
            "policy_consent",
            None,
            "You can only register after agreeing to the Data Protection Policy.",
        ),
        (
            "legal_capacity",
            None,
            "Our services are for companies and adults with full legal capacity. A minor's parent or guardian can write to us at info@xometry.asia.",
        ),
    ],
)
def test_bad_input_is_explained_beside_its_field_and_kept(client, settings, field, value, message):
    response = register(client, **{field: value})
    assert response.status_code == 400
    form = response.context["form"]
    assert str(form[field].errors[0]) == message
    assert 'value="李伟"' in response.text or field == "name"
    assert GOOD["password"] not in response.text  # never echo the password
    assert rows(settings, User) == []


def test_other_regions_need_a_plus(client, settings):
    assert register(client, phone="+852 6123 4567").status_code == 303
    (user,) = rows(settings, User)
    assert user.phone == "+85261234567"


def test_the_verification_link_in_the_mail_verifies_the_address(client, settings, smtp_server):
    from portal.mail.sender import MailConfig, send_due

    register(client)

    async def deliver():
        engine = create_engine(settings.database_url)
        config = MailConfig("smtp", "no-reply@xometry.asia", smtp_server.host, smtp_server.port)
        await send_due(session_factory(engine), config)
        await engine.dispose()

    asyncio.run(deliver())
    (message,) = smtp_server.wait_for(1)
    link = re.search(
        r"https?://\S+/verify-email\?token=\S+", message.get_body(("plain",)).get_content()
    )[0]
    # Links end up in access logs, and a signed token is readable by anyone: no address in it.
    token = link.split("token=", 1)[1]
    _, payload = URLSafeTimedSerializer("any key: the payload is only signed").loads_unsafe(token)
    assert "li.wei" not in repr(payload).lower()
    assert "cannot request quotes" in client.get("/account").text
    path = link.split("/verify-email", 1)[1].join(["/verify-email", ""])
    page = client.get(path)
    assert page.context["state"] == "confirm"  # opening the link shows a button, no more
    assert rows(settings, User)[0].email_verified_at is None
    post_form(client, "/verify-email", {"token": path.split("token=", 1)[1]}, page=path)
    response = client.get(path)
    assert response.status_code == 200
    assert response.context["state"] == "confirmed"
    assert "Until then you cannot request quotes." not in response.text  # no stale reminder
    (user,) = rows(settings, User)
    assert user.email_verified_at is not None
    assert "cannot request quotes" not in client.get("/account").text


def test_until_the_address_is_confirmed_every_page_says_so(client, settings):
    register(client)
    for path in ("/", "/policy", "/account/information", "/account/addresses"):
        page = client.get(path).text
        assert "Until then you cannot request quotes." in page, path
        assert 'action="/verify-email/resend"' in page, path
    # /account shows the notice once, in full, rather than the strip as well.
    assert client.get("/account").text.count("Until then you cannot request quotes.") == 1

    async def confirm(session):
        (user,) = await session.scalars(select(User))
        user.email_verified_at = user.created_at
        await session.commit()

    run(settings, confirm)
    assert "Until then you cannot request quotes." not in client.get("/").text


def test_a_tampered_verification_link_does_not_work(client, settings):
    register(client)
    response = client.get("/verify-email?token=eyJ1c2VyIjoxfQ.forged.signature")
    assert response.status_code == 400
    assert rows(settings, User)[0].email_verified_at is None


def test_login_with_remember_me_gives_a_30_day_cookie_and_a_new_session_id(client, settings):
    register(client)
    first = client.cookies.get(SESSION_COOKIE)
    response = post_form(
        client,
        "/login?next=/account",
        {"email": "li.wei@example.cn", "password": GOOD["password"], "remember": "y"},
        page="/login",
    )
    # Signed in already: the login page redirects, but the POST still signs in afresh.
    assert response.status_code == 303
    assert "Max-Age=2592000" in response.headers["set-cookie"]
    assert client.cookies.get(SESSION_COOKIE) != first
    sessions = rows(settings, LoginSession)
    assert sum(1 for s in sessions if s.revoked_at is None) == 1  # the old id was ended


def test_a_failed_login_does_not_say_which_part_was_wrong(client, settings):
    register(client)
    client.cookies.clear()
    wrong_password = post_form(
        client, "/login", {"email": GOOD["email"], "password": "nope-nope-nope"}, page="/login"
    )
    no_account = post_form(
        client,
        "/login",
        {"email": "nobody@example.cn", "password": "nope-nope-nope"},
        page="/login",
    )
    assert wrong_password.status_code == no_account.status_code == 400
    assert wrong_password.context["failed"]
    assert no_account.context["failed"]
    assert GOOD["email"] in wrong_password.text  # the address is kept
    assert "nope-nope-nope" not in wrong_password.text


def test_logout_ends_the_session_on_the_server(client, settings):
    register(client)
    cookie = client.cookies.get(SESSION_COOKIE)
    response = post_form(client, "/logout", {}, page="/account")
    assert response.status_code == 303
    assert client.get("/account", follow_redirects=False).headers["location"].startswith("/login")
    client.cookies.set(SESSION_COOKIE, cookie)  # a copied cookie is useless after logout
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_the_personal_center_needs_a_signed_in_user(client):
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"


def test_a_forged_session_cookie_is_ignored(client):
    client.cookies.set(SESSION_COOKIE, "forged.cookie")
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_the_users_preferred_language_drives_every_page(client, settings):
    client.cookies.set("portal_language", "zh_Hans")
    register(client)
    client.cookies.set("portal_language", "en")  # the cookie no longer decides
    assert '<html lang="zh-Hans">' in client.get("/policy").text


def test_the_benchmark_registers_through_todays_form(client):
    """``make bench`` signs its visitor up through this form: it must keep up with the form."""
    response = post_form(client, "/register", BENCH_USER, page="/register")
    assert response.status_code == 303
