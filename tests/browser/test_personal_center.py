"""The Personal Center's frame in headless Chromium, in both languages: the overview that says
what is there, the side menu on a desktop, the compact menu on a phone, "Log out" in the header.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_no_console_errors, screenshot
from tests.support.journeys import arrive, check, sign_up
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "Shipping addresses", "None saved yet", id="en"),
    pytest.param("zh_Hans", "zh-CN", "收货地址", "尚未保存", id="zh_Hans"),
]
PHONE = {"width": 390, "height": 844}
SECTIONS = 13  # the links of templates/profile/_nav.html


@pytest.mark.parametrize(("language", "locale", "addresses", "none_yet"), LANGUAGES)
def test_the_overview_and_the_side_menu_on_a_desktop(
    new_page, site: LiveServer, language, locale, addresses, none_yet
) -> None:
    page = new_page(locale=locale)
    sign_up(page, site, f"overview.{language.lower()}@example.cn")
    page.goto(site.url("/account"))
    arrive(page, site.url("/account"))
    overview = page.locator(".overview")
    card = overview.locator(".overview__item", has_text=addresses)
    expect(card).to_contain_text(none_yet)
    side = page.locator(".account-nav__side")
    expect(side).to_be_visible()
    expect(side.locator(".account-nav__link")).to_have_count(SECTIONS)
    expect(page.locator(".account-nav__compact")).to_be_hidden()
    check(page, f"personal-center-overview-{language}")

    # The whole card is its link.
    box = card.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 10, box["y"] + box["height"] - 10)
    arrive(page, site.url("/account/addresses"))
    expect(side.locator("[aria-current='page']")).to_have_text(addresses)
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "addresses", "none_yet"), LANGUAGES)
def test_on_a_phone_one_line_names_the_section_and_opens_the_menu(
    new_page, site: LiveServer, language, locale, addresses, none_yet
) -> None:
    page = new_page(locale=locale, viewport=PHONE)
    sign_up(page, site, f"phone.menu.{language.lower()}@example.cn")
    page.goto(site.url("/account/addresses"))
    arrive(page, site.url("/account/addresses"))
    compact = page.locator(".account-nav__compact")
    expect(compact.locator(".account-nav__current")).to_have_text(addresses)
    expect(page.locator(".account-nav__side")).to_be_hidden()
    expect(compact.locator(".account-nav__link").first).to_be_hidden()
    # The header is one row: the logo, the account links and the other language.
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    assert header["height"] <= 70, header
    expect(page.locator(".site-header form[action='/logout'] button")).to_be_visible()
    screenshot(page, f"personal-center-phone-{language}", widths=(390,))

    compact.locator("summary").click()
    expect(compact.locator(".account-nav__link")).to_have_count(SECTIONS)
    expect(compact.locator(".account-nav__link[aria-current='page']")).to_have_text(addresses)
    screenshot(page, f"personal-center-phone-menu-{language}", widths=(390,))
    compact.locator(".account-nav__link[href='/account/consents']").click()
    arrive(page, site.url("/account/consents"))

    # "Log out" in the header signs out.
    page.click(".site-header form[action='/logout'] button")
    arrive(page, site.url("/"))
    expect(page.locator(".site-header a[href='/login']")).to_be_visible()
    assert_no_console_errors(page)
