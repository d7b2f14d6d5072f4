""" "What we hold on you" in headless Chromium: a customer who filled in everything reads the page
in both languages, at 390 and 1280 px, axe-clean, and follows a "Correct" link; a new customer's
page after ten saves stays under 8,000 px on a phone, and its history pages through every save."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.profile.my_data.events import PER_PAGE
from tests.support.browser import assert_no_console_errors, screenshot
from tests.support.databases import in_thread
from tests.support.history import write_saves
from tests.support.inventory import BANK_ACCOUNT, FULL, URL, fill_everything, user_by_email
from tests.support.journeys import arrive, check, htmx_settled, sign_up
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


# -- a new customer's page stays readable on a phone ------------------------------------------

PHONE = {"width": 390, "height": 844}
#: The page of a customer who signed up and saved ten times, on a phone: at most this tall.
MOST_PX = 8_000
#: A new customer's first ten saves: an address added, then changed nine times.
CHANGES = [
    {"#shipping_address": "南山区科技园南区 12 栋 3 楼", "#postal_code": "518000"},
    {"#recipient_name": "陈刚", "#phone": "139 8765 4321"},
    {"#organization_name": "深圳精密制造有限公司"},
    {"#shipping_address": "南山区科技园南区 12 栋 5 楼"},
    {"#postal_code": "518057", "#recipient_name": "王芳"},
    {"#phone": "139 1234 5678"},
    {"#organization_name": "", "#shipping_address": "福田区深南大道 1 号"},
    {"#recipient_name": "王芳芳", "#postal_code": "518048"},
    {"#shipping_address": "福田区深南大道 2 号", "#phone": "138 0013 8000"},
]


def ten_saves(page: Page, site: LiveServer) -> None:
    """Add an address through its form, then change it nine times, as a customer would."""
    page.goto(site.url("/account/addresses/new"))
    page.fill("#recipient_name", "王芳")
    page.fill("#phone", "139 1234 5678")
    page.fill("#shipping_address", "南山区科技园南区 12 栋")
    page.select_option("#province", "440000")
    expect(page.locator("#city option[value='440300']")).to_have_count(1)
    htmx_settled(page)
    page.select_option("#city", "440300")
    page.fill("#postal_code", "518057")
    page.click("form.form button.button[type='submit']")
    arrive(page, "**/account/addresses?done=added")
    edit = page.locator("a[href$='/edit']").first.get_attribute("href")
    for change in CHANGES:
        page.goto(site.url(str(edit)))
        for field, value in change.items():
            page.fill(field, value)
        page.click("form.form button.button[type='submit']")
        arrive(page, "**/account/addresses?done=saved")


def height(page: Page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


#: The history's words for its second page, in each language.
PAGING = {
    "en": ("You changed Address 1 (default)", "Older changes", "Page 2 of 2"),
    "zh_Hans": ("您修改了地址 1（默认）", "较早的修改", "第 2 页，共 2 页"),
}


@pytest.mark.parametrize(("language", "locale", "html_lang", "words", "province"), LANGUAGES)
def test_after_sign_up_and_ten_saves_the_page_is_short_on_a_phone_and_the_history_pages(
    new_page, site: LiveServer, language, locale, html_lang, words, province
) -> None:
    page: Page = new_page(locale=locale, viewport=PHONE)
    email = f"ten.saves.{language.lower()}@example.cn"
    sign_up(page, site, email)
    ten_saves(page, site)
    page.goto(site.url(URL))
    arrive(page, f"**{URL}")
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    tall = height(page)
    print(f"\n{URL} at 390 px ({language}) after sign-up and ten saves: {tall} px")
    assert tall < MOST_PX
    check(page, f"my-data-ten-saves-{language}")
    page.set_viewport_size(PHONE)

    # The history is folded; opened, it shows each save as one line.
    changed, older, last_page = PAGING[language]
    history = page.locator("#change-history")
    expect(history.locator("details")).not_to_have_attribute("open", "")
    history.locator("summary").click()
    expect(history.locator("tbody tr")).to_have_count(len(CHANGES) + 1)
    expect(history.locator("tbody tr").first).to_contain_text(changed)
    assert height(page) < MOST_PX + 1_500  # open, ten lines more

    # Longer than a page: the link to the older saves lands on the history, open.
    user = in_thread(user_by_email, site.settings, email)
    in_thread(write_saves, site.settings, user.id, PER_PAGE)
    page.reload()
    page.locator("#change-history summary").click()
    page.locator("#change-history a[rel='next']", has_text=older).click()
    arrive(page, f"**{URL}?history_page=2#change-history")
    expect(history.locator("details")).to_have_attribute("open", "")
    expect(history).to_contain_text(last_page)
    expect(history.locator("tbody tr")).to_have_count(len(CHANGES) + 1)
    assert (
        page.evaluate("() => document.querySelector('#change-history').getBoundingClientRect().top")
        < 100
    )
    screenshot(page, f"my-data-history-page-2-{language}")
    assert_no_console_errors(page)
