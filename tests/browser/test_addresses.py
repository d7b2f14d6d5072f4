"""Shipping addresses in headless Chromium: on a 390 px phone with htmx (province, then the city
list that follows it; edit, make default, delete after the browser asks), and without JavaScript
(the "Show cities" button, the confirmation page); in both languages, screenshots at 390 and
1280 px, axe-clean wherever scripts run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import assert_no_console_errors, screenshot
from tests.support.journeys import arrive, check, htmx_settled, sign_up
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", "Shenzhen", "Beijing", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", "深圳市", "北京市", id="zh_Hans"),
]
PHONE = {"width": 390, "height": 844}
LIST = "/account/addresses"
KEEP = {"en": "Keep it", "zh_Hans": "保留"}


def look(page: Page, name: str) -> None:
    """Axe and the screenshots at both widths, then back to the phone."""
    check(page, name)
    page.set_viewport_size(PHONE)


def fill(page: Page, recipient: str, phone: str, street: str, postal_code: str) -> None:
    page.fill("#recipient_name", recipient)
    page.fill("#phone", phone)
    page.fill("#shipping_address", street)
    page.fill("#postal_code", postal_code)


def cards(page: Page):
    return page.locator("#addresses .address-card")


@pytest.mark.parametrize(("language", "locale", "html_lang", "shenzhen", "beijing"), LANGUAGES)
def test_a_customer_keeps_addresses_on_a_phone(
    new_page, site: LiveServer, language, locale, html_lang, shenzhen, beijing
) -> None:
    page = new_page(locale=locale, viewport=PHONE)
    sign_up(page, site, f"addresses.{language.lower()}@example.cn")
    page.goto(site.url(LIST))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator(".account-nav__compact a[aria-current='page']")).to_have_attribute(
        "href", LIST
    )
    look(page, f"addresses-empty-{language}")

    page.click(f"a[href='{LIST}/new']")
    arrive(page, f"**{LIST}/new")
    # With htmx the picker needs no "Show cities" button.
    expect(page.locator("button[name='refresh_regions']")).to_have_count(0)
    look(page, f"addresses-new-{language}")

    # A mistake first: the errors sit beside their fields and what was typed stays.
    fill(page, "王芳", "139 1234 5678", "南山区科技园南区 12 栋 3 楼", "5180")
    page.click("form.form button.button[type='submit']")
    expect(page.locator("#postal_code-error")).to_be_visible()
    expect(page.locator("#province-error")).to_be_visible()
    expect(page.locator("#recipient_name")).to_have_value("王芳")
    look(page, f"addresses-new-errors-{language}")

    # Province, then the city list follows it (htmx).
    page.select_option("#province", "440000")
    expect(page.locator("#city option[value='440300']")).to_have_text(shenzhen)
    htmx_settled(page)
    page.select_option("#city", "440300")
    page.fill("#postal_code", "518057")
    page.click("form.form button.button[type='submit']")
    arrive(page, f"**{LIST}?done=added")
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first.locator(".tag--success")).to_be_visible()  # the first is the default
    expect(cards(page).first).to_contain_text(shenzhen)
    expect(cards(page).first).to_contain_text("139 1234 5678")

    # A second one, in a municipality: its one city is chosen with the province.
    page.click(f"a[href='{LIST}/new']")
    fill(page, "陈刚", "+852 5123 4567", "朝阳区建国路 88 号 SOHO 现代城 A 座 1201", "100022")
    page.fill("#organization_name", "北京精密模具有限公司")
    page.select_option("#province", "110000")
    expect(page.locator("#city")).to_have_value("110100")
    page.click("form.form button.button[type='submit']")
    arrive(page, f"**{LIST}?done=added")
    expect(cards(page)).to_have_count(2)
    look(page, f"addresses-list-{language}")

    # Edit the second: the form shows it as saved.
    second = cards(page).filter(has_text="陈刚")
    second.locator("a[href$='/edit']").click()
    arrive(page, "**/edit")
    expect(page.locator("#phone")).to_have_value("+852 5123 4567")
    expect(page.locator("#city")).to_have_value("110100")
    look(page, f"addresses-edit-{language}")
    page.fill("#postal_code", "100020")
    page.click("form.form button.button[type='submit']")
    arrive(page, f"**{LIST}?done=saved")
    expect(cards(page).filter(has_text="陈刚")).to_contain_text("100020")
    expect(cards(page).filter(has_text="陈刚")).to_contain_text(beijing)

    # Make it the default, in place (no new page).
    before = page.url
    cards(page).filter(has_text="陈刚").locator("form[action$='/default'] button").click()
    expect(cards(page).first).to_contain_text("陈刚")
    expect(cards(page).first.locator(".tag--success")).to_be_visible()
    expect(page.locator(".tag--success")).to_have_count(1)
    expect(page.locator("#address-status")).not_to_be_empty()

    # Delete asks inside the card, the safe answer focused; "Keep it" puts the card back.
    other = cards(page).filter(has_text="王芳")
    other.locator("a[href$='/delete']").click()
    expect(other.locator(".confirm__question")).to_be_visible()
    expect(other.locator("a", has_text=KEEP[language])).to_be_focused()
    look(page, f"addresses-confirm-delete-{language}")
    other.locator("a", has_text=KEEP[language]).click()
    expect(other.locator(".confirm")).to_have_count(0)
    expect(cards(page)).to_have_count(2)

    # Asked again and answered: the card goes, in place.
    other.locator("a[href$='/delete']").click()
    other.locator("form[action$='/delete'] button[type='submit']").click()
    expect(cards(page)).to_have_count(1)
    expect(page.locator("#address-status .notice")).to_be_visible()
    assert page.url == before
    look(page, f"addresses-after-delete-{language}")
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang", "shenzhen", "beijing"), LANGUAGES)
def test_addresses_without_javascript(
    new_page, site: LiveServer, language, locale, html_lang, shenzhen, beijing
) -> None:
    page = new_page(locale=locale, viewport=PHONE, java_script_enabled=False)
    sign_up(page, site, f"no-js.{language.lower()}@example.cn")
    page.goto(site.url(f"{LIST}/new"))
    fill(page, "王芳", "139 1234 5678", "南山区科技园南区 12 栋 3 楼", "518057")
    page.select_option("#province", "440000")
    expect(page.locator("#city option[value='440300']")).to_have_count(0)

    # "Show cities" sends the form back with the province's cities, saving nothing.
    page.click("button[name='refresh_regions']")
    expect(page.locator("#city option[value='440300']")).to_have_text(shenzhen)
    expect(page.locator("#recipient_name")).to_have_value("王芳")
    expect(page.locator(".field__error")).to_have_count(0)
    screenshot(page, f"addresses-no-js-cities-{language}")
    page.select_option("#city", "440300")

    # Enter in a text box saves (the form's own button), not "Show cities".
    page.press("#postal_code", "Enter")
    arrive(page, f"**{LIST}?done=added")
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_contain_text(shenzhen)
    screenshot(page, f"addresses-no-js-list-{language}")

    # Delete asks on a page of its own.
    cards(page).first.locator("a[href$='/delete']").click()
    arrive(page, re.compile(r".*/account/addresses/\d+/delete\??$"))
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, f"addresses-no-js-delete-{language}")
    page.click("form[action$='/delete'] button[type='submit']")
    arrive(page, f"**{LIST}?done=deleted")
    expect(cards(page)).to_have_count(0)
