"""``require_user``: where an anonymous visitor is sent, and that a forged form still gets 403."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.support.forms import post_form


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/account/addresses?done=added", "/login?next=/account/addresses%3Fdone%3Dadded"),
        ("/account/privacy/my-data", "/login?next=/account/privacy/my-data"),
        ("/account/invoices/corporate/3/edit", "/login?next=/account/invoices/corporate/3/edit"),
    ],
)
def test_a_page_sends_a_visitor_to_log_in_and_back(
    client: TestClient, url: str, location: str
) -> None:
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == location


def test_a_post_only_action_comes_back_to_the_page_of_its_button(client: TestClient) -> None:
    # Nothing answers a GET at /account/sessions/5/end: the login sends the visitor to /account.
    response = post_form(client, "/account/sessions/5/end")
    assert response.headers["location"] == "/login?next=/account"
    response = post_form(client, "/account/addresses/5/default")
    assert response.headers["location"] == "/login?next=/account/addresses"


def test_a_form_with_its_own_next_comes_back_there(client: TestClient) -> None:
    response = post_form(client, "/policy/1.0/acknowledge", {"next": "/cookies"})
    assert response.headers["location"] == "/login?next=/cookies"
    response = post_form(client, "/policy/1.0/acknowledge", {"next": "https://evil.example/"})
    assert response.headers["location"] == "/login?next=/"


def test_htmx_gets_hx_redirect(client: TestClient) -> None:
    response = post_form(client, "/account/sessions/5/end", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/account"


def test_a_forged_form_is_refused_before_any_redirect(client: TestClient) -> None:
    response = post_form(client, "/account/information", {"name": "x"}, token="")
    assert response.status_code == 403
    response = post_form(client, "/account/information", {"name": "x"}, token="", files={"f": b"x"})
    assert response.status_code == 403
