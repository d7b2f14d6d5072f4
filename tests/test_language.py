"""Languages: negotiation, the cookie, <html lang>, and the language switch on every page."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from portal import i18n
from tests.support.forms import csrf_token, post_form
from tests.support.html import parse

ZH = "zh-CN,zh;q=0.9"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("zh-TW,zh;q=0.9", "zh_Hans"),  # the only Chinese we publish
        ("zh-Hant-HK", "zh_Hans"),
        ("zh_Hans", "zh_Hans"),
        ("en-GB,en;q=0.9", "en"),
        ("EN-us", "en"),
        ("fr-FR,en;q=0.5,zh;q=0.8", "zh_Hans"),  # q-values, not order
        ("en;q=0.1, zh-CN;q=0.9", "zh_Hans"),
        ("zh;q=0, en", "en"),  # q=0 means "not this one"
        ("de, zh-CN;q=0.5, en;q=0.5", "zh_Hans"),  # equal q: the order decides
        ("zh-CN;q=abc, en;q=0.2", "en"),  # a malformed q counts as 0
        ("fr-FR, de", None),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str | None) -> None:
    assert i18n.negotiate(header) == expected


@pytest.mark.parametrize(
    ("header", "html_lang"),
    [("zh-CN,zh;q=0.9", "zh-Hans"), ("zh-TW", "zh-Hans"), ("en-GB", "en"), ("fr-FR, de", "en")],
)
def test_pages_are_served_in_the_negotiated_language(client: TestClient, header, html_lang):
    response = client.get("/", headers={"Accept-Language": header})
    assert parse(response.text).html_lang == html_lang
    assert response.headers["Content-Language"] == html_lang
    assert "Accept-Language" in response.headers["Vary"]


def test_without_accept_language_the_site_is_english(client: TestClient) -> None:
    assert parse(client.get("/").text).html_lang == "en"


def test_the_cookie_beats_accept_language(client: TestClient) -> None:
    client.cookies.set(i18n.LANGUAGE_COOKIE, "zh_Hans")
    response = client.get("/policy", headers={"Accept-Language": "en-GB,en"})
    assert parse(response.text).html_lang == "zh-Hans"
    assert "Cookie" in response.headers["Vary"]

    client.cookies.set(i18n.LANGUAGE_COOKIE, "en")
    assert parse(client.get("/policy", headers={"Accept-Language": ZH}).text).html_lang == "en"


def test_an_unknown_cookie_value_falls_back_to_accept_language(client: TestClient) -> None:
    client.cookies.set(i18n.LANGUAGE_COOKIE, "fr")
    assert parse(client.get("/", headers={"Accept-Language": ZH}).text).html_lang == "zh-Hans"


def test_chinese_pages_are_translated(client: TestClient) -> None:
    with i18n.use_locale("zh_Hans"):
        expected = i18n.gettext("Data Protection Policy")
    assert expected != "Data Protection Policy", "the zh_Hans catalogue is not compiled"
    response = client.get("/", headers={"Accept-Language": ZH})
    assert expected in response.text
    assert ">Data Protection Policy<" not in response.text


# -- the switch ------------------------------------------------------------------------------


def test_switch_sets_the_cookie_and_returns_to_the_page(client: TestClient) -> None:
    response = post_form(
        client, "/language", {"language": "zh_Hans", "next": "/policy/changes"}, page="/policy"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/policy/changes"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{i18n.LANGUAGE_COOKIE}=zh_Hans;")
    assert "Max-Age=31536000" in cookie  # remembered for a year
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()

    page = client.get("/policy/changes", headers={"Accept-Language": "en"})
    assert parse(page.text).html_lang == "zh-Hans"

    back = post_form(client, "/language", {"language": "en", "next": "/policy/changes"})
    assert back.status_code == 303
    assert parse(client.get("/policy/changes").text).html_lang == "en"


def test_switch_keeps_the_query_string(client: TestClient) -> None:
    response = post_form(client, "/language", {"language": "en", "next": "/policy?from=footer"})
    assert response.headers["Location"] == "/policy?from=footer"


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "http:evil.com",
        "javascript:alert(1)",
        "evil.com/path",
        "/\tevil.com",
        "/policy\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_switch_refuses_to_leave_the_site(client: TestClient, next_url: str) -> None:
    response = post_form(client, "/language", {"language": "zh_Hans", "next": next_url})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_switch_without_next_goes_home(client: TestClient) -> None:
    response = post_form(client, "/language", {"language": "zh_Hans"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("language", ["fr", "zh-Hans", "ZH_HANS", "", "en; Path=/"])
def test_switch_ignores_unknown_languages(client: TestClient, language: str) -> None:
    response = post_form(client, "/language", {"language": language, "next": "/policy"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/policy"
    assert i18n.LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")
    assert parse(client.get("/policy").text).html_lang == "en"


PAGES = ["/", "/policy", "/policy/1.0", "/policy/changes", "/policy/1.1/changes", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("accept", "other"), [("en", "zh_Hans"), (ZH, "en")])
def test_every_page_has_the_switch(client: TestClient, path: str, accept: str, other: str) -> None:
    response = client.get(path, headers={"Accept-Language": accept})
    switches = [f for f in parse(response.text).forms if f.action == "/language"]
    assert len(switches) == 1, f"{path} should have one language switch"
    switch = switches[0]
    assert switch.method == "post"
    assert switch.fields["next"] == path
    assert switch.fields["csrf_token"] == csrf_token(response)
    assert switch.buttons == [("language", other)]  # the language not shown is offered


def test_the_switch_on_a_page_with_a_query_returns_to_it(client: TestClient) -> None:
    response = client.get("/policy/changes?ref=mail")
    [switch] = [f for f in parse(response.text).forms if f.action == "/language"]
    assert switch.fields["next"] == "/policy/changes?ref=mail"


def test_switch_runs_the_language_hooks(app, client: TestClient) -> None:
    """Later areas (the signed-in user's preference) hook in; the hook sees the new language."""
    seen: list[str] = []

    async def remember(request, locale: str) -> None:
        seen.append(locale)

    app.state.language_hooks.append(remember)
    post_form(client, "/language", {"language": "zh_Hans", "next": "/"})
    post_form(client, "/language", {"language": "xx", "next": "/"})
    assert seen == ["zh_Hans"]


# -- random input never breaks the switch ----------------------------------------------------

FIELD_NAMES = st.one_of(st.sampled_from(["language", "next", "csrf_token"]), st.text(max_size=20))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    form=st.dictionaries(FIELD_NAMES, st.text(max_size=60), max_size=6),
    with_token=st.booleans(),
    token_first=st.booleans(),
)
def test_random_forms_never_break_the_switch(
    client: TestClient, form: dict[str, str], with_token: bool, token_first: bool
) -> None:
    token = csrf_token(client.get("/"))
    data = dict(form)
    if with_token:
        data = {"csrf_token": token, **data} if token_first else {**data, "csrf_token": token}
    response = client.post("/language", data=data, follow_redirects=False)
    assert response.status_code in (303, 403), response.text[:300]
    if response.status_code == 303:
        location = response.headers["Location"]
        assert location.startswith("/")
        assert not location.startswith(("//", "/\\"))
        assert data.get("csrf_token") == token


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=200))
def test_random_bodies_never_break_the_switch(client: TestClient, body: bytes) -> None:
    token = csrf_token(client.get("/"))
    for content in (body, f"csrf_token={token}&".encode() + body):
        response = client.post(
            "/language",
            content=content,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        # 400: a body that is not UTF-8 is refused before anything reads it (web/csrf.py)
        assert response.status_code in (303, 400, 403)
        if response.status_code == 400:
            assert not _is_utf8_form(content)


def _is_utf8_form(content: bytes) -> bool:
    """Whether ``content`` and every %-escape in it decode as UTF-8."""
    from urllib.parse import unquote_to_bytes

    try:
        content.decode("utf-8")
        for pair in content.split(b"&"):
            for part in pair.split(b"=", 1):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
