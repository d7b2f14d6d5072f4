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
]


def current_links(html: str) -> list[str]:
    return re.findall(r'<a class="account-nav__link" href="([^"]+)" aria-current="page"', html)


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
