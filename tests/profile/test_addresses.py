"""Shipping addresses (policy 1.4) as a customer meets them: the list, add, edit, the default,
at most twenty. Each field's checks are in test_addresses_input.py, delete and the city list with
and without JavaScript in test_addresses_pages.py, nobody else's addresses in
test_addresses_access.py, the rules under concurrent requests in test_addresses_concurrency.py."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from portal.db import create_engine
from portal.profile.addresses.services import MAX_ADDRESSES
from portal.profile.models import AuditEntry, ShippingAddress
from tests.support.addresses import ADDRESS, LIST, NEW, SHENZHEN, add, addresses, audit, card_ids
from tests.support.forms import post
from tests.support.html import parse
from tests.support.records import rows

# -- adding, and the list --------------------------------------------------------------------


def test_the_first_address_is_saved_as_the_default_and_listed(signed_in, settings):
    response = add(signed_in)
    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?done=added"
    (saved,) = addresses(settings)
    assert saved.is_default
    assert saved.phone == "+8613912345678"  # E.164, as at registration
    assert (saved.province, saved.city, saved.postal_code) == ("310000", "310100", "201203")
    page = signed_in.get(response.headers["location"])
    assert page.status_code == 200
    assert page.template.name == "profile/addresses/list.html"
    assert "The address has been added." in page.text
    (card,) = page.context["cards"]
    assert card.is_default
    assert card.phone == "139 1234 5678"
    assert card.lines == (ADDRESS["shipping_address"], "Shanghai")
    for shown in ("王芳", "139 1234 5678", "上海精密机械有限公司", "Postal code 201203", "Default"):
        assert shown in page.text


def test_city_and_province_are_named_in_the_readers_language(signed_in, settings):
    add(signed_in, **SHENZHEN)
    assert signed_in.get(LIST).context["cards"][0].lines[1] == "Shenzhen, Guangdong"
    post(signed_in, "/language", {"language": "zh_Hans", "next": LIST})
    page = signed_in.get(LIST)
    (card,) = page.context["cards"]
    assert card.lines == ("广东省深圳市", SHENZHEN["shipping_address"])  # largest unit first
    assert "广东省深圳市" in page.text
    assert card.phone == "+852 5123 4567"


def test_a_second_address_is_not_the_default_and_the_default_is_listed_first(signed_in, settings):
    add(signed_in)
    add(signed_in, **SHENZHEN)
    first, second = addresses(settings)
    assert first.is_default
    assert not second.is_default
    assert card_ids(signed_in.get(LIST)) == [first.id, second.id]


def test_adding_writes_an_audit_row_per_filled_field_and_no_values(signed_in, settings):
    add(signed_in, **SHENZHEN)  # no organization name
    (saved,) = addresses(settings)
    record = f"shipping_address:{saved.id}"
    assert sorted(audit(settings)) == sorted(
        (record, field, "added")
        for field in (
            "recipient_name",
            "shipping_address",
            "phone",
            "province",
            "city",
            "postal_code",
        )
    )
    values = set(SHENZHEN.values()) | {saved.phone}
    for entry in rows(settings, AuditEntry):
        assert not values & set(map(str, entry.model_dump().values()))


def test_the_form_asks_for_the_recipients_consent_above_the_button(signed_in):
    page = signed_in.get(NEW)
    assert page.status_code == 200
    text = page.text
    sentence = text.index("only with their consent")
    assert sentence < text.index("Save the address")
    assert 'href="/policy#information-we-process"' in text
    assert 'type="checkbox"' not in text
    # The fields carry DESIGN.md's names.
    (form,) = [f for f in parse(text).forms if f.action == NEW]
    assert set(ADDRESS) <= set(form.fields)


def test_the_list_without_addresses_says_how_to_start(signed_in):
    page = signed_in.get(LIST)
    assert page.context["cards"] == []
    assert "The first one you add becomes your default." in page.text
    assert f'href="{NEW}"' in page.text


# -- editing ---------------------------------------------------------------------------------


def test_the_edit_form_shows_the_address_and_saving_audits_only_changed_fields(signed_in, settings):
    add(signed_in)
    (before,) = addresses(settings)
    url = f"{LIST}/{before.id}/edit"
    page = signed_in.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.phone.data == "139 1234 5678"  # as people write it, not +86…
    assert form.city.data == "310100"
    assert '<option value="310100" selected>' in page.text
    response = post(signed_in, url, {**ADDRESS, **SHENZHEN, "recipient_name": "王芳"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?done=saved"
    (after,) = addresses(settings)
    assert (after.city, after.phone, after.organization_name) == ("440300", "+85251234567", "")
    assert after.updated_at > before.updated_at
    assert after.is_default
    record = f"shipping_address:{before.id}"
    edits = [row for row in audit(settings) if row[2] != "added"]
    assert sorted(edits) == sorted(
        [
            (record, "phone", "changed"),
            (record, "organization_name", "removed"),
            (record, "province", "changed"),
            (record, "city", "changed"),
            (record, "shipping_address", "changed"),
            (record, "postal_code", "changed"),
        ]
    )


def test_saving_an_unchanged_form_changes_nothing(signed_in, settings):
    add(signed_in)
    (before,) = addresses(settings)
    added = audit(settings)
    # The same values as typed differently: the phone with dashes, the postal code full width.
    same = {**ADDRESS, "phone": "139-1234-5678", "postal_code": "２０１２０３"}
    assert post(signed_in, f"{LIST}/{before.id}/edit", same).status_code == 303
    (after,) = addresses(settings)
    assert after.updated_at == before.updated_at
    assert audit(settings) == added


# -- the default -----------------------------------------------------------------------------


def test_make_default_moves_the_tag_and_audits_both_addresses(signed_in, settings):
    add(signed_in)
    add(signed_in, **SHENZHEN)
    first, second = addresses(settings)
    response = post(signed_in, f"{LIST}/{second.id}/default")
    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?done=default"
    first, second = addresses(settings)
    assert (first.is_default, second.is_default) == (False, True)
    assert card_ids(signed_in.get(LIST)) == [second.id, first.id]
    assert {row for row in audit(settings) if row[1] == "is_default"} == {
        (f"shipping_address:{first.id}", "is_default", "changed"),
        (f"shipping_address:{second.id}", "is_default", "changed"),
    }
    # Making the default the default again changes nothing.
    before = audit(settings)
    assert post(signed_in, f"{LIST}/{second.id}/default").status_code == 303
    assert audit(settings) == before


def test_deleting_the_default_makes_the_most_recently_updated_one_the_default(signed_in, settings):
    for changes in (ADDRESS, SHENZHEN, {**ADDRESS, "recipient_name": "赵磊"}):
        add(signed_in, **changes)
    shanghai, shenzhen, newest = addresses(settings)
    post(signed_in, f"{LIST}/{shenzhen.id}/edit", {**SHENZHEN, "postal_code": "518000"})
    post(signed_in, f"{LIST}/{newest.id}/default")
    response = post(signed_in, f"{LIST}/{newest.id}/delete")
    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?done=deleted"
    remaining = {a.id: a.is_default for a in addresses(settings)}
    assert remaining == {shanghai.id: False, shenzhen.id: True}  # edited last, not added last
    record = f"shipping_address:{newest.id}"
    removed = sorted(row for row in audit(settings) if row[2] == "removed")
    assert removed == sorted((record, field, "removed") for field in ADDRESS)


def test_deleting_another_address_keeps_the_default(signed_in, settings):
    add(signed_in)
    add(signed_in, **SHENZHEN)
    first, second = addresses(settings)
    post(signed_in, f"{LIST}/{second.id}/delete")
    (left,) = addresses(settings)
    assert left.id == first.id
    assert left.is_default


def test_deleting_the_last_address_leaves_none(signed_in, settings):
    add(signed_in)
    (only,) = addresses(settings)
    assert post(signed_in, f"{LIST}/{only.id}/delete").status_code == 303
    assert addresses(settings) == []


# -- at most 20 ------------------------------------------------------------------------------


def test_twenty_addresses_are_the_most_and_the_pages_say_so(signed_in, settings):
    for number in range(MAX_ADDRESSES):
        assert add(signed_in, recipient_name=f"收件人{number}").status_code == 303
    listing = signed_in.get(LIST)
    assert len(listing.context["cards"]) == MAX_ADDRESSES
    assert "You have 20 addresses, the most you can keep." in listing.text
    assert f'href="{NEW}"' not in listing.text
    page = signed_in.get(NEW)
    assert page.context["full"]
    assert "the most you can keep" in page.text
    response = add(signed_in, recipient_name="多一个")
    assert response.status_code == 400
    assert "the most you can keep" in response.text
    assert len(addresses(settings)) == MAX_ADDRESSES
    # One deleted, one can be added again.
    post(signed_in, f"{LIST}/{addresses(settings)[-1].id}/delete")
    assert add(signed_in, recipient_name="多一个").status_code == 303


def test_a_city_a_later_data_release_dropped_is_shown_and_asked_for_again(signed_in, settings):
    add(signed_in)
    (saved,) = addresses(settings)

    async def drop_the_city() -> None:
        engine = create_engine(settings.database_url)
        async with engine.begin() as connection:
            await connection.execute(
                update(ShippingAddress).where(ShippingAddress.id == saved.id).values(city="310199")
            )
        await engine.dispose()

    asyncio.run(drop_the_city())
    (card,) = signed_in.get(LIST).context["cards"]
    assert card.lines[1] == "Shanghai 310199"  # the code as stored, not an error page
    page = signed_in.get(f"{LIST}/{saved.id}/edit")
    assert page.status_code == 200
    assert 'id="city-error">The list of places has changed' in page.text
