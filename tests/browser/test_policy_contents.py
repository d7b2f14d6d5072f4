"""The policy's table of contents: folded on a phone so the text starts on the first screen,
open in the sidebar on a laptop, with or without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    assert_accessible,
    assert_no_console_errors,
    first_screen,
    screenshot,
)
from tests.support.policy_build import PUBLISHED

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
LOCALES = {"en-GB": "Contents", "zh-CN": "目录"}
# The version in force, and the newest one (published ahead of its date).
PATHS = ("/policy", f"/policy/{PUBLISHED[-1]}")


def opening_paragraph(page: Page):  # type: ignore[no-untyped-def]
    """The policy's first paragraph, its first words after the title (the <h1> is hidden)."""
    return page.locator(".policy__body > p").first


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("path", PATHS)
def test_on_a_phone_the_contents_fold_and_the_text_starts_on_the_first_screen(
    new_page, live_server, path: str, locale: str, javascript: bool
) -> None:
    page = new_page(locale=locale, viewport=PHONE, java_script_enabled=javascript)
    page.goto(live_server.url(path))
    toggle = page.locator(".policy__toc summary")
    expect(toggle).to_have_text(LOCALES[locale])
    first_link = page.locator(".policy__toc .toc a").first
    expect(first_link).to_be_hidden()

    # Unfolded, the contents pushed the first sentence 1,950 px down; folded, they take a line.
    box = opening_paragraph(page).bounding_box()
    assert box is not None
    assert box["y"] + 100 < PHONE["height"], f"the text starts {box['y']:.0f} px down"
    folded = page.locator(".policy__toc").bounding_box()
    assert folded is not None
    assert folded["height"] < 60
    if javascript and path == "/policy":
        first_screen(page, f"policy-contents-{locale}-390")

    toggle.click()  # the control opens the contents, and closes them again
    expect(first_link).to_be_visible()
    first_link.click()
    expect(page.locator(f"[id='{first_link.get_attribute('href')[1:]}']")).to_be_in_viewport()
    toggle.click()
    expect(first_link).to_be_hidden()
    if javascript:
        assert_no_console_errors(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
@pytest.mark.parametrize("locale", LOCALES)
def test_on_a_laptop_the_contents_are_open_in_the_sidebar(
    new_page, live_server, locale: str, javascript: bool
) -> None:
    page = new_page(locale=locale, viewport=LAPTOP, java_script_enabled=javascript)
    page.goto(live_server.url("/policy"))
    links = page.locator(".policy__toc .toc a")
    assert links.count() >= 10
    expect(links.first).to_be_visible()
    expect(links.first).to_be_in_viewport()
    if javascript:
        # The state assistive technology announces is the one shown.
        expect(page.locator(".policy__toc details")).to_have_attribute("open", "")
        page.locator(".policy__toc summary").press("Enter")  # a title here, not a control
        expect(links.first).to_be_visible()
        assert_no_console_errors(page)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("path", PATHS)
def test_the_policy_with_its_folded_contents_is_accessible(
    new_page, live_server, path: str, locale: str
) -> None:
    page = new_page(locale=locale, viewport=PHONE)
    page.goto(live_server.url(path))
    assert_accessible(page)
    page.locator(".policy__toc summary").click()
    assert_accessible(page)
    page.set_viewport_size(LAPTOP)
    assert_accessible(page)
    name = "policy" if path == "/policy" else f"policy-{PUBLISHED[-1]}"
    screenshot(page, f"{name}-{'zh' if locale.startswith('zh') else 'en'}")
    assert_no_console_errors(page)
