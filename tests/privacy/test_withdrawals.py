"""Withdrawing a consent from the consent records (policy 5.5, PIPL art. 15): the page lists
each consent in force, what it allows and since when; "Withdraw" asks first, saying what
happens at once and that what was done before stays lawful; the withdrawal has the effect of
the consent's own page at once (unsubscribed, the value erased) and appends one ledger row,
which the page then lists. The policy consent's withdrawal is deregistration, which records
it. Runs on SQLite, and on PostgreSQL when PORTAL_TEST_DATABASE_URL is set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from portal.privacy import purposes, withdrawals
from portal.privacy.models import ConsentRecord
from portal.privacy.withdrawals import can_withdraw
from portal.profile.invoices import bank, resident_ids
from tests.support.accounts import register
from tests.support.deregistration import deregister
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import csrf_token, post
from tests.support.html import parse
from tests.support.invoices import PERSONAL, PERSONAL_NEW, add_with_account, corporate, personal
from tests.support.policy_updates import signed_in as signed_in_to
from tests.support.random_input import examples, form_data, post_random, values
from tests.support.records import rows, run
from tests.support.subscriptions import subscribe_and_confirm, subscriptions, topic_mail

PAGE = "/account/consents"
LAWFUL = "What we did before you withdrew stays lawful"


def withdraw_url(purpose: str) -> str:
    return f"{PAGE}/{purpose}/withdraw"


def ledger(settings: Any, purpose: str) -> list[tuple[str, str]]:
    """The rows of ``purpose``, oldest first: (kind, channel)."""
    found = sorted(rows(settings, ConsentRecord), key=lambda r: r.id or 0)
    return [(r.kind, r.channel) for r in found if r.purpose == purpose]


def in_force(client: TestClient) -> list[str]:
    return [consent.purpose for consent in client.get(PAGE).context["in_force"]]


# What each kind of consent takes to give, and how to see that its withdrawal took effect.


def _subscribe(client: TestClient, app: Any, settings: Any) -> None:
    subscribe_and_confirm(client, app, settings, "consent_subscription_products")


def _subscribed(settings: Any) -> bool:
    return "products" in subscriptions(settings) and topic_mail(settings, "products") == 1


def _add_bank_account(client: TestClient, app: Any, settings: Any) -> None:
    assert add_with_account(client).status_code == 303


def _bank_account_kept(settings: Any) -> bool:
    return any(invoice.bank_account for invoice in corporate(settings))


def _add_resident_id(client: TestClient, app: Any, settings: Any) -> None:
    assert post(client, PERSONAL_NEW, PERSONAL).status_code == 303


def _resident_id_kept(settings: Any) -> bool:
    return any(invoice.tax_number for invoice in personal(settings))


KINDS: dict[str, tuple[Callable[..., None], Callable[[Any], bool], str]] = {
    "subscription_products": (_subscribe, _subscribed, "We stop sending you these mails"),
    bank.PURPOSE: (_add_bank_account, _bank_account_kept, "every bank account number"),
    resident_ids.FIELD.purpose: (_add_resident_id, _resident_id_kept, "every resident ID number"),
}


def test_every_purpose_can_be_withdrawn_on_the_page():
    """A new consent cannot reach the ledger without a way to withdraw it (policy 5.5)."""
    assert withdrawals.POLICY in purposes.PURPOSES
    assert not [p for p in purposes.PURPOSES if p != withdrawals.POLICY and not can_withdraw(p)]


@pytest.fixture
def signed_in(client: TestClient) -> TestClient:
    assert register(client).status_code == 303
    return client


def test_after_registration_the_policy_consent_is_in_force(signed_in):
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    assert [c.purpose for c in response.context["in_force"]] == ["data_protection_policy"]
    assert "Consents you have given" in response.text
    assert withdraw_url("data_protection_policy") in parse(response.text).links
    # The ledger below still has its table: registration's two rows.
    assert response.text.count("<tbody>") == 1
    assert len(response.context["entries"]) == 2


def test_every_consent_given_is_listed_with_what_it_allows_and_a_withdraw_link(
    signed_in, app, settings
):
    for give, _, _ in KINDS.values():
        give(signed_in, app, settings)
    response = signed_in.get(PAGE)
    assert [c.purpose for c in response.context["in_force"]] == [
        "data_protection_policy",
        bank.PURPOSE,
        resident_ids.FIELD.purpose,
        "subscription_products",
    ]
    for text in (
        "Storing your bank account number",
        "Storing your resident ID number",
        "Mails about new products",
    ):
        assert text in response.text
    links = parse(response.text).links
    assert all(withdraw_url(purpose) in links for purpose in KINDS)


@pytest.mark.parametrize("purpose", list(KINDS))
def test_withdrawing_takes_effect_at_once_and_is_recorded(signed_in, app, settings, purpose):
    give, in_effect, effect = KINDS[purpose]
    give(signed_in, app, settings)
    before = ledger(settings, purpose)
    assert before[-1][0] == "consent_granted"
    assert in_effect(settings)

    confirm = signed_in.get(withdraw_url(purpose))
    assert confirm.status_code == 200
    assert effect in confirm.text
    assert LAWFUL in confirm.text
    form = next(f for f in parse(confirm.text).forms if f.action == withdraw_url(purpose))
    assert form.method == "post"
    assert form.fields["csrf_token"]
    # Asking (GET, HEAD) changes nothing.
    signed_in.head(withdraw_url(purpose))
    assert ledger(settings, purpose) == before
    assert in_effect(settings)

    response = post(signed_in, withdraw_url(purpose))
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"{PAGE}?withdrawn={purpose}",
    )
    assert not in_effect(settings)
    assert ledger(settings, purpose) == [*before, ("consent_withdrawn", "website")]
    page = signed_in.get(response.headers["location"])
    assert "You have withdrawn your consent" in page.text
    assert purpose not in [c.purpose for c in page.context["in_force"]]
    newest = page.context["entries"][0]
    assert (newest.kind, newest.purpose) == ("consent_withdrawn", purpose)
    assert "Withdrew consent" in page.text

    # Pressed again (a second tab, a double click): harmless, nothing more recorded.
    assert post(signed_in, withdraw_url(purpose)).status_code == 303
    assert ledger(settings, purpose) == [*before, ("consent_withdrawn", "website")]
    again = signed_in.get(withdraw_url(purpose))
    assert "This consent is not in force" in again.text


def test_with_htmx_the_confirmation_comes_alone(signed_in, app, settings):
    _add_bank_account(signed_in, app, settings)
    response = signed_in.get(withdraw_url(bank.PURPOSE), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="confirm"')
    assert "<html" not in response.text
    assert "autofocus" in response.text  # the safe choice
    assert _bank_account_kept(settings)


def test_the_policy_consent_is_withdrawn_by_deregistering(signed_in):
    confirm = signed_in.get(withdraw_url("data_protection_policy"))
    assert confirm.status_code == 200
    assert "We cannot keep your account without this consent" in confirm.text
    assert LAWFUL in confirm.text
    assert "/account/privacy/deregister" in parse(confirm.text).links
    response = post(signed_in, withdraw_url("data_protection_policy"))
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/account/privacy/deregister",
    )
    assert ledger(signed_in.app.state.settings, "data_protection_policy") == []
    assert signed_in.get("/account").status_code == 200  # the account stays until deregistered


def test_deregistering_records_the_withdrawal_of_the_policy_and_of_each_consent(
    signed_in, app, settings
):
    _subscribe(signed_in, app, settings)
    _add_bank_account(signed_in, app, settings)
    assert deregister(signed_in).status_code == 303
    withdrawals = [
        (r.user_id, r.purpose, r.policy_version is not None, r.channel)
        for r in sorted(rows(settings, ConsentRecord), key=lambda r: r.id or 0)
        if r.kind == "consent_withdrawn"
    ]
    assert withdrawals == [
        (None, "data_protection_policy", True, "website"),
        (None, bank.PURPOSE, False, "website"),
        (None, "subscription_products", False, "website"),
    ]


@pytest.mark.parametrize(
    "purpose", ["capacity_declared", "policy_consent", "unknown", "bank_account%00", "x" * 300]
)
def test_a_purpose_that_is_not_a_consent_here_is_not_found(signed_in, purpose):
    assert signed_in.get(withdraw_url(purpose)).status_code == 404
    assert post(signed_in, withdraw_url(purpose)).status_code == 404


def test_without_the_csrf_token_nothing_is_withdrawn(signed_in, app, settings):
    _add_bank_account(signed_in, app, settings)
    response = signed_in.post(withdraw_url(bank.PURPOSE), data={}, follow_redirects=False)
    assert response.status_code == 403
    assert _bank_account_kept(settings)
    assert ledger(settings, bank.PURPOSE) == [("consent_granted", "website")]


def test_a_customer_withdraws_only_their_own_consent(signed_in, app, settings):
    _add_bank_account(signed_in, app, settings)
    with TestClient(app) as other:
        assert register(other, email="chen.gang@example.cn", phone="139 8765 4321").status_code
        assert in_force(other) == ["data_protection_policy"]
        assert post(other, withdraw_url(bank.PURPOSE)).status_code == 303
    assert _bank_account_kept(settings)
    assert ledger(settings, bank.PURPOSE) == [("consent_granted", "website")]
    assert bank.PURPOSE in in_force(signed_in)


def test_the_withdrawn_notice_names_only_a_consent_of_the_page(signed_in):
    for query in ("withdrawn=capacity_declared", "withdrawn=%3Cscript%3E", "withdrawn="):
        response = signed_in.get(f"{PAGE}?{query}")
        assert response.status_code == 200
        assert response.context["withdrawn"] is None


def test_the_page_and_the_confirmation_need_a_signed_in_user(client):
    for url in (PAGE, withdraw_url(bank.PURPOSE)):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


PURPOSES = [*KINDS, "data_protection_policy", "capacity_declared", "", "bank_account/../x"]


@examples(40)
@given(purpose=st.sampled_from(PURPOSES), data=st.data(), with_token=st.booleans())
def _random_withdrawals(client, token, purpose, data, with_token) -> None:
    payload = data.draw(form_data([], values("y", "1", bank.PURPOSE), max_size=5))
    if with_token:
        payload["csrf_token"] = token
    response = post_random(
        client, withdraw_url(purpose), payload, htmx=data.draw(st.booleans()), files=[]
    )
    assert response.status_code < 500, response.text[:500]


def test_random_input_never_causes_a_server_error(app, settings):
    with TestClient(app, raise_server_exceptions=False) as client:
        assert register(client).status_code == 303
        _random_withdrawals(client, csrf_token(client.get(PAGE)))


def test_withdrawing_stays_open_while_a_material_change_waits(open_site, material_update):
    """A customer who does not agree to a change can still withdraw (privacy/gate.py)."""
    site = open_site(material_update)
    user = signed_in_to(site, consented_to="1.1")

    async def grant(session):
        session.add(
            ConsentRecord(
                user_id=user.id,
                kind="consent_granted",
                purpose=bank.PURPOSE,
                language="en",
                channel="website",
            )
        )
        await session.commit()

    run(site.settings, grant)
    assert site.client.get("/account", follow_redirects=False).status_code == 303  # the gate
    assert site.client.get(withdraw_url(bank.PURPOSE)).status_code == 200
    assert post(site.client, withdraw_url(bank.PURPOSE)).status_code == 303
    assert ledger(site.settings, bank.PURPOSE)[-1] == ("consent_withdrawn", "website")
