"""Shipping addresses: each field's checks, as a customer meets them. The error sits beside its
field, what was typed stays, nothing is saved, and no input causes a 500."""

from __future__ import annotations

import re

import pytest

from tests.support.addresses import ADDRESS, LIST, NEW, add, addresses, audit
from tests.support.forms import csrf_token, post

# -- each field's checks ---------------------------------------------------------------------

INVALID = [
    pytest.param("recipient_name", "", "Enter the recipient's name.", id="recipient-empty"),
    pytest.param("recipient_name", "   ", "Enter the recipient's name.", id="recipient-blank"),
    pytest.param("recipient_name", "王" * 51, "Use at most 50 characters.", id="recipient-long"),
    pytest.param("organization_name", "公" * 101, "Use at most 100 characters.", id="org-long"),
    pytest.param("shipping_address", "", "Enter the street, building and room.", id="street-empty"),
    pytest.param("shipping_address", "路" * 201, "Use at most 200 characters.", id="street-long"),
    pytest.param("phone", "", "Enter the recipient's mobile number.", id="phone-empty"),
    pytest.param("phone", "12345", "Enter a mobile number such as", id="phone-bad"),
    pytest.param("phone", "021 6123 4567", "Enter a mobile number: we send", id="phone-landline"),
    pytest.param("phone", "1" * 31, "Use at most 30 characters.", id="phone-long"),
    pytest.param("phone", "138 TEST 5678", "Enter the number in digits", id="phone-letters"),
    pytest.param("postal_code", "", "Enter the six-digit postal code.", id="postal-empty"),
    pytest.param("postal_code", "20120", "A postal code is six digits", id="postal-short"),
    pytest.param("postal_code", "2012034", "A postal code is six digits", id="postal-long"),
    pytest.param("postal_code", "20I2O3", "A postal code is six digits", id="postal-letters"),
    pytest.param("postal_code", "٢٠١٢٠٣", "A postal code is six digits", id="postal-arabic"),
    pytest.param("province", "", "Choose a province.", id="province-empty"),
    pytest.param("province", "999999", "Choose a province from the list.", id="province-unknown"),
    pytest.param("city", "", "Choose a city.", id="city-empty"),
    pytest.param("city", "440300", "Choose a city of the province you chose.", id="city-elsewhere"),
    pytest.param("city", "310199", "Choose a city of the province you chose.", id="city-unknown"),
]


# Hong Kong and Macao have no postal codes; Taiwan's have three, five or six digits. A customer
# there must not have to invent one to save the address.
OUTSIDE_THE_MAINLAND = [
    pytest.param("810000", "", "", id="hong-kong-none"),
    pytest.param("810000", "999077", "999077", id="hong-kong-courier-code"),
    pytest.param("820000", "", "", id="macao-none"),
    pytest.param("710000", "", "", id="taiwan-none"),
    pytest.param("710000", "１００ ", "100", id="taiwan-three"),
    pytest.param("710000", "10058", "10058", id="taiwan-five"),
    pytest.param("710000", "100008", "100008", id="taiwan-six"),
]


@pytest.mark.parametrize(("province", "typed", "stored"), OUTSIDE_THE_MAINLAND)
def test_outside_the_mainland_the_postal_code_is_optional(
    signed_in, settings, province, typed, stored
):
    response = add(
        signed_in, province=province, city=province, postal_code=typed, phone="+852 5123 4567"
    )
    assert response.status_code == 303, response.text
    (saved,) = addresses(settings)
    assert saved.postal_code == stored
    listed = signed_in.get(LIST).text
    assert ("Postal code" in listed) == bool(stored)


@pytest.mark.parametrize(
    ("province", "typed", "message"),
    [
        pytest.param("810000", "1234", "A postal code is six digits", id="hong-kong"),
        pytest.param(
            "710000", "1234", "A postal code in Taiwan is three, five or six", id="taiwan"
        ),
        pytest.param("710000", "10O", "A postal code in Taiwan is three, five or six", id="letter"),
    ],
)
def test_a_postal_code_given_outside_the_mainland_is_still_checked(
    signed_in, settings, province, typed, message
):
    response = add(signed_in, province=province, city=province, postal_code=typed)
    assert response.status_code == 400
    assert message in response.text
    assert addresses(settings) == []


@pytest.mark.parametrize(("field", "value", "message"), INVALID)
def test_an_invalid_field_is_explained_beside_it_and_nothing_is_saved(
    signed_in, settings, field, value, message
):
    response = add(signed_in, **{field: value})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {field}
    error = re.search(rf'<p class="field__error" id="{field}-error">([^<]*)</p>', response.text)
    assert error, f"no error beside {field}"
    assert error[1].startswith(message.replace("'", "&#39;"))
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', response.text)
    # What was typed comes back, as typed.
    for name, typed in ADDRESS.items():
        if name not in {field, "province", "city"}:
            assert f'value="{typed}"' in response.text, name
    assert addresses(settings) == []
    assert audit(settings) == []


def test_the_same_checks_apply_when_editing_and_the_address_stays_as_it_was(signed_in, settings):
    add(signed_in)
    (before,) = addresses(settings)
    response = post(signed_in, f"{LIST}/{before.id}/edit", {**ADDRESS, "postal_code": "1234"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"postal_code"}
    assert 'value="1234"' in response.text
    assert addresses(settings) == [before]


def test_limits_are_counted_in_characters_not_bytes(signed_in, settings):
    response = add(
        signed_in,
        recipient_name="王" * 50,
        organization_name="公" * 100,
        shipping_address="路" * 200,
    )
    assert response.status_code == 303
    (saved,) = addresses(settings)
    assert len(saved.shipping_address) == 200


def test_postal_codes_typed_full_width_or_with_spaces_are_read_as_six_digits(signed_in, settings):
    assert add(signed_in, postal_code=" ２０１ ２０３ ").status_code == 303
    assert add(signed_in, postal_code="201\u3000203").status_code == 303  # ideographic space
    assert [a.postal_code for a in addresses(settings)] == ["201203", "201203"]


def test_the_whole_form_missing_or_absurd_is_a_400_never_a_500(signed_in, settings):
    assert post(signed_in, NEW, {}).status_code == 400
    junk = {name: "x\x00" * 10_000 for name in ADDRESS}
    assert post(signed_in, NEW, junk).status_code == 400
    repeated = [(name, value) for name, value in ADDRESS.items()] + [("city", "440300")]
    token = csrf_token(signed_in.get("/account"))
    response = signed_in.post(
        NEW,
        content="&".join(f"{k}={v}" for k, v in [*repeated, ("csrf_token", token)]).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code in (303, 400)
    assert len(addresses(settings)) <= 1
