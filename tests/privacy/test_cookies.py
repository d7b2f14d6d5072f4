"""The cookie page lists every cookie the site sets, with the flags it really sets them with;
the footer of every page and section 2 of the policy (from version 1.2) link to it."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from starlette.testclient import TestClient

from portal.accounts.devices import DEVICE_LIFETIME
from portal.accounts.sessions import REMEMBER_LIFETIME
from portal.app import create_app
from portal.i18n import LANGUAGE_COOKIE_MAX_AGE
from portal.privacy.cookies import site_cookies
from tests.support.forms import post_form
from tests.support.html import parse
from tests.support.policy_updates import PASSWORD, create_user
from tests.support.site import make_settings

ZH = "zh-CN,zh;q=0.9"
ALL = {"portal_session", "portal_language", "portal_csrf", "portal_device"}


def set_cookies(response) -> dict[str, dict]:
    """``Set-Cookie`` headers by cookie name: the attributes, lower-cased, with their values."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            found[name] = {
                key: value for key, value in morsel.items() if value not in ("", False)
            } | {"header": header.lower()}
    return found


def every_cookie_the_site_sets(client: TestClient, site) -> dict[str, dict]:
    """Walk the flows that set cookies: a first visit, the language switch, remember me."""
    cookies = set_cookies(client.get("/"))
    cookies |= set_cookies(
        post_form(client, "/language", {"language": "zh_Hans", "next": "/"}, page="/")
    )
    user = create_user(site)
    cookies |= set_cookies(
        post_form(
            client,
            "/login",
            {"email": user.email, "password": PASSWORD, "remember": "y"},
            page="/login",
        )
    )
    return cookies


def test_every_cookie_the_site_sets_is_on_the_page_as_it_is_set(open_site, minor_update):
    site = open_site(minor_update)
    cookies = every_cookie_the_site_sets(site.client, site)
    page = site.client.get("/cookies")
    assert page.status_code == 200
    assert page.template.name == "privacy/cookies.html"
    listed = {cookie.name: cookie for cookie in page.context["cookies"]}
    assert set(cookies) == set(listed) == ALL
    for name, attributes in cookies.items():
        assert "httponly" in attributes["header"], name
        assert "samesite=lax" in attributes["header"], name
        assert listed[name].flags == ("HttpOnly", "SameSite=Lax", "Secure")
        assert f'id="cookie-{name}"' in page.text
    assert cookies["portal_language"]["max-age"] == str(LANGUAGE_COOKIE_MAX_AGE)
    assert cookies["portal_session"]["max-age"] == str(int(REMEMBER_LIFETIME.total_seconds()))
    assert "max-age" not in cookies["portal_csrf"]  # a browser-session cookie
    assert cookies["portal_device"]["max-age"] == str(int(DEVICE_LIFETIME.total_seconds()))


def test_the_lifetimes_are_the_codes(client):
    by_name = {cookie.name: cookie for cookie in site_cookies()}
    assert "30 days" in by_name["portal_session"].lifetime
    assert "12 idle hours" in by_name["portal_session"].lifetime
    assert by_name["portal_language"].lifetime == "1 year"
    assert LANGUAGE_COOKIE_MAX_AGE == 365 * 24 * 3600
    assert REMEMBER_LIFETIME.days == 30
    assert by_name["portal_device"].lifetime == "180 days"
    assert DEVICE_LIFETIME.days == 180


def test_in_production_every_cookie_is_secure(tmp_path, built_policy, database_url):
    settings = make_settings(
        tmp_path, public_dir=built_policy, database_url=database_url, environment="production"
    )
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as client:

        class Site:
            pass

        site = Site()
        site.app, site.settings = app, settings
        cookies = every_cookie_the_site_sets(client, site)
    assert set(cookies) == ALL
    for name, attributes in cookies.items():
        assert "secure" in attributes["header"], name


@pytest.mark.parametrize(
    ("accept", "lang", "title"), [("en", "en", "Cookies on this website"), (ZH, "zh-Hans", None)]
)
def test_the_cookie_page_in_both_languages(client, accept, lang, title):
    response = client.get("/cookies", headers={"Accept-Language": accept})
    assert response.status_code == 200
    document = parse(response.text)
    assert document.html_lang == lang
    if title:
        assert title in response.text
    for name in ALL:
        assert name in response.text
    assert "/policy#cookies" in document.links


@pytest.mark.parametrize("path", ["/", "/policy", "/cookies", "/login", "/nope"])
def test_every_page_links_to_the_cookie_page_in_its_footer(client, path):
    for accept in ("en", ZH):
        document = parse(client.get(path, headers={"Accept-Language": accept}).text)
        assert "/cookies" in document.footer_links, (path, accept)


@pytest.mark.parametrize(("accept", "words"), [("en", "Cookies page"), (ZH, "Cookie页面")])
def test_section_2_of_policy_1_2_links_to_the_cookie_page(client, accept, words):
    response = client.get("/policy/1.2", headers={"Accept-Language": accept})
    assert response.status_code == 200
    assert f'<a href="/cookies">{words}</a>' in response.text
    section = response.text.split('id="cookies"', 1)[1].split("<h2", 1)[0]
    assert 'href="/cookies"' in section
    # ... and only from 1.2: the published 1.1 stays as it was.
    assert (
        'href="/cookies"'
        not in client.get("/policy/1.1").text.split('class="policy"')[1].split("</article>")[0]
    )
