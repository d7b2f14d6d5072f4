"""Error pages: styled, in the visitor's language, with the right status codes."""

from __future__ import annotations

import logging

import pytest
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from portal import i18n
from portal.app import create_app
from tests.support.html import parse

HEADINGS = {
    403: "This form has expired",
    404: "We could not find that page",
    405: "That action is not available here",
    500: "Something went wrong on our side",
}


def expected_heading(status: int, locale: str) -> str:
    with i18n.use_locale(locale):
        heading = i18n.gettext(HEADINGS[status])
    if locale != "en":
        assert heading != HEADINGS[status], f"{HEADINGS[status]!r} is not translated"
    return heading


@pytest.mark.parametrize(
    ("accept", "locale", "lang"), [("en", "en", "en"), ("zh-CN", "zh_Hans", "zh-Hans")]
)
def test_not_found_is_the_styled_page(client: TestClient, accept, locale, lang) -> None:
    response = client.get("/no/such/page", headers={"Accept-Language": accept})
    assert response.status_code == 404
    assert response.template.name == "errors/error.html"
    assert response.context["status_code"] == 404
    document = parse(response.text)
    assert document.html_lang == lang
    assert expected_heading(404, locale) in response.text
    assert "/" in document.links  # a way back home
    assert "/policy" in document.footer_links
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_method_is_the_styled_405_page(client: TestClient) -> None:
    response = client.get("/language")
    assert response.status_code == 405
    assert response.template.name == "errors/error.html"
    assert "POST" in response.headers["Allow"]
    assert expected_heading(405, "en") in response.text


@pytest.fixture
def failing_client(settings) -> TestClient:
    async def boom(request: Request) -> None:
        raise RuntimeError("the database fell over")

    app = create_app(settings)
    app.router.routes.append(Route("/boom", boom))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("accept", "locale", "lang"), [("en", "en", "en"), ("zh-CN", "zh_Hans", "zh-Hans")]
)
def test_server_errors_are_the_styled_500_page(
    failing_client, caplog, accept, locale, lang
) -> None:
    with caplog.at_level(logging.ERROR, logger="portal"):
        response = failing_client.get("/boom", headers={"Accept-Language": accept})
    assert response.status_code == 500
    assert response.template.name == "errors/error.html"
    assert response.context["status_code"] == 500
    assert parse(response.text).html_lang == lang
    assert expected_heading(500, locale) in response.text
    assert "the database fell over" not in response.text  # no internals for visitors
    assert "RuntimeError: the database fell over" in caplog.text  # but for operators


def test_server_errors_follow_the_language_cookie(failing_client) -> None:
    failing_client.cookies.set(i18n.LANGUAGE_COOKIE, "zh_Hans")
    response = failing_client.get("/boom", headers={"Accept-Language": "en"})
    assert parse(response.text).html_lang == "zh-Hans"


def test_server_errors_carry_the_security_headers(failing_client) -> None:
    response = failing_client.get("/boom")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", "")
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
