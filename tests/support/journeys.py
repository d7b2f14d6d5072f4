"""What a customer does in the browser, for every browser test: register, log in, wait for a
page to settle, read the link in a mail, and the check every page passes (axe-clean and no
wider than the screen at both widths, then the screenshots)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page

from tests.support.accounts import GOOD
from tests.support.browser import WIDTHS, assert_accessible, screenshot
from tests.support.servers import LiveServer, SMTPServer

MAIL_TIMEOUT = 20.0  # the worker looks at the outbox every 2 s


def arrive(page: Page, url: str | re.Pattern[str]) -> None:
    """Wait for the page at ``url`` and its favicon: leaving earlier aborts that request, which
    the console watcher would report as a failure."""
    page.wait_for_url(url)
    page.wait_for_load_state("networkidle")


#: The innermost elements that reach past the right edge of the window, to name in a failure.
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
        && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 60)}`)"""


def check(page: Page, name: str) -> None:
    """Axe-clean and no wider than the screen at both widths; then the screenshots."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert_accessible(page)
        fits = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"{page.url} is wider than {width} px: {page.evaluate(OVERFLOWING)}"
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 800})


def htmx_settled(page: Page) -> None:
    """Wait until htmx has finished its request, swap and settle on the page.

    A field filled in the few milliseconds between the swap and the end of the settle can lose
    what was typed (seen about once in 15 runs); no person types that fast, a test does.
    """
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def link_in(smtp_server: SMTPServer, count: int, pattern: str) -> str:
    """The path and query of the link in the ``count``-th mail (our base URL is not the server's)."""
    message = smtp_server.wait_for(count, timeout=MAIL_TIMEOUT)[count - 1]
    found = re.search(pattern, message.get_body(("plain",)).get_content())
    assert found, message.get_body(("plain",)).get_content()
    parts = urlsplit(found[0])
    return f"{parts.path}?{parts.query}"


def fill_registration(page: Page, email: str) -> None:
    page.fill("#name", GOOD["name"])
    page.fill("#email", email)
    page.fill("#phone", GOOD["phone"])
    page.check("input[name='customer_type'][value='business']")
    page.fill("#password", GOOD["password"])
    page.check("#policy_consent")
    page.check("#legal_capacity")
    page.click("form[action='/register'] button[type='submit']")


def sign_up(page: Page, site: LiveServer, email: str) -> None:
    """Register ``email`` and land, signed in, on the Personal Center's welcome."""
    page.goto(site.url("/register"))
    fill_registration(page, email)
    arrive(page, site.url("/account?welcome=1"))


def log_in(page: Page, site: LiveServer, email: str, password: str = GOOD["password"]) -> None:
    page.goto(site.url("/login"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action^='/login'] button[type='submit']")
