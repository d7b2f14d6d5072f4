""" "What we hold on you" in headless Chromium: a customer who filled in everything reads the page
in both languages, at 390 and 1280 px, axe-clean, and follows a "Correct" link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import assert_no_console_errors
from tests.support.databases import in_thread
from tests.support.inventory import BANK_ACCOUNT, FULL, URL, fill_everything, user_by_email
from tests.support.journeys import arrive, check, sign_up
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", "What we hold on you", "Guangdong", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", "账户安全与记录", "广东省", id="zh_Hans"),
]


@pytest.mark.parametrize(("language", "locale", "html_lang", "words", "province"), LANGUAGES)
def test_a_customer_reads_everything_we_hold_and_goes_to_correct_an_address(
    new_page, site: LiveServer, language, locale, html_lang, words, province
) -> None:
    page: Page = new_page(locale=locale)
    email = f"my.data.{language.lower()}@example.cn"
    sign_up(page, site, email)
    user = in_thread(user_by_email, site.settings, email)
    in_thread(fill_everything, site.settings, user.id)

    page.goto(site.url(URL))
    arrive(page, f"**{URL}")
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator("main")).to_contain_text(words)
    expect(page.locator("main")).to_contain_text(province)
    expect(page.locator("main")).to_contain_text(FULL["shipping_address"])
    expect(page.locator("main")).to_contain_text(FULL["ip_address"])
    expect(page.locator("main")).not_to_contain_text(BANK_ACCOUNT)
    expect(page.locator(".account-nav a[aria-current='page'] >> visible=true")).to_have_attribute(
        "href", URL
    )
    check(page, f"my-data-{language}")
    assert_no_console_errors(page)

    page.locator("a[href^='/account/addresses/'][href$='/edit']").first.click()
    page.wait_for_url("**/account/addresses/*/edit")
