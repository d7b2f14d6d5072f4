"""Shipping addresses with and without JavaScript: deleting asks on a page of its own or swaps
the list in place with htmx, and the city list follows the province either way."""

from __future__ import annotations

from tests.support.addresses import ADDRESS, LIST, NEW, SHENZHEN, add, addresses, card_ids
from tests.support.forms import csrf_token, post
from tests.support.html import parse

# -- delete: a confirmation page without JavaScript, in the card with htmx -------------------


def test_delete_without_javascript_asks_on_a_page_of_its_own(signed_in, settings):
    add(signed_in)
    (saved,) = addresses(settings)
    listing = signed_in.get(LIST)
    (delete_link,) = [a for a in parse(listing.text).links if a.endswith("/delete")]
    alone = signed_in.get(delete_link)
    assert "your default address" not in alone.text  # nothing would take its place
    add(signed_in, **SHENZHEN)
    page = signed_in.get(delete_link)  # no JavaScript: a link to the question first
    assert page.status_code == 200
    assert page.template.name == "profile/addresses/delete.html"
    assert "<html" in page.text
    assert "王芳" in page.text
    assert "your default address" in page.text
    (confirm,) = [f for f in parse(page.text).forms if f.action == delete_link]
    assert confirm.method == "post"
    assert addresses(settings)[0] == saved  # asking deleted nothing


def test_with_htmx_the_question_opens_in_the_card_and_the_answer_swaps_the_list(
    signed_in, settings
):
    add(signed_in)
    add(signed_in, **SHENZHEN)
    add(signed_in, recipient_name="赵磊")
    first, second, third = addresses(settings)
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf_token(signed_in.get(LIST))}
    listing = signed_in.get(LIST).text
    assert "hx-confirm" not in listing  # no bare browser dialog
    assert f'hx-get="{LIST}/{first.id}/delete" hx-target="#address-{first.id}"' in listing

    question = signed_in.get(f"{LIST}/{first.id}/delete", headers=headers)
    assert question.status_code == 200
    assert "<html" not in question.text  # the block alone, into the card
    assert "Delete the address for 王芳?" in question.text
    assert f'hx-post="{LIST}/{first.id}/delete"' in question.text
    assert "autofocus" in question.text  # on "Keep it", the safe answer
    assert len(addresses(settings)) == 3

    response = signed_in.post(f"{LIST}/{first.id}/delete", headers=headers)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.count('id="addresses"') == 1
    assert card_ids(response) == [third.id, second.id]  # the promoted default first
    assert 'hx-swap-oob="innerHTML"' in response.text
    assert "The address has been deleted." in response.text
    assert "Vary" in response.headers
    assert "HX-Request" in response.headers["Vary"]

    response = signed_in.post(f"{LIST}/{second.id}/default", headers=headers)
    assert response.status_code == 200
    assert card_ids(response) == [second.id, third.id]
    assert "The default address has been changed." in response.text


# -- the city list follows the province, without JavaScript too ------------------------------


def test_show_cities_redisplays_the_form_with_that_provinces_cities_saving_nothing(
    signed_in, settings
):
    page = signed_in.get(NEW)
    assert ("refresh_regions", "1") in next(
        f for f in parse(page.text).forms if f.action == NEW
    ).buttons
    typed = {**ADDRESS, "province": "440000", "city": "", "refresh_regions": "1"}
    response = post(signed_in, NEW, typed)
    assert response.status_code == 200
    assert '<option value="440300">Shenzhen</option>' in response.text
    assert '<option value="310100"' not in response.text
    assert 'value="王芳"' in response.text  # the rest is kept
    assert "field__error" not in response.text  # nothing was checked yet
    assert addresses(settings) == []
    # ... and the same on the edit form.
    add(signed_in)
    (saved,) = addresses(settings)
    response = post(signed_in, f"{LIST}/{saved.id}/edit", typed)
    assert response.status_code == 200
    assert '<option value="440300">Shenzhen</option>' in response.text
    assert addresses(settings) == [saved]


def test_the_htmx_city_list_is_the_regions_module(signed_in):
    page = signed_in.get(NEW)
    assert 'hx-get="/regions/cities"' in page.text
    response = signed_in.get("/regions/cities?province=440000", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Shenzhen" in response.text
