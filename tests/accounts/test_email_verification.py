"""Confirming an address: the link shows a button, the button confirms, and confirming ends the
sessions of whoever registered it, so a stranger who registered someone else's address and let
a mail scanner follow the link keeps nothing."""

from __future__ import annotations

import re

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.crypto import address_tag
from portal.mail.models import OutboxMessage
from tests.support.accounts import GOOD, register, rows
from tests.support.forms import csrf_token, post_form
from tests.support.html import parse


def verification_path(settings) -> str:
    (mail,) = [m for m in rows(settings, OutboxMessage) if "/verify-email?token=" in m.text_body]
    return re.search(r"/verify-email\?token=[\w.-]+", mail.text_body)[0]


def token_of(path: str) -> str:
    return path.split("token=", 1)[1]


def confirm(client: TestClient, path: str):
    """Open the link, and press the button on the page it shows."""
    page = client.get(path)
    assert page.status_code == 200
    return post_form(client, "/verify-email", {"token": token_of(path)}, token=csrf_token(page))


def verified(settings) -> bool:
    (user,) = rows(settings, User)
    return user.email_verified_at is not None


def signed_in(client: TestClient) -> bool:
    return client.get("/account", follow_redirects=False).status_code == 200


def test_opening_the_link_shows_a_button_and_changes_nothing(client, app, settings):
    register(client)
    path = verification_path(settings)
    with TestClient(app) as scanner:  # a mail provider's link scanner: a plain GET, no cookies
        page = scanner.get(path)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    forms = [form for form in parse(page.text).forms if form.action == "/verify-email"]
    assert len(forms) == 1
    assert forms[0].fields["token"] == token_of(path)
    assert "Li.Wei@example.cn" in page.text  # the page says which address it confirms
    assert not verified(settings)
    assert signed_in(client)


def test_the_button_confirms_and_ends_every_other_session(client, app, settings):
    register(client)
    path = verification_path(settings)
    with TestClient(app) as laptop:
        post_form(
            laptop,
            "/login",
            {"email": GOOD["email"], "password": GOOD["password"]},
            page="/login",
        )
        assert signed_in(laptop)
        response = confirm(client, path)
        assert response.status_code == 303
        assert response.headers["location"] == path  # back to the link, which now says so
        assert verified(settings)
        assert signed_in(client)  # the browser that confirmed stays signed in
        assert not signed_in(laptop)  # every session opened before it ended
    page = client.get(path)
    assert page.status_code == 200
    assert "Email address confirmed" in page.text
    assert "/verify-email" not in [form.action for form in parse(page.text).forms]


def test_confirming_while_signed_out_ends_every_session_of_the_account(client, app, settings):
    register(client)  # the registrant stays signed in ...
    path = verification_path(settings)
    with TestClient(app) as owner:  # ... and the mailbox's owner, not signed in, confirms
        assert confirm(owner, path).status_code == 303
        page = owner.get(path)
        assert "Email address confirmed" in page.text
        links = parse(page.text).links
        assert "/login" in links
        assert "/password/forgot" in links  # "did not register it yourself? choose a password"
    assert verified(settings)
    assert not signed_in(client)


def test_confirming_while_signed_in_to_another_account_ends_every_session_of_this_one(
    client, app, settings
):
    register(client)
    path = verification_path(settings)
    with TestClient(app) as other:
        register(other, email="wang.fang@example.cn")
        assert confirm(other, path).status_code == 303
        assert signed_in(other)  # their own account is not touched
    assert not signed_in(client)
    li = next(user for user in rows(settings, User) if user.email_key == "li.wei@example.cn")
    assert li.email_verified_at is not None


def test_a_second_press_changes_nothing(client, app, settings):
    register(client)
    path = verification_path(settings)
    assert confirm(client, path).status_code == 303
    with TestClient(app) as laptop:
        post_form(
            laptop,
            "/login",
            {"email": GOOD["email"], "password": GOOD["password"]},
            page="/login",
        )
        with TestClient(app) as stranger:  # the link again, later: the address is confirmed
            assert confirm(stranger, path).status_code == 303
        assert signed_in(laptop)


def expired_token(settings, user: User) -> str:
    days = settings.unverified_account_days

    class TooOld(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - days * 24 * 3600 - 60

    serializer = URLSafeTimedSerializer(
        settings.secret_key, salt="portal.verify-email", signer=TooOld
    )
    return serializer.dumps(
        {"user": user.id, "address": address_tag(settings.secret_key, user.email_key)}
    )


def test_a_bad_or_expired_link_says_so_and_changes_nothing(client, settings):
    register(client)
    (user,) = rows(settings, User)
    for token in ("eyJ1c2VyIjoxfQ.forged.signature", expired_token(settings, user), ""):
        page = client.get(f"/verify-email?token={token}")
        assert page.status_code == 400
        assert "This link does not work" in page.text
        response = post_form(client, "/verify-email", {"token": token}, page="/account")
        assert response.status_code == 400
    assert post_form(client, "/verify-email", {}, page="/account").status_code == 400
    assert not verified(settings)
    assert signed_in(client)


def test_the_link_works_for_the_days_the_account_waits(client, settings):
    register(client)
    (user,) = rows(settings, User)

    class AlmostTooOld(TimestampSigner):
        def get_timestamp(self) -> int:
            days = settings.unverified_account_days
            return super().get_timestamp() - days * 24 * 3600 + 600

    serializer = URLSafeTimedSerializer(
        settings.secret_key, salt="portal.verify-email", signer=AlmostTooOld
    )
    token = serializer.dumps(
        {"user": user.id, "address": address_tag(settings.secret_key, user.email_key)}
    )
    assert confirm(client, f"/verify-email?token={token}").status_code == 303
    assert verified(settings)


def test_the_mail_and_the_welcome_page_say_how_long_and_what_happens_after(client, settings):
    response = register(client)
    days = settings.unverified_account_days
    assert days == 7
    (mail,) = rows(settings, OutboxMessage)
    text = " ".join(mail.text_body.split())
    assert "The link works for 7 days." in text
    assert "is not confirmed within 7 days of registering, we delete the account" in text
    welcome = " ".join(client.get(response.headers["location"]).text.split())
    assert "The link in it works for 7 days" in welcome
    assert "we delete the account" in welcome


def test_the_mail_and_the_welcome_page_are_translated(client, settings):
    client.cookies.set("portal_language", "zh_Hans")
    response = register(client)
    (mail,) = rows(settings, OutboxMessage)
    assert "7 天" in mail.text_body
    assert "删除" in mail.text_body
    welcome = client.get(response.headers["location"]).text
    assert "7 天" in welcome
    assert "删除" in welcome


def test_the_link_names_the_address_and_no_longer_verifies_another(client, settings):
    """A link sent to one address cannot confirm another (the address tag is in the token)."""
    register(client)
    (user,) = rows(settings, User)
    token = URLSafeTimedSerializer(settings.secret_key, salt="portal.verify-email").dumps(
        {"user": user.id, "address": address_tag(settings.secret_key, "someone@else.cn")}
    )
    assert client.get(f"/verify-email?token={token}").status_code == 400
