"""Shipping addresses are their owner's alone: another user's id, an id that cannot exist, and a
visitor who is not signed in all meet 404 or the login page, on every route."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.support.accounts import register
from tests.support.addresses import ADDRESS, LIST, NEW, SHENZHEN, add, addresses, audit
from tests.support.forms import post

# -- only one's own addresses ----------------------------------------------------------------

ROUTES = [
    ("GET", "/account/addresses/{id}/edit"),
    ("POST", "/account/addresses/{id}/edit"),
    ("GET", "/account/addresses/{id}/delete"),
    ("POST", "/account/addresses/{id}/delete"),
    ("POST", "/account/addresses/{id}/default"),
]


def request(client: TestClient, method: str, url: str, **kwargs):
    if method == "GET":
        return client.get(url, follow_redirects=False, **kwargs)
    return post(client, url, ADDRESS, **kwargs)


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_another_users_address_is_not_found_on_every_route(app, signed_in, settings, method, route):
    add(signed_in, **SHENZHEN)  # not the default: make default and delete would change things
    add(signed_in)
    victims = addresses(settings)
    intruder = TestClient(app)
    with intruder:
        register(intruder, email="intruder@example.cn", phone="137 0000 1111")
        add(intruder, recipient_name="入侵者")
        for victim in victims:
            response = request(intruder, method, route.format(id=victim.id))
            assert response.status_code == 404
            assert "王芳" not in response.text
            assert "陈刚" not in response.text
            response = request(
                intruder,
                method,
                route.format(id=victim.id),
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 404
    assert addresses(settings)[:2] == victims
    assert not [
        row
        for row in audit(settings)
        if row[0] in {f"shipping_address:{v.id}" for v in victims} and row[2] != "added"
    ]


@pytest.mark.parametrize(("method", "route"), ROUTES)
@pytest.mark.parametrize("address_id", [0, 2**31 - 1, 2**31, 2**63, 10**40])
def test_ids_that_cannot_exist_are_not_found(signed_in, method, route, address_id):
    add(signed_in)
    assert request(signed_in, method, route.format(id=address_id)).status_code == 404


@pytest.mark.parametrize("path", ["-1", "abc", "1.5", "%00"])
def test_ids_that_are_not_numbers_are_not_found(signed_in, path):
    assert signed_in.get(f"{LIST}/{path}/edit").status_code == 404
    assert post(signed_in, f"{LIST}/{path}/delete").status_code == 404


@pytest.mark.parametrize(("method", "route"), [("GET", LIST), ("GET", NEW), ("POST", NEW), *ROUTES])
def test_visitors_who_are_not_signed_in_are_asked_to_log_in(client, method, route):
    response = request(client, method, route.format(id=1))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/account/addresses")
