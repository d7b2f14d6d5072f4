"""A material version (fewer rights, wider processing) blocks the site until the user consents,
except the pages a user needs to decide: the policy, the cookie page, logging out, the language
switch, their consent records and the rights pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.db import utcnow
from portal.mail.models import OutboxMessage
from portal.privacy.gate import is_open
from portal.profile.models import EmailSubscription
from tests.support.forms import csrf_token, post_form
from tests.support.html import parse
from tests.support.policy_updates import acknowledge, ledger, signed_in, standing
from tests.support.records import run

CONSENT = "/policy/1.2/consent"


async def outbox(session) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage)))


@pytest.mark.parametrize("path", ["/account", "/", "/account?sent=1", "/nope"])
def test_every_other_page_goes_to_the_consent_page_and_comes_back(open_site, material_update, path):
    site = open_site(material_update)
    signed_in(site, consented_to="1.1")
    response = site.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    target = path.replace("?", "%3F").replace("=", "%3D")
    assert response.headers["location"] == f"{CONSENT}?next={target}"
    assert response.headers["cache-control"] == "no-store"


def test_forms_and_htmx_requests_are_blocked_too(open_site, material_update):
    site = open_site(material_update)
    signed_in(site, consented_to="1.1")
    token = csrf_token(site.client.get("/policy"))
    form = site.client.post(
        "/account/sessions/end-others", data={"csrf_token": token}, follow_redirects=False
    )
    assert (form.status_code, form.headers["location"]) == (
        303,
        f"{CONSENT}?next=/account/sessions/end-others",
    )
    htmx = site.client.get("/account", headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx.headers["HX-Redirect"]) == (204, f"{CONSENT}?next=/account")


@pytest.mark.parametrize(
    "path",
    [
        "/policy",
        "/policy/1.1",
        "/policy/1.2/changes",
        "/policy/changes",
        "/cookies",
        "/account/consents",
        "/account/privacy/my-data",
        "/account/privacy/deregister",
        "/healthz",
        CONSENT,
    ],
)
def test_what_a_user_needs_to_decide_stays_open(open_site, material_update, path):
    site = open_site(material_update)
    signed_in(site, consented_to="1.1")
    response = site.client.get(path, follow_redirects=False)
    assert response.status_code == 200, path


def test_a_user_who_does_not_agree_can_deregister_without_agreeing(open_site, material_update):
    site = open_site(material_update)
    signed_in(site, consented_to="1.1")
    page = "/account/privacy/deregister"
    data = {"password": "milling-spindle-42", "confirm": "y"}
    response = post_form(site.client, page, data, page=page)
    assert response.status_code == 303
    assert response.headers["location"] == "/account/privacy/deregistered"


def test_the_open_paths():
    assert all(
        is_open(path)
        for path in (
            "/policy",
            "/policy/1.2/consent",
            "/cookies",
            "/logout",
            "/language",
            "/static/css/site.css",
            "/account/privacy",
            "/account/privacy/export",
            "/account/consents",
            "/subscriptions/unsubscribe",
            "/subscriptions/confirm",
            "/verify-email",
            # Policy 5.5: withdrawing consent by deleting information or changing settings.
            "/account/subscriptions",
            "/account/addresses",
            "/account/addresses/7/delete",
            "/account/invoices",
            "/account/invoices/corporate/7/delete",
            "/account/invoices/personal/7/delete",
            "/account/invoices/bank-account/withdraw",
            "/account/invoices/resident-id/withdraw",
        )
    )
    assert not any(
        is_open(path)
        for path in (
            "/",
            "/account",
            "/policyx",
            "/cookiesx",
            "/account/sessions",
            "/account/information",
            "/account/addresses/new",
            "/account/addresses/7/edit",
            "/account/addresses/7/default",
            "/account/addresses/7/delete/x",
            "/account/invoices/corporate/new",
            "/account/invoices/personal/7/edit",
            "/account/password",
        )
    )


def test_subscriptions_can_be_ended_but_not_started_before_deciding(open_site, material_update):
    """Policy 5.5: withdrawing consent stays possible; giving a new one waits for the decision."""
    site = open_site(material_update)
    user = signed_in(site, consented_to="1.1")

    async def subscribe(session):
        session.add(
            EmailSubscription(
                user_id=user.id, topic="products", email=user.email, confirmed_at=utcnow()
            )
        )
        await session.commit()

    run(site.settings, subscribe)
    page = site.client.get("/account/subscriptions")
    assert page.status_code == 200
    assert "you can only unsubscribe here" in page.text
    # Tick a new topic and untick the confirmed one: only the unticking happens.
    response = post_form(
        site.client,
        "/account/subscriptions",
        {"consent_subscription_updates": "y"},
        page="/account/subscriptions",
    )
    assert response.status_code == 303

    async def topics(session):
        return list(await session.scalars(select(EmailSubscription.topic)))

    assert run(site.settings, topics) == []
    assert not [m for m in run(site.settings, outbox) if "subscription" in m.subject.lower()]


def test_logging_out_and_switching_language_still_work(open_site, material_update):
    site = open_site(material_update)
    signed_in(site, consented_to="1.1")
    switched = post_form(
        site.client, "/language", {"language": "zh_Hans", "next": "/policy"}, page="/policy"
    )
    assert (switched.status_code, switched.headers["location"]) == (303, "/policy")
    out = post_form(site.client, "/logout", {}, page="/policy")
    assert (out.status_code, out.headers["location"]) == (303, "/")
    assert site.client.get("/account", follow_redirects=False).headers["location"] == (
        "/login?next=/account"
    )


def test_the_open_pages_show_a_banner_that_asks_for_consent(open_site, material_update):
    site = open_site(material_update)
    signed_in(site, consented_to="1.1")
    response = site.client.get("/policy")
    assert standing(response).blocking
    assert 'class="banner banner--material"' in response.text
    assert f"{CONSENT}?next=/policy" in parse(response.text).links
    assert not [f for f in parse(response.text).forms if f.action.endswith("/acknowledge")]


def test_the_consent_page_shows_what_changed_and_the_ways_out(open_site, material_update):
    site = open_site(material_update)
    signed_in(site, consented_to="1.1")
    response = site.client.get(f"{CONSENT}?next=/account")
    assert response.status_code == 200
    assert response.template.name == "privacy/policy_consent.html"
    context = response.context
    assert (context["info"].version, context["since"].version) == ("1.2", "1.1")
    assert context["in_force"] is True
    assert [v.version for v in context["steps"]] == ["1.2"]
    assert context["next"] == "/account"
    document = parse(response.text)
    assert "fifteen" in " ".join(document.inserted)
    assert "We reply within fifteen working days." in response.text
    assert "policy-banner" not in document.ids  # the page is the banner's destination
    assert {"/account/privacy/deregister", "mailto:info@xometry.asia", "/policy/1.2"} <= set(
        document.links
    )
    actions = [form.action for form in document.forms]
    assert CONSENT in actions
    assert "/logout" in actions
    (agree,) = [form for form in document.forms if form.action == CONSENT]
    assert agree.fields["next"] == "/account"


def test_i_agree_records_the_consent_and_unblocks(open_site, material_update):
    site = open_site(material_update)
    phone = site.device()
    user = signed_in(site, consented_to="1.1")
    signed_in_phone = post_form(
        phone, "/login", {"email": user.email, "password": "milling-spindle-42"}, page="/login"
    )
    assert signed_in_phone.status_code == 303
    response = post_form(site.client, CONSENT, {"next": "/account?x=1"}, page=CONSENT)
    assert (response.status_code, response.headers["location"]) == (303, "/account?x=1")
    last = ledger(site)[-1]
    assert (last.user_id, last.kind, last.policy_version, last.language, last.channel) == (
        user.id,
        "policy_material_consent",
        "1.2",
        "en",
        "website",
    )
    for device in (site.client, phone):
        account = device.get("/account", follow_redirects=False)
        assert account.status_code == 200
        assert standing(account).shown is None
    # Nothing more to agree to: the consent page goes straight back.
    again = site.client.get(f"{CONSENT}?next=/account", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/account")


def test_i_have_read_it_is_not_consent(open_site, material_update):
    site = open_site(material_update)
    signed_in(site, consented_to="1.1")
    acknowledge(site.client, "1.2")
    assert [r.kind for r in ledger(site)] == ["policy_consent"]
    assert site.client.get("/account", follow_redirects=False).status_code == 303


def test_the_consent_page_for_a_user_who_never_consented_links_the_whole_text(
    open_site, material_update
):
    site = open_site(material_update)
    signed_in(site, consented_to="0.1")  # a version this site never published
    response = site.client.get(CONSENT)
    assert response.context["since"] is None
    assert response.context["changes"] is None
    assert [v.version for v in response.context["steps"]] == ["1.0", "1.1", "1.2"]


def test_bad_consent_requests(open_site, material_update):
    site = open_site(material_update)
    # Back to the same address after logging in (which goes on to /account by default).
    assert site.client.get(CONSENT, follow_redirects=False).headers["location"] == (
        "/login?next=/policy/1.2/consent"
    )
    assert site.client.get(f"{CONSENT}?next=/account/addresses", follow_redirects=False).headers[
        "location"
    ] == ("/login?next=/policy/1.2/consent%3Fnext%3D/account/addresses")
    signed_in(site, consented_to="1.1")
    assert site.client.get("/policy/9.9/consent").status_code == 404
    assert post_form(site.client, "/policy/9.9/consent", {}, page="/policy").status_code == 404
    assert post_form(site.client, CONSENT, {}, page="/policy", token="").status_code == 403
    # A version that needs no consent from this user: nothing is recorded.
    assert post_form(site.client, "/policy/1.1/consent", {}, page="/policy").status_code == 303
    outside = post_form(site.client, CONSENT, {"next": "//evil.example"}, page="/policy")
    assert outside.headers["location"] == "/account"
    assert [r.kind for r in ledger(site)] == ["policy_consent", "policy_material_consent"]


# -- a material version announced ahead of its date -------------------------------------------


def test_an_announced_material_version_does_not_block_and_can_be_agreed_to_early(
    open_site, material_upcoming
):
    site = open_site(material_upcoming)
    signed_in(site, consented_to="1.2")
    account = site.client.get("/account", follow_redirects=False)
    assert account.status_code == 200
    notice = standing(account)
    assert (notice.upcoming.version, notice.needs_consent, notice.blocking) == ("1.3", True, False)
    assert "/policy/1.3/consent?next=/account" in parse(account.text).links
    page = site.client.get("/policy/1.3/consent?next=/account")
    assert page.status_code == 200
    assert page.context["in_force"] is False
    post_form(site.client, "/policy/1.3/consent", {"next": "/account"}, page="/policy")
    assert [r.policy_version for r in ledger(site)] == ["1.2", "1.3"]
    assert standing(site.client.get("/account")).shown is None
