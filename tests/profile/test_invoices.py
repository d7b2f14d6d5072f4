"""Invoice information (policy 1.5, 5.3 A(4)) as a customer meets it: corporate and personal
details, each field's checks, the limits, and nobody else's invoices. Their sensitive values have
modules of their own: test_bank_account.py and test_resident_id.py."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from portal.profile.invoices.services import MAX_INVOICES
from portal.profile.models import AuditEntry
from tests.support.accounts import register
from tests.support.forms import csrf_token, post
from tests.support.invoices import (
    ACCOUNT,
    CODE,
    CORPORATE,
    CORPORATE_NEW,
    LIST,
    PERSONAL,
    PERSONAL_NEW,
    RIC,
    add_corporate,
    add_with_account,
    audit,
    corporate,
    ledger,
    personal,
    resident_id,
    wrong_last,
)
from tests.support.records import rows

WITHDRAW = f"{LIST}/bank-account/withdraw"


# -- corporate invoices ------------------------------------------------------------------------


def test_corporate_details_are_saved_compact_and_listed(signed_in, settings):
    response = add_corporate(signed_in)
    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?done=corporate_added"
    (saved,) = corporate(settings)
    assert saved.tax_number == CODE  # spaces gone, upper case
    assert saved.invoice_email == "Finance@example.cn"  # the domain normalized
    assert saved.bank_account is None
    page = signed_in.get(response.headers["location"])
    assert page.template.name == "profile/invoices/list.html"
    assert "The corporate invoice details have been added." in page.text
    (card,) = page.context["corporate"]
    assert (card.title, card.tax_number, card.place) == (
        CORPORATE["company_name"],
        CODE,
        "Shanghai",
    )
    assert ledger(settings) == []  # no bank account, no consent asked
    fields = {field for field, action in audit(settings, f"corporate_invoice:{saved.id}")}
    assert fields == set(CORPORATE) - {"bank_account"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"tax_number": CODE[:15]}, "tax_number", "this one has 15"),
        ({"tax_number": CODE[:-1] + "Z"}, "tax_number", "never use (I, O, S, V, Z)"),
        ({"tax_number": wrong_last(CODE, "0123456789")}, "tax_number", "match the rest"),
        ({"postal_code": "20120"}, "postal_code", "six digits"),
        ({"invoice_email": "finance@"}, "invoice_email", "name@example.com"),
        ({"company_name": ""}, "company_name", "business licence"),
        ({"bank_account": "12 34"}, "bank_account", "8 to 30"),
        ({"bank_account": ACCOUNT, "bank_name": ""}, "bank_name", "shows both"),
        ({"city": "440300"}, "city", "province you chose"),
    ],
)
def test_bad_corporate_input_is_explained_beside_its_field_and_kept(
    signed_in, settings, changes, field, message
):
    data = {**CORPORATE, **changes, "consent_bank_account": "y"}
    response = post(signed_in, CORPORATE_NEW, data)
    assert response.status_code == 400
    errors = response.context["form"].first_errors()
    assert message in errors[field]
    assert f'id="{field}-error"' in response.text
    assert CORPORATE["invoicing_address"] in response.text
    assert corporate(settings) == []
    assert ledger(settings) == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {name: "x" * 10_000 for name in CORPORATE},
        {name: "\x00" for name in CORPORATE},
        {**CORPORATE, "bank_account": "6222\x000202\x000011", "consent_bank_account": "\x00"},
        {**CORPORATE, "tax_number": "９１" + "\u200b" * 16},
    ],
)
def test_no_input_is_a_server_error(signed_in, settings, data):
    for url in (CORPORATE_NEW, PERSONAL_NEW):
        assert post(signed_in, url, data).status_code == 400
    assert corporate(settings) == []


def test_repeated_fields_take_the_first(signed_in, settings):
    token = csrf_token(signed_in.get("/account"))
    body = [*CORPORATE.items(), ("postal_code", "999999"), ("csrf_token", token)]
    response = signed_in.post(
        CORPORATE_NEW,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        content=urlencode(body),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert corporate(settings)[0].postal_code == "201203"


def test_at_most_ten_of_each_kind(signed_in, settings):
    for n in range(MAX_INVOICES):
        assert add_corporate(signed_in, company_name=f"公司 {n}").status_code == 303
    assert signed_in.get(LIST).context["corporate_full"]
    response = add_corporate(signed_in, company_name="第十一")
    assert response.status_code == 400
    assert "the most you can keep" in response.text
    assert len(corporate(settings)) == MAX_INVOICES
    assert post(signed_in, PERSONAL_NEW, PERSONAL).status_code == 303  # the other kind is apart


# -- personal invoices -------------------------------------------------------------------------


def test_personal_details_are_saved_and_the_id_number_is_masked_in_lists(signed_in, settings):
    response = post(signed_in, PERSONAL_NEW, PERSONAL)
    assert response.status_code == 303
    (saved,) = personal(settings)
    assert saved.name == PERSONAL["name"]
    assert RIC not in saved.tax_number  # encrypted (tests/profile/test_resident_id.py)
    listed = signed_in.get(LIST)
    masked = RIC[:4] + "*" * 10 + RIC[-4:]
    assert masked in listed.text
    assert RIC not in listed.text
    assert RIC not in signed_in.get(f"{LIST}/personal/{saved.id}/delete").text
    edit = signed_in.get(f"{LIST}/personal/{saved.id}/edit")
    assert RIC not in edit.text  # not even where it is edited: only masked, in the hint


@pytest.mark.parametrize(
    ("tax_number", "message"),
    [
        (RIC[:17], "this one has 17"),
        (resident_id("11010119900230123"), "(digits 7–14) is not a real date"),
        (resident_id("99010119900307123"), "not a region code of China"),
        (RIC[:-1] + ("1" if RIC[-1] != "1" else "2"), "does not match the rest"),
        (RIC[:3] + "A" + RIC[4:], "the last is a digit or X"),
    ],
)
def test_what_is_wrong_with_an_id_number_is_said_beside_it(
    signed_in, settings, tax_number, message
):
    response = post(signed_in, PERSONAL_NEW, {**PERSONAL, "tax_number": tax_number})
    assert response.status_code == 400
    assert message in response.context["form"].first_errors()["tax_number"]
    assert PERSONAL["invoicing_address"] in response.text
    assert personal(settings) == []


def test_personal_details_are_edited_and_deleted_with_audit_rows(signed_in, settings):
    post(signed_in, PERSONAL_NEW, PERSONAL)
    (saved,) = personal(settings)
    record = f"personal_invoice:{saved.id}"
    url = f"{LIST}/personal/{saved.id}"
    assert post(signed_in, f"{url}/edit", {**PERSONAL, "name": "王芳芳"}).status_code == 303
    assert personal(settings)[0].name == "王芳芳"
    assert post(signed_in, f"{url}/delete").status_code == 303
    assert personal(settings) == []
    trail = audit(settings, record)
    assert ("name", "changed") in trail
    assert ("tax_number", "removed") in trail
    assert not [e for e in rows(settings, AuditEntry) if RIC in e.record + e.field]


def test_deleting_with_htmx_swaps_the_lists(signed_in, settings):
    add_with_account(signed_in)
    (saved,) = corporate(settings)
    response = post(
        signed_in, f"{LIST}/corporate/{saved.id}/delete", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "The invoice details have been deleted." in response.text
    assert corporate(settings) == []
    assert ("bank_account", "removed") in audit(settings, f"corporate_invoice:{saved.id}")


# -- nobody else's invoices --------------------------------------------------------------------

ROUTES = [
    ("GET", "/account/invoices/{kind}/{id}/edit"),
    ("POST", "/account/invoices/{kind}/{id}/edit"),
    ("GET", "/account/invoices/{kind}/{id}/delete"),
    ("POST", "/account/invoices/{kind}/{id}/delete"),
]


def request(client: TestClient, method: str, url: str, data: dict, **kwargs):
    if method == "GET":
        return client.get(url, follow_redirects=False, **kwargs)
    return post(client, url, data, **kwargs)


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_another_users_invoices_are_not_found_on_every_route(
    app, signed_in, settings, method, route
):
    add_with_account(signed_in)
    post(signed_in, PERSONAL_NEW, PERSONAL)
    victims = {"corporate": corporate(settings)[0], "personal": personal(settings)[0]}
    intruder = TestClient(app)
    with intruder:
        register(intruder, email="intruder@example.cn", phone="137 0000 1111")
        for kind, victim in victims.items():
            data = {**(CORPORATE if kind == "corporate" else PERSONAL), "name": "入侵者"}
            for headers in ({}, {"HX-Request": "true"}):
                url = route.format(kind=kind, id=victim.id)
                response = request(intruder, method, url, data, headers=headers)
                assert response.status_code == 404
                assert CORPORATE["company_name"] not in response.text
                assert PERSONAL["name"] not in response.text
        assert post(intruder, WITHDRAW).status_code == 303  # withdraws the intruder's own: nothing
    assert corporate(settings)[0].bank_account == victims["corporate"].bank_account
    assert personal(settings)[0].name == PERSONAL["name"]


@pytest.mark.parametrize(("method", "route"), ROUTES)
@pytest.mark.parametrize("invoice_id", [0, 2**31 - 1, 2**31, 2**63, 10**40])
def test_ids_that_cannot_exist_are_not_found(signed_in, method, route, invoice_id):
    for kind in ("corporate", "personal"):
        url = route.format(kind=kind, id=invoice_id)
        assert request(signed_in, method, url, CORPORATE).status_code == 404


def test_every_page_needs_a_signed_in_user(client):
    for url in (LIST, CORPORATE_NEW, PERSONAL_NEW, WITHDRAW, f"{LIST}/corporate/1/edit"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
