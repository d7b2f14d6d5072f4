"""Unsubscribing from email subscriptions: on the page, and RFC 8058 one-click from a mail
provider that has no cookies and no CSRF token."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from portal.profile.models import AuditEntry
from tests.support.forms import post_form
from tests.support.records import rows
from tests.support.subscriptions import (
    PAGE,
    choose,
    ledger,
    link_in,
    mails,
    subscribe_and_confirm,
    subscriptions,
    topic_mail,
)

# -- unsubscribing ---------------------------------------------------------------------------


def test_unticking_unsubscribes_at_once_and_withdraws_the_consent(signed_in, app, settings):
    subscribe_and_confirm(signed_in, app, settings, "consent_subscription_products")
    response = choose(signed_in)
    assert (response.status_code, response.headers["location"]) == (303, f"{PAGE}?saved=1")
    assert subscriptions(settings) == {}
    assert ledger(settings)[-1] == ("consent_withdrawn", "subscription_products", "website")
    assert [(a.field, a.action) for a in rows(settings, AuditEntry)][-1] == ("products", "removed")
    assert "Your choices are saved." in signed_in.get(f"{PAGE}?saved=1").text


def test_htmx_gets_the_block_alone(signed_in, settings):
    token = signed_in.get(PAGE)
    response = choose(signed_in, "consent_subscription_discounts", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="subscriptions">')
    assert "Waiting for your confirmation" in response.text
    assert token.status_code == 200


def test_the_page_needs_a_signed_in_user(client):
    response = client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_one_click_unsubscribe_without_cookies_or_csrf_token(signed_in, app, settings):
    subscribe_and_confirm(signed_in, app, settings, "consent_subscription_products")
    topic_mail(settings)
    mail = mails(settings)[-1]
    link = link_in(mail, "/subscriptions/unsubscribe")
    headers = json.loads(mail.headers)
    assert headers["List-Unsubscribe"] == f"<{settings.base_url}{link}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    with TestClient(app) as scanner:  # a GET (a link scanner, a preview) changes nothing
        page = scanner.get(link)
        assert page.status_code == 200
        assert "New products" in page.text
    assert subscriptions(settings) == {"products": True}

    with TestClient(app) as provider:  # the mail provider: no cookie, no token, no Origin
        for _ in range(2):  # and idempotent
            response = provider.post(
                link,
                content=b"List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code == 200
            assert "set-cookie" not in response.headers
            assert not provider.cookies
    assert subscriptions(settings) == {}
    withdrawals = [entry for entry in ledger(settings) if entry[0] == "consent_withdrawn"]
    assert withdrawals == [("consent_withdrawn", "subscription_products", "email")]


def test_one_click_as_multipart_too(signed_in, app, settings):
    subscribe_and_confirm(signed_in, app, settings, "consent_subscription_products")
    topic_mail(settings)
    link = link_in(mails(settings)[-1], "/subscriptions/unsubscribe")
    with TestClient(app) as provider:
        response = provider.post(link, files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200
    assert subscriptions(settings) == {}


def test_the_exemption_is_exactly_one_click(signed_in, app, settings):
    subscribe_and_confirm(signed_in, app, settings, "consent_subscription_products")
    topic_mail(settings)
    link = link_in(mails(settings)[-1], "/subscriptions/unsubscribe")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with TestClient(app) as stranger:
        for body in (b"List-Unsubscribe=One-Click&x=1", b"List-Unsubscribe=Yes", b""):
            assert stranger.post(link, content=body, headers=form).status_code == 403
        files = {"List-Unsubscribe": (None, "One-Click"), "more": (None, "1")}
        assert stranger.post(link, files=files).status_code == 403
        # Exactly the body, but to another path, or without a token: refused as usual.
        assert (
            stranger.post(
                "/language", content=b"List-Unsubscribe=One-Click", headers=form
            ).status_code
            == 403
        )
        path = "/subscriptions/unsubscribe"
        assert (
            stranger.post(path, content=b"List-Unsubscribe=One-Click", headers=form).status_code
            == 403
        )
        # Exactly the body with a forged token: the route refuses it, and nothing changes.
        forged = stranger.post(
            f"{path}?token=abc.def", content=b"List-Unsubscribe=One-Click", headers=form
        )
        assert forged.status_code == 400
    assert subscriptions(settings) == {"products": True}


def test_the_unsubscribe_page_button_for_humans(signed_in, app, settings):
    subscribe_and_confirm(signed_in, app, settings, "consent_subscription_products")
    topic_mail(settings)
    link = link_in(mails(settings)[-1], "/subscriptions/unsubscribe")
    with TestClient(app) as reader:
        assert reader.post(link, data={}).status_code == 403  # the form needs the CSRF token
        response = post_form(reader, link, {}, page=link)
        assert (response.status_code, response.headers["location"]) == (303, link)
        assert "You are unsubscribed" in reader.get(link).text
    assert subscriptions(settings) == {}
    assert signed_in.get("/subscriptions/unsubscribe?token=nope").status_code == 400
