"""Email subscriptions (policy 1.7): double opt-in by mail and the consent ledger. Unsubscribing
(RFC 8058 one-click from a mail provider that has no cookies and no CSRF token) is in
test_subscriptions_unsubscribe.py, the subscription mails in test_subscriptions_mail.py."""

from __future__ import annotations

import json

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.crypto import address_tag
from portal.profile.models import AuditEntry, EmailSubscription
from portal.profile.subscriptions.services import RESEND_AFTER
from portal.profile.subscriptions.tokens import CONFIRM_DAYS, CONFIRM_SALT
from tests.support.accounts import GOOD
from tests.support.forms import post_form
from tests.support.records import rows, run
from tests.support.subscriptions import (
    PAGE,
    choose,
    ledger,
    link_in,
    mails,
    subscriptions,
    token_of,
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
            other_device, "/subscriptions/confirm", {"token": token_of(link)}, page=link
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
        post_form(other_device, "/subscriptions/confirm", {"token": token_of(link)}, page=link)
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
    post_form(signed_in, "/subscriptions/confirm", {"token": token_of(link)}, page=link)
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
        post_form(stranger, "/subscriptions/confirm", {"token": token_of(link)}, page=link)
    assert subscriptions(settings) == {"updates": True}
    assert ledger(settings) == [("consent_granted", "subscription_updates", "email")]


def test_the_confirmation_link_does_not_carry_the_address(signed_in, settings):
    """Links end up in access logs; the token is signed, not encrypted, so anyone can read it."""
    choose(signed_in, "consent_subscription_updates")
    token = token_of(link_in(mails(settings)[0], "/subscriptions/confirm"))
    payload = URLSafeTimedSerializer(settings.secret_key, salt=CONFIRM_SALT).loads(token)
    assert "li.wei" not in json.dumps(payload).lower()
    assert payload["address"] == address_tag(settings.secret_key, GOOD["email"])


def test_an_expired_or_tampered_link_says_so_and_changes_nothing(signed_in, settings):
    choose(signed_in, "consent_subscription_updates")
    link = link_in(mails(settings)[0], "/subscriptions/confirm")
    (user,) = rows(settings, User)
    expired = _expired_token(settings, user.id, user.email, ["updates"])
    tampered = token_of(link)[:-2] + ("AA" if not token_of(link).endswith("AA") else "BB")

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
