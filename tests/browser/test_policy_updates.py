"""Policy updates in headless Chromium: the banner, "I have read it" with htmx and without
JavaScript, the consent page of a material version, and the cookie page; in both languages, at
390 and 1280 px, axe-clean.

Each test serves its own database with a policy dated around today (tests/privacy/conftest.py):
1.2 in force since yesterday, then 1.3 announced (or 1.2 material, for the consent page).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.app import create_app
from portal.privacy.models import POLICY_LEDGER_KINDS, ConsentRecord
from tests.support.browser import (
    assert_no_console_errors,
    first_screen,
    screenshot,
)
from tests.support.databases import copy_sqlite, in_thread
from tests.support.journeys import arrive, check
from tests.support.policy_updates import PASSWORD, PolicySite, create_user, days, make_policy
from tests.support.records import run
from tests.support.servers import LiveServer, serve
from tests.support.site import make_settings

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", "We reply within fifteen working days.", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", "我们将在十五个工作日内答复。", id="zh_Hans"),
]
NEXT_SUMMARY = {"en": "Updates are announced by email.", "zh_Hans": "更新将通过电子邮件通知。"}


@pytest.fixture(scope="module")
def minor(tmp_path_factory: pytest.TempPathFactory) -> PolicySite:
    return in_thread(
        make_policy,
        tmp_path_factory.mktemp("browser-minor"),
        [("1.2", days(-1), False), ("1.3", days(30), False)],
    )


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> PolicySite:
    return in_thread(
        make_policy, tmp_path_factory.mktemp("browser-material"), [("1.2", days(-1), True)]
    )


@pytest.fixture
def serve_policy(tmp_path: Path, sqlite_template: str) -> Iterator:
    """``serve_policy(policy)``: a live server on a fresh database with that policy."""
    with_servers = []

    def start(policy: PolicySite) -> LiveServer:
        directory = tmp_path / f"server{len(with_servers)}"
        settings = make_settings(
            directory,
            content_dir=policy.content,
            public_dir=policy.public,
            database_url=copy_sqlite(sqlite_template, directory / "db.sqlite3"),
        )
        app = create_app(settings)
        server = serve(app)
        url = server.__enter__()
        with_servers.append(server)
        return LiveServer(url, app, settings)

    yield start
    for server in with_servers:
        server.__exit__(None, None, None)


def sign_in(page: Page, site: LiveServer, language: str, consented_to: str) -> None:
    """A customer who agreed to ``consented_to``, in ``language``, signed in on ``page``."""
    user = in_thread(partial(create_user, site, consented_to=consented_to, locale=language))
    page.goto(site.url("/login"))
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("form[action^='/login'] button[type='submit']")


def ledger(site: LiveServer) -> list[tuple[str, str, str]]:
    async def work(session):
        rows = await session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.kind.in_(POLICY_LEDGER_KINDS))
            .order_by(ConsentRecord.id)
        )
        return [(r.kind, r.policy_version, r.language) for r in rows]

    return in_thread(run, site.settings, work)


@pytest.mark.parametrize(("language", "locale", "html_lang", "summary"), LANGUAGES)
def test_i_have_read_it_with_javascript(
    new_page, serve_policy, minor, language, locale, html_lang, summary
) -> None:
    site = serve_policy(minor)
    page = new_page(locale=locale)
    sign_in(page, site, language, consented_to="1.1")
    arrive(page, site.url("/account"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    banner = page.locator("#policy-banner")
    expect(banner).to_contain_text(summary)
    expect(banner.locator("a[href='/policy/1.2/changes']")).to_be_visible()
    check(page, f"policy-banner-{language}")

    # htmx swaps the banner for the next one (1.3, announced) without leaving the page.
    banner.get_by_role("button").click()
    expect(banner).to_contain_text(NEXT_SUMMARY[language])
    assert page.url == site.url("/account")
    check(page, f"policy-notice-{language}")
    banner.get_by_role("button").click()
    expect(page.locator("#policy-banner")).to_have_count(0)
    assert ledger(site) == [
        ("policy_consent", "1.1", language),
        ("policy_acknowledgment", "1.2", language),
        ("policy_acknowledgment", "1.3", language),
    ]
    page.reload()
    expect(page.locator("#policy-banner")).to_have_count(0)
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang", "summary"), LANGUAGES)
def test_i_have_read_it_without_javascript(
    new_page, serve_policy, minor, language, locale, html_lang, summary
) -> None:
    site = serve_policy(minor)
    page = new_page(locale=locale, java_script_enabled=False)
    sign_in(page, site, language, consented_to="1.1")
    arrive(page, site.url("/account"))
    page.goto(site.url("/cookies"))
    banner = page.locator("#policy-banner")
    expect(banner).to_contain_text(summary)
    banner.get_by_role("button").click()
    arrive(page, site.url("/cookies"))  # the form comes back to the page it was sent from
    expect(page.locator("#policy-banner")).to_contain_text(NEXT_SUMMARY[language])
    # No axe here: it runs as a script, which this page does not allow (the same banner is
    # checked with JavaScript above).
    screenshot(page, f"policy-notice-nojs-{language}")
    assert ledger(site)[-1] == ("policy_acknowledgment", "1.2", language)
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang", "summary"), LANGUAGES)
def test_a_material_version_asks_for_consent_first(
    new_page, serve_policy, material, language, locale, html_lang, summary
) -> None:
    site = serve_policy(material)
    page = new_page(locale=locale)
    sign_in(page, site, language, consented_to="1.1")
    arrive(page, site.url("/policy/1.2/consent?next=/account"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator("main")).to_contain_text(summary)
    expect(page.locator("main ins").first).to_be_visible()
    expect(page.locator("a[href='/account/privacy/deregister']")).to_be_visible()
    check(page, f"policy-consent-{language}")
    # The policy stays readable, with a banner that leads back here.
    page.goto(site.url("/policy"))
    expect(page.locator("#policy-banner.banner--material")).to_be_visible()
    check(page, f"policy-material-banner-{language}")
    page.locator("#policy-banner a[href^='/policy/1.2/consent']").click()
    arrive(page, site.url("/policy/1.2/consent?next=/policy"))
    page.click("form[action='/policy/1.2/consent'] button[type='submit']")
    arrive(page, site.url("/policy"))
    expect(page.locator("#policy-banner")).to_have_count(0)
    page.goto(site.url("/account"))
    expect(page).to_have_url(site.url("/account"))
    assert ledger(site)[-1] == ("policy_material_consent", "1.2", language)
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang", "summary"), LANGUAGES)
def test_the_consent_records_and_cookie_pages(
    new_page, serve_policy, minor, language, locale, html_lang, summary
) -> None:
    site = serve_policy(minor)
    page = new_page(locale=locale)
    page.goto(site.url("/cookies"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator("#cookie-portal_device")).to_be_visible()
    expect(page.locator("#cookie-portal_session")).to_be_visible()
    check(page, f"cookies-{language}")
    sign_in(page, site, language, consented_to="1.1")
    arrive(page, site.url("/account"))
    page.click(".account-nav a[href='/account/consents'] >> visible=true")
    arrive(page, site.url("/account/consents"))
    # Registration recorded two things: the policy agreed to, and the legal capacity declared.
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    agreed, capacity = {
        "en": ("Agreed to the Data Protection Policy", "full legal capacity"),
        "zh_Hans": ("同意《数据保护政策》", "完全民事行为能力"),
    }[language]
    expect(rows.filter(has_text=agreed)).to_have_count(1)
    expect(rows.filter(has_text=capacity)).to_have_count(1)
    check(page, f"consents-{language}")
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang", "summary"), LANGUAGES)
@pytest.mark.parametrize("kind", ["minor", "material"])
def test_on_a_phone_the_header_and_banner_take_a_quarter_of_the_screen(
    new_page, serve_policy, minor, material, kind, language, locale, html_lang, summary
) -> None:
    site = serve_policy(minor if kind == "minor" else material)
    page = new_page(locale=locale, viewport={"width": 390, "height": 844})
    sign_in(page, site, language, consented_to="1.1")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(site.url("/policy"))  # open to a material change's customers too
    banner = page.locator("#policy-banner")
    expect(banner).to_be_visible()
    first_screen(page, f"policy-banner-phone-{kind}-{language}")
    box = banner.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 844 / 4, box
