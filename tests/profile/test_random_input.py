"""Random input to every form of the Personal Center never causes a server error.

Hypothesis posts random keys and values (unicode, very long strings, NUL, repeated keys, missing
fields, real values from valid forms) with or without the CSRF token, signed in or not, as htmx
or as a plain form, to every POST route of ``portal.profile.routes``; ids in paths are the
user's own or random integers up to 2**70. A POST route missing from ``FORMS`` fails the test.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.routing import Route
from starlette.testclient import TestClient

from portal.accounts.sessions import SESSION_COOKIE
from portal.profile.models import PersonalInvoice, ShippingAddress
from portal.profile.routes import routes
from tests.support.accounts import GOOD, register
from tests.support.addresses import ADDRESS
from tests.support.forms import csrf_token, post_form
from tests.support.invoices import CORPORATE, PERSONAL
from tests.support.random_input import examples, file_fields, form_data, post_random, values
from tests.support.records import rows

ADDRESS_FIELDS = list(ADDRESS)
CORPORATE_FIELDS = [*CORPORATE, "consent_bank_account"]
PERSONAL_FIELDS = list(PERSONAL)
FORMS = {
    "/account/information": [
        "name",
        "job_title",
        "customer_type",
        "invoice_email",
        "preferred_language",
    ],
    "/account/password": ["current_password", "new_password"],
    "/account/email": ["new_email", "current_password"],
    "/account/email/resend": [],
    "/account/email/cancel": [],
    "/account/email/confirm": ["token", "next"],
    "/account/mobile": ["phone", "current_password"],
    "/account/addresses/new": [*ADDRESS_FIELDS, "refresh_regions"],
    "/account/addresses/{address_id:int}/edit": [*ADDRESS_FIELDS, "refresh_regions"],
    "/account/addresses/{address_id:int}/delete": [],
    "/account/addresses/{address_id:int}/default": [],
    "/account/invoices/corporate/new": [*CORPORATE_FIELDS, "refresh_regions"],
    "/account/invoices/corporate/{invoice_id:int}/edit": [
        *CORPORATE_FIELDS,
        "refresh_regions",
        "remove_bank_account",
    ],
    "/account/invoices/corporate/{invoice_id:int}/delete": [],
    "/account/invoices/personal/new": [*PERSONAL_FIELDS, "refresh_regions"],
    "/account/invoices/personal/{invoice_id:int}/edit": [
        *PERSONAL_FIELDS,
        "refresh_regions",
        "remove_resident_id",
    ],
    "/account/invoices/personal/{invoice_id:int}/delete": [],
    "/account/invoices/bank-account/withdraw": [],
    "/account/invoices/resident-id/withdraw": [],
    "/account/subscriptions": [
        "consent_subscription_updates",
        "consent_subscription_products",
        "consent_subscription_discounts",
        "consent_subscription_promotions",
        "consent_policy_notices",
    ],
    "/subscriptions/confirm": ["token"],
    "/subscriptions/unsubscribe": ["token", "List-Unsubscribe"],
    "/account/privacy/my-data/copy": [],
}
OWN = -1  # in a path: replaced by the id of the user's own record

VALUES = values(
    *ADDRESS.values(),
    *CORPORATE.values(),
    *PERSONAL.values(),
    GOOD["password"],
    "li.wei.works@example.cn",
    "139 1234 5678",
    "6222 0202 0011 2233 445",
    "y",
    "on",
    "en",
    "zh_Hans",
    "business",
    "One-Click",
    "１００００１",  # full-width digits
    "名" * 201,
    "x" * 100_000,
    "440000",
    "440300",
    "999999",
)


def post_routes() -> list[str]:
    return [
        route.path
        for route in routes
        if isinstance(route, Route) and "POST" in (route.methods or ())
    ]


def test_every_form_of_the_personal_center_is_tried():
    assert sorted(post_routes()) == sorted(FORMS)


@pytest.fixture
def site(app, settings):
    """A signed-in user with one record of each kind; the ids of those records."""
    with TestClient(app, raise_server_exceptions=False) as client:
        assert register(client).status_code == 303
        token = csrf_token(client.get("/account"))
        ids = {}
        for kind, url, data, model in (
            ("address_id", "/account/addresses/new", ADDRESS, ShippingAddress),
            ("invoice_id", "/account/invoices/personal/new", PERSONAL, PersonalInvoice),
        ):
            response = post_form(client, url, data, token=token)
            assert response.status_code == 303, response.text[:500]
            (record,) = rows(settings, model)
            ids[kind] = record.id
        yield client, token, ids, client.cookies.get(SESSION_COOKIE)


@pytest.mark.parametrize("path", sorted(FORMS))
def test_random_forms_never_cause_a_server_error(site, path: str) -> None:
    client, token, ids, cookie = site

    @examples(25)
    @given(
        data=form_data(FORMS[path], VALUES, max_size=10),
        with_token=st.booleans(),
        signed_in=st.booleans(),
        htmx=st.booleans(),
        record_id=st.one_of(st.just(OWN), st.integers(min_value=-5, max_value=2**70)),
        query=st.one_of(st.just(""), st.text(max_size=30).map(lambda t: f"?token={quote(t)}")),
        files=file_fields(FORMS[path]),
    )
    def check(data, with_token, signed_in, htmx, record_id, query, files):
        client.cookies.delete(SESSION_COOKIE)
        if signed_in:
            client.cookies.set(SESSION_COOKIE, cookie)
        payload = dict(data)
        if with_token:
            payload["csrf_token"] = token
        url = path
        for name, own in ids.items():
            value = own if record_id == OWN else record_id
            url = re.sub(r"\{" + name + r"(:int)?\}", str(value), url)
        response = post_random(client, url + query, payload, htmx=htmx, files=files)
        assert response.status_code < 500, (url, payload, response.text[:500])

    check()
