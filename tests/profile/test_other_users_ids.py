"""Nobody reads or changes another user's address or invoice by putting its id in a URL.

The routes are not listed by hand: every Personal Center route with an id in its path is tried,
GET and POST, with a second user's ids, as a plain form and as htmx. A new route with an id that
this test does not know fails it, so whoever adds one decides here which record it reaches.
"""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from portal.profile.models import CorporateInvoice, PersonalInvoice, ShippingAddress
from portal.profile.routes import routes
from tests.support.accounts import GOOD, register
from tests.support.addresses import ADDRESS
from tests.support.forms import csrf_token, post_form
from tests.support.invoices import CORPORATE, PERSONAL
from tests.support.records import rows

# Which record an id in a path names, by the path's start.
RECORDS = {
    "/account/addresses/": ShippingAddress,
    "/account/invoices/corporate/": CorporateInvoice,
    "/account/invoices/personal/": PersonalInvoice,
}
# What the owner would post to each kind (so a route that forgot to check the owner would act).
VALID = {
    ShippingAddress: {**ADDRESS, "recipient_name": "刘强"},
    CorporateInvoice: {**CORPORATE, "company_name": "别人的公司"},
    PersonalInvoice: {**PERSONAL, "name": "别人"},
}
OWNERS_WORDS = (ADDRESS["shipping_address"], CORPORATE["company_name"], PERSONAL["name"])
NEW = {
    ShippingAddress: ("/account/addresses/new", ADDRESS),
    CorporateInvoice: ("/account/invoices/corporate/new", CORPORATE),
    PersonalInvoice: ("/account/invoices/personal/new", PERSONAL),
}


def routes_with_ids() -> list[Route]:
    found = [r for r in routes if isinstance(r, Route) and re.search(r"\{\w+_id(:int)?\}", r.path)]
    assert found, "the Personal Center has routes with ids; the lookup below is wrong"
    return found


def record_of(path: str) -> type:
    for prefix, model in RECORDS.items():
        if path.startswith(prefix):
            return model
    raise AssertionError(f"{path}: which record does its id name? Add it to RECORDS.")


def snapshot(settings) -> dict:
    """Every address and invoice as stored, to compare before and after."""
    return {model: sorted(map(repr, rows(settings, model))) for model in RECORDS.values()}


@pytest.fixture
def owner_and_intruder(app, settings):
    """The owner's records (one of each kind), and a second client signed in as someone else."""
    with TestClient(app) as owner, TestClient(app) as intruder:
        assert register(owner).status_code == 303
        token = csrf_token(owner.get("/account"))
        ids = {}
        for model, (url, data) in NEW.items():
            response = post_form(owner, url, data, token=token)
            assert response.status_code == 303, (url, response.text[:800])
            ids[model] = max(row.id for row in rows(settings, model))
        other = {**GOOD, "email": "intruder@example.cn", "phone": "139 1234 5678"}
        assert register(intruder, **other).status_code == 303
        yield owner, intruder, ids


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_every_route_with_an_id_answers_404_for_another_users_record(
    owner_and_intruder, settings, htmx
):
    owner, intruder, ids = owner_and_intruder
    before = snapshot(settings)
    token = csrf_token(intruder.get("/account"))
    headers = {"HX-Request": "true"} if htmx else {}
    tried = []
    for route in routes_with_ids():
        model = record_of(route.path)
        url = re.sub(r"\{\w+_id(:int)?\}", str(ids[model]), route.path)
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            if method == "GET":
                response = intruder.get(url, headers=headers, follow_redirects=False)
            else:
                response = post_form(intruder, url, VALID[model], token=token, headers=headers)
            tried.append((method, url))
            assert response.status_code == 404, (method, url, response.status_code)
            for secret in OWNERS_WORDS:  # nothing of the owner's record leaks into the 404
                assert secret not in response.text, (method, url)
    assert len(tried) >= 10
    assert snapshot(settings) == before, "another user's records changed"
    # ... and the owner still sees and can use them.
    for route in routes_with_ids():
        if "GET" in (route.methods or ()) and route.path.endswith("/edit"):
            model = record_of(route.path)
            url = re.sub(r"\{\w+_id(:int)?\}", str(ids[model]), route.path)
            assert owner.get(url).status_code == 200, url


@pytest.mark.parametrize("record_id", ["0", "-1", str(2**31), str(2**63), str(2**80)])
def test_ids_that_name_nobody_answer_404(owner_and_intruder, record_id):
    owner, _, _ = owner_and_intruder
    token = csrf_token(owner.get("/account"))
    for route in routes_with_ids():
        url = re.sub(r"\{\w+_id(:int)?\}", record_id, route.path)
        for method in sorted(route.methods or ()):
            if method == "GET":
                response = owner.get(url, follow_redirects=False)
            elif method == "POST":
                response = post_form(owner, url, {}, token=token)
            else:
                continue
            assert response.status_code == 404, (method, url, response.status_code)
