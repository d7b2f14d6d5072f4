"""Every internal link of every page a customer can reach leads somewhere, in both languages.

The crawl starts at ``/`` and ``/account``, signed out and signed in as a verified customer who
has an address, both kinds of invoice details and a subscription, and follows every internal
``href``, every ``hx-get`` and the ``action`` of every GET form, as a browser would. It follows
only GETs (which never change anything) and never ``/logout``. A link answering 404 or a server
error fails the test, naming the page that linked to it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from starlette.testclient import TestClient

from portal.settings import Settings
from portal.urls import url_path
from tests.support.accounts import sign_up
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import post_form
from tests.support.inventory import fill_everything, user_by_email

START = ("/", "/account")
#: Where a GET would still end something (nothing answers a GET there today; kept out anyway).
NEVER_FOLLOW = {url_path("logout")}
#: Enough for every page of the site several times over; a crawl that runs away stops here.
LIMIT = 400


class _Links(HTMLParser):
    """The internal targets a browser would GET from a page: links, htmx GETs, GET forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag in {"a", "link"} and a.get("href"):
            self.targets.append(a["href"])
        if a.get("hx-get"):
            self.targets.append(a["hx-get"])
        if tag == "form" and a.get("method", "get").lower() == "get":
            self.targets.append(a.get("action", ""))


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)  # url -> status
    broken: list[str] = field(default_factory=list)

    def report(self) -> str:
        return "\n".join(self.broken)


def _internal(page: str, target: str) -> str | None:
    """``target`` as a path with query on this site (fragment dropped), or ``None``."""
    url = urljoin(f"http://testserver{page}", target)
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or parts.netloc != "testserver":
        return None  # mailto:, another site
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def crawl(client: TestClient, start: tuple[str, ...] = START) -> Crawl:
    result = Crawl()
    queue: deque[tuple[str, str]] = deque((url, "(start)") for url in start)
    seen = set(start)
    while queue and len(result.visited) < LIMIT:
        url, linked_from = queue.popleft()
        response = client.get(url)
        result.visited[url] = response.status_code
        if response.status_code == 404 or response.status_code >= 500:
            result.broken.append(
                f"{url} answered {response.status_code}, linked from {linked_from}"
            )
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page = urlsplit(str(response.url))
        here = f"{page.path}?{page.query}" if page.query else page.path
        parser = _Links()
        parser.feed(response.text)
        for target in parser.targets:
            found = _internal(here, target)
            if found is None or found in seen or urlsplit(found).path in NEVER_FOLLOW:
                continue
            seen.add(found)
            queue.append((found, here))
    return result


def _in_language(client: TestClient, locale: str) -> None:
    """Choose ``locale`` with the language switch, as a visitor would."""
    response = post_form(client, url_path("language"), {"language": locale, "next": "/"})
    assert response.status_code == 303


def _assert_language(client: TestClient, locale: str) -> None:
    lang = "zh-Hans" if locale == "zh_Hans" else "en"
    assert f'<html lang="{lang}"' in client.get("/").text


@pytest.fixture
def site(app) -> TestClient:
    # A server error is a finding of the crawl (reported with the linking page), not a crash.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_visitor_reaches_no_broken_link(site: TestClient, locale: str) -> None:
    _in_language(site, locale)
    _assert_language(site, locale)
    result = crawl(site)
    assert not result.broken, result.report()
    # The home page, login, registration, password help, the policy and its versions, cookies…
    assert len(result.visited) >= 10, sorted(result.visited)


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_customer_with_data_reaches_no_broken_link(
    site: TestClient, settings: Settings, locale: str
) -> None:
    sign_up(site)
    # Verified, with an address, both kinds of invoice details, a subscription, consents…
    fill_everything(settings, user_by_email(settings).id)
    _in_language(site, locale)
    _assert_language(site, locale)
    result = crawl(site)
    assert not result.broken, result.report()
    visited = set(result.visited)
    # Every part of the Personal Center, and the pages for each record in it.
    for name in ("addresses", "invoices", "subscriptions", "account_information", "consents"):
        assert url_path(name) in visited, sorted(visited)
    assert any(url.endswith("/edit") for url in visited), sorted(visited)
    assert len(result.visited) >= 25, sorted(result.visited)
