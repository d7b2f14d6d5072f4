"""Email subscriptions (policy 1.7): double opt-in by mail, the ledger, and RFC 8058 one-click
unsubscribe from a mail provider that has no cookies and no CSRF token."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from urllib.parse import urlsplit

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from starlette.testclient import TestClient

from portal import i18n
from portal.accounts.models import User
from portal.crypto import address_tag
from portal.db import create_engine, session_factory
from portal.mail.mailer import Mailer
from portal.mail.models import OutboxMessage
from portal.mail.sender import MailConfig, mail_config, send_due
from portal.privacy.models import ConsentRecord
from portal.privacy.services import subscribed_to_policy_notices
from portal.profile.models import AuditEntry, EmailSubscription
from portal.profile.subscriptions.mailing import queue_topic_mail
from portal.profile.subscriptions.services import RESEND_AFTER
from portal.profile.subscriptions.tokens import CONFIRM_DAYS, CONFIRM_SALT
from portal.templating import create_environment
from tests.support.accounts import GOOD
from tests.support.forms import post_form
from tests.support.records import rows, run

PAGE = "/account/subscriptions"
NEWS = {
    "title": {"en": "Five-axis milling is here", "zh_Hans": "五轴铣削上线"},
    "paragraphs": {"en": ["We now mill titanium."], "zh_Hans": ["我们现在可以铣削钛合金。"]},
}


def choose(client: TestClient, *fields: str, **kwargs):
    return post_form(client, PAGE, {field: "y" for field in fields}, page=PAGE, **kwargs)


def ledger(settings) -> list[tuple[str, str | None, str]]:
    return [(r.kind, r.purpose, r.channel) for r in rows(settings, ConsentRecord)[1:]]


def subscriptions(settings) -> dict[str, bool]:
    """topic -> confirmed"""
    return {row.topic: row.confirmed_at is not None for row in rows(settings, EmailSubscription)}


def mails(settings) -> list[OutboxMessage]:
    return [m for m in rows(settings, OutboxMessage) if m.subject != "Confirm your email address"]


def link_in(mail: OutboxMessage, path: str) -> str:
    found = re.search(rf"https?://\S+{re.escape(path)}\?token=\S+", mail.text_body)
    assert found, mail.text_body
    assert found[0] in mail.html_body
    parts = urlsplit(found[0])
    return f"{parts.path}?{parts.query}"


def subscribe_and_confirm(client, app, settings, *fields: str) -> None:
    choose(client, *fields)
    link = link_in(mails(settings)[-1], "/subscriptions/confirm")
    with TestClient(app) as stranger:
        post_form(stranger, "/subscriptions/confirm", {"token": _token(link)}, page=link)


def _token(link: str) -> str:
    return link.split("token=", 1)[1]


def topic_mail(settings, topic: str = "products") -> int:
    mailer = Mailer.from_settings(settings, create_environment(settings))
    return run(
        settings,
        lambda session: queue_topic_mail(
            session=session,
            topic=topic,
            template="subscription_news",
            mailer=mailer,
            context=NEWS,
        ),
    )


# -- double opt-in ---------------------------------------------------------------------------


def test_subscribing_waits_for_the_confirmation_from_one_mail(signed_in, settings):
    page = signed_in.get(PAGE)
    assert page.status_code == 200
    assert [s.chosen for s in page.context["states"]] == [False] * 5

    response = choose(signed_in, "consent_subscription_products", "consent_policy_notices")
    assert (response.status_code, response.headers["location"]) == (303, f"{PAGE}?requested=1")
    assert subscriptions(settings) == {"products": False, "policy_notices": False}
    assert ledger(settings) == []  # no consent until it is confirmed
    (mail,) = mails(settings)
    assert mail.recipient == "Li.Wei@example.cn"
    assert mail.subject == "Confirm your email subscription"
    assert "New products" in mail.text_body
    assert "Mails about updates of the Data Protection Policy" in mail.text_body
    assert json.loads(mail.headers) == {}  # a confirmation is not a list mail
    audit = [(a.record, a.field, a.action) for a in rows(settings, AuditEntry)]
    assert audit == [
        ("subscription", "products", "added"),
        ("subscription", "policy_notices", "added"),
    ]

    page = signed_in.get(f"{PAGE}?requested=1")
    assert "Waiting for your confirmation" in page.text
    assert "Open the link in it to confirm" in page.text
    # Choosing the same again sends no second mail.
    choose(signed_in, "consent_subscription_products", "consent_policy_notices")
    assert len(mails(settings)) == 1


def test_the_link_shows_a_button_and_the_button_confirms_without_signing_in(
    signed_in, app, settings
):
    choose(signed_in, "consent_subscription_updates", "consent_subscription_discounts")
    link = link_in(mails(settings)[0], "/subscriptions/confirm")

    with TestClient(app) as other_device:  # not signed in: the token names the user
        page = other_device.get(link)
        assert page.status_code == 200
        assert page.template.name == "profile/subscriptions/confirm.html"
        assert 'action="/subscriptions/confirm"' in page.text
        assert subscriptions(settings) == {"updates": False, "discounts": False}  # a GET: nothing

        response = post_form(
            other_device, "/subscriptions/confirm", {"token": _token(link)}, page=link
        )
        assert response.status_code == 303
        assert response.headers["location"] == link
        assert subscriptions(settings) == {"updates": True, "discounts": True}
        assert ledger(settings) == [
            ("consent_granted", "subscription_updates", "email"),
            ("consent_granted", "subscription_discounts", "email"),
        ]
        done = other_device.get(link)
        assert "Your subscription is confirmed" in done.text
        assert 'action="/subscriptions/confirm"' not in done.text

        # Pressing again (or a second tab) records nothing twice.
        post_form(other_device, "/subscriptions/confirm", {"token": _token(link)}, page=link)
        assert len(ledger(settings)) == 2

    states = {s.topic: s for s in signed_in.get(PAGE).context["states"]}
    assert states["updates"].subscribed
    assert states["discounts"].subscribed
    assert not states["products"].chosen
    assert "Subscribed since" in signed_in.get(PAGE).text


def test_confirming_only_confirms_what_is_still_pending(signed_in, app, settings):
    choose(signed_in, "consent_subscription_updates", "consent_subscription_promotions")
    link = link_in(mails(settings)[0], "/subscriptions/confirm")
    choose(signed_in, "consent_subscription_updates")  # promotions unticked before confirming
    post_form(signed_in, "/subscriptions/confirm", {"token": _token(link)}, page=link)
    assert subscriptions(settings) == {"updates": True}
    assert ledger(settings) == [("consent_granted", "subscription_updates", "email")]


def _expired_token(settings, user_id: int, email: str, topics: list[str]) -> str:
    class EightDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - (CONFIRM_DAYS * 24 + 1) * 3600

    serializer = URLSafeTimedSerializer(settings.secret_key, salt=CONFIRM_SALT, signer=EightDaysAgo)
    return serializer.dumps(
        {"user": user_id, "address": address_tag(settings.secret_key, email), "topics": topics}
    )


def test_saving_again_resends_a_lost_confirmation_but_not_on_a_double_click(
    signed_in, app, settings
):
    choose(signed_in, "consent_subscription_updates")
    choose(signed_in, "consent_subscription_updates")  # at once: a double click
    assert len(mails(settings)) == 1

    async def five_minutes_ago(session):
        (row,) = await session.scalars(select(EmailSubscription))
        row.requested_at -= RESEND_AFTER
        await session.commit()

    run(settings, five_minutes_ago)
    response = choose(signed_in, "consent_subscription_updates")
    assert response.headers["location"].endswith("requested=1")
    _, second = mails(settings)
    assert "Updates on our services" in second.text_body
    with TestClient(app) as stranger:
        link = link_in(second, "/subscriptions/confirm")
        post_form(stranger, "/subscriptions/confirm", {"token": _token(link)}, page=link)
    assert subscriptions(settings) == {"updates": True}
    assert ledger(settings) == [("consent_granted", "subscription_updates", "email")]


def test_the_confirmation_link_does_not_carry_the_address(signed_in, settings):
    """Links end up in access logs; the token is signed, not encrypted, so anyone can read it."""
    choose(signed_in, "consent_subscription_updates")
    token = _token(link_in(mails(settings)[0], "/subscriptions/confirm"))
    payload = URLSafeTimedSerializer(settings.secret_key, salt=CONFIRM_SALT).loads(token)
    assert "li.wei" not in json.dumps(payload).lower()
    assert payload["address"] == address_tag(settings.secret_key, GOOD["email"])


def test_an_expired_or_tampered_link_says_so_and_changes_nothing(signed_in, settings):
    choose(signed_in, "consent_subscription_updates")
    link = link_in(mails(settings)[0], "/subscriptions/confirm")
    (user,) = rows(settings, User)
    expired = _expired_token(settings, user.id, user.email, ["updates"])
    tampered = _token(link)[:-2] + ("AA" if not _token(link).endswith("AA") else "BB")

    response = signed_in.get(f"/subscriptions/confirm?token={expired}")
    assert response.status_code == 400
    assert "This link has expired" in response.text
    response = post_form(signed_in, "/subscriptions/confirm", {"token": expired}, page=PAGE)
    assert response.status_code == 400
    for bad in (tampered, "", "x" * 10_000, "a.b.c"):
        assert signed_in.get("/subscriptions/confirm", params={"token": bad}).status_code == 400
        response = post_form(signed_in, "/subscriptions/confirm", {"token": bad}, page=PAGE)
        assert response.status_code == 400
        assert "This link does not work" in response.text
    assert signed_in.get("/subscriptions/confirm").status_code == 400
    assert post_form(signed_in, "/subscriptions/confirm", {}, page=PAGE).status_code == 400
    # A real unsubscribe token is no confirmation token (each has its own salt).
    assert subscriptions(settings) == {"updates": False}
    assert ledger(settings) == []


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


# -- subscription mail -----------------------------------------------------------------------


def test_a_subscription_mail_in_production_carries_https_rfc_8058_headers(
    signed_in, app, settings, tmp_path
):
    subscribe_and_confirm(signed_in, app, settings, "consent_subscription_products")
    choose(signed_in, "consent_subscription_products", "consent_subscription_updates")
    production = replace(settings, environment="production", base_url="https://www.xometry.asia")
    assert topic_mail(production) == 1  # confirmed subscribers only
    assert topic_mail(production, "updates") == 0  # pending: nothing yet

    # Through the sender's file backend (var/mail/*.eml), as development delivers.
    config = mail_config(settings)
    run(settings, lambda _: send_due(session_factory(create_engine(settings.database_url)), config))
    (eml,) = [p for p in settings.mail_dir.glob("*.eml") if b"List-Unsubscribe" in p.read_bytes()]
    message = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    header = message["List-Unsubscribe"]
    assert re.fullmatch(
        r"<https://www\.xometry\.asia/subscriptions/unsubscribe\?token=\S+>", header
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == NEWS["title"]["en"]
    link = header.strip("<>")
    assert link in message.get_body(("plain",)).get_content()
    assert f'href="{link}"' in message.get_body(("html",)).get_content()


def test_subscription_mail_over_smtp_and_in_the_readers_language(
    signed_in, app, settings, smtp_server
):
    post_form(signed_in, "/language", {"language": "zh_Hans", "next": PAGE}, page=PAGE)
    choose(signed_in, "consent_subscription_products")
    confirmation = mails(settings)[-1]
    assert 'lang="zh-Hans"' in confirmation.html_body
    assert f"{GOOD['name']}，您好" in confirmation.text_body
    with TestClient(app) as stranger:
        link = link_in(confirmation, "/subscriptions/confirm")
        post_form(stranger, "/subscriptions/confirm", {"token": _token(link)}, page=link)
    assert ledger(settings)[-1][:2] == ("consent_granted", "subscription_products")
    topic_mail(settings)
    config = MailConfig(
        backend="smtp",
        sender=settings.mail_from,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
    )
    run(settings, lambda _: send_due(session_factory(create_engine(settings.database_url)), config))
    news = [m for m in smtp_server.wait_for(3) if m["List-Unsubscribe"]]
    (message,) = news
    assert message["Subject"] == NEWS["title"]["zh_Hans"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "我们现在可以铣削钛合金。" in message.get_body(("plain",)).get_content()


def test_policy_notices_feed_the_policy_notice_mailing(signed_in, app, settings):
    def subscribed(session):
        return session.scalars(select(User.id).where(subscribed_to_policy_notices()))

    async def ids(session):
        return list(await subscribed(session))

    choose(signed_in, "consent_policy_notices")
    assert run(settings, ids) == []  # pending: not yet
    link = link_in(mails(settings)[-1], "/subscriptions/confirm")
    post_form(signed_in, "/subscriptions/confirm", {"token": _token(link)}, page=link)
    assert ledger(settings) == [("consent_granted", "policy_notices", "email")]
    assert len(run(settings, ids)) == 1
    choose(signed_in)
    assert run(settings, ids) == []
    assert i18n.KNOWN_LOCALES  # the ledger's language is one of ours
    assert {r.language for r in rows(settings, ConsentRecord)} <= set(i18n.KNOWN_LOCALES)
