"""The browser helpers catch what they are for: a check that cannot fail would prove nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.browser import assert_accessible, assert_no_console_errors, screenshot
from tests.support.environment import SCREENSHOTS_DIR

pytestmark = pytest.mark.browser

INACCESSIBLE = """<!doctype html><html><head><title>Bad</title></head><body>
<main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" class="logo">
<form><input type="text" id="name"></form>
<p style="color:#ccc;background:#fff">Low contrast text</p></main></body></html>"""


def test_assert_accessible_names_the_rules_and_the_elements(page: Page) -> None:
    page.set_content(INACCESSIBLE)
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "image-alt (critical): Images must have alternative text" in message
    assert '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" class="logo">' in message
    assert "Element does not have an alt attribute" in message
    assert "label (critical)" in message
    assert "- #name" in message
    assert "color-contrast (serious)" in message
    assert "html-has-lang (serious)" in message


def test_assert_accessible_passes_a_clean_page(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Good</title></head>'
        "<body><main><h1>Fine</h1><p>Readable.</p></main></body></html>"
    )
    assert_accessible(page)


def test_screenshot_saves_both_widths_and_restores_the_viewport(page: Page) -> None:
    page.set_content("<html lang='en'><body><h1>Shot</h1></body></html>")
    paths = screenshot(page, "harness self-test")
    assert paths == [
        SCREENSHOTS_DIR / "harness-self-test-390.png",
        SCREENSHOTS_DIR / "harness-self-test-1280.png",
    ]
    for path in paths:
        assert path.read_bytes().startswith(b"\x89PNG")
    assert page.viewport_size == {"width": 1280, "height": 800}


def test_console_errors_are_caught(page: Page) -> None:
    page.set_content("<html><body><h1>Errors</h1></body></html>")
    page.evaluate("() => setTimeout(() => { throw new Error('boom from the page') }, 0)")
    page.wait_for_timeout(100)
    with pytest.raises(AssertionError, match="boom from the page"):
        assert_no_console_errors(page)
