"""The Personal Center's navigation is on each of its pages and marks the one the user is on."""

from __future__ import annotations

import re

import pytest

SECTIONS = [
    "/account",
    "/account/information",
    "/account/addresses",
    "/account/invoices",
    "/account/password",
    "/account/subscriptions",
    "/account/privacy/my-data",
    "/account/consents",
    "/account/privacy/deregister",
]


def current_links(html: str) -> list[str]:
    """The links marked current, once per menu: each page carries the phone's compact menu and
    the desktop's side menu (CSS shows one), and both must mark the same section."""
    found = re.findall(r'<a class="account-nav__link" href="([^"]+)" aria-current="page"', html)
    assert len(found) == 2, found
    assert found[0] == found[1], found
    return found[:1]


@pytest.mark.parametrize("path", SECTIONS)
def test_every_section_shows_the_navigation_with_itself_marked(signed_in, path):
    response = signed_in.get(path)
    assert response.status_code == 200
    assert current_links(response.text) == [path]
    for section in SECTIONS:
        assert f'href="{section}"' in response.text


def test_a_page_below_a_section_or_with_a_query_marks_the_section(signed_in):
    assert current_links(signed_in.get("/account/addresses/new").text) == ["/account/addresses"]
    assert current_links(signed_in.get("/account/addresses?done=added").text) == [
        "/account/addresses"
    ]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/account", "Overview"),
        ("/account/invoices/corporate/new", "Invoice information"),
        ("/account/privacy/my-data", "What we hold on you"),
    ],
)
def test_the_phone_menu_names_the_section_the_user_is_in(signed_in, path, name):
    assert f'<span class="account-nav__current">{name}</span>' in signed_in.get(path).text


def test_the_overview_counts_what_each_section_holds(signed_in):
    page = signed_in.get("/account").text
    assert "None saved yet" in page  # no address, no invoice details yet
    assert re.search(r"\d+ records?</p>", page)  # the registration's consent at least
