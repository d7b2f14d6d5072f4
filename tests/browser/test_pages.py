"""The foundation's pages in headless Chromium: accessible, readable at 390 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    WIDTHS,
    assert_accessible,
    assert_no_console_errors,
    screenshot,
)

pytestmark = pytest.mark.browser

PAGES = [
    ("home", "/", "en-GB"),
    ("home-zh", "/", "zh-CN"),
    ("policy-en", "/policy", "en-GB"),
    ("policy-zh", "/policy", "zh-CN"),
    ("policy-1.0-en", "/policy/1.0", "en-GB"),
    ("changes-en", "/policy/changes", "en-GB"),
    ("changes-zh", "/policy/changes", "zh-CN"),
    ("diff-en", "/policy/1.1/changes", "en-GB"),
    ("diff-zh", "/policy/1.1/changes", "zh-CN"),
    ("not-found-en", "/no-such-page", "en-GB"),
    ("not-found-zh", "/no-such-page", "zh-CN"),
]


def fits_the_width(page: Page) -> bool:
    """Nothing pushes the page wider than the screen (wide tables scroll inside themselves)."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("name", "path", "locale"), PAGES, ids=[p[0] for p in PAGES])
def test_page_is_accessible_and_fits_phone_and_laptop(
    new_page, live_server, name: str, path: str, locale: str
) -> None:
    page = new_page(locale=locale)
    response = page.goto(live_server.url(path))
    assert response is not None
    assert response.status == (404 if "not-found" in name else 200)
    expected_lang = "zh-Hans" if locale.startswith("zh") else "en"
    expect(page.locator("html")).to_have_attribute("lang", expected_lang)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert_accessible(page)
        assert fits_the_width(page), f"{path} is wider than {width} px"
    screenshot(page, name)
    assert_no_console_errors(page)  # a CSP violation or a broken script shows up here


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_language_switch_returns_to_the_same_page(
    new_page, live_server, javascript: bool
) -> None:
    page = new_page(java_script_enabled=javascript, locale="en-GB")
    page.goto(live_server.url("/policy/changes"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_url(live_server.url("/policy/changes"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert page.get_by_role("button", name="English").is_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_url(live_server.url("/policy/changes"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if javascript:
        assert_no_console_errors(page)


def test_the_chosen_language_stays_while_browsing(new_page, live_server) -> None:
    page = new_page(locale="en-GB")
    page.goto(live_server.url("/"))
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_url(live_server.url("/"))
    page.locator("footer a[href='/policy']").click()
    page.wait_for_url(live_server.url("/policy"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_table_of_contents_links_jump_to_their_sections(new_page, live_server, locale) -> None:
    page = new_page(locale=locale, viewport={"width": 390, "height": 800})
    page.goto(live_server.url("/policy"))
    page.locator(".policy__toc summary").click()  # on a phone the contents are folded
    links = page.locator(".policy__toc a[href^='#']")
    count = links.count()
    assert count >= 10, "the policy should have a table of contents"
    targets = [links.nth(i).get_attribute("href") for i in range(count)]
    for index, target in enumerate(targets):
        assert target
        links.nth(index).click()  # Playwright scrolls back to the link first, as a reader would
        page.wait_for_url(live_server.url(f"/policy{target}"))
        expect(page.locator(f"[id='{target[1:]}']")).to_be_in_viewport()
        assert page.evaluate("() => document.querySelector(':target')?.id") == target[1:]


def test_the_skip_link_moves_focus_to_the_content(page: Page, live_server) -> None:
    page.goto(live_server.url("/policy"))
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url("/policy#main"))
    expect(page.locator("#main")).to_be_in_viewport()
