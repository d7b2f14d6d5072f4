"""Requesting a quote in headless Chromium, in both languages, at a phone's and a laptop's
width: the upload's progress bar, the request page reading the drawing and showing its size,
the estimate, the list; and the same without JavaScript. Axe-clean throughout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_no_console_errors, screenshot
from tests.support.drawings import DRAWINGS
from tests.support.journeys import arrive, check, htmx_settled, link_in, sign_up
from tests.support.servers import LiveServer, SMTPServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "Send the request", "20 × 20 × 20 mm", "Estimate", id="en"),
    pytest.param("zh_Hans", "zh-CN", "提交申请", "20 × 20 × 20 mm", "估价", id="zh_Hans"),
]
CUBE = DRAWINGS / "20mm-xyz-cube.stl"


def verified_customer(page, site: LiveServer, smtp_server: SMTPServer, email: str) -> None:
    sign_up(page, site, email)
    page.goto(site.url(link_in(smtp_server, 1, r"https?://\S+/verify-email\?token=\S+")))
    page.locator("form[action='/verify-email'] button[type='submit']").click()
    page.wait_for_load_state("networkidle")


def choose(page) -> None:
    page.check("input[name='process'][value='3d_printing']")
    htmx_settled(page)
    page.select_option("#material", index=1)
    page.select_option("#finish", index=1)
    page.fill("#quantity", "3")


@pytest.mark.parametrize(("language", "locale", "send", "size", "estimate"), LANGUAGES)
def test_a_drawing_uploaded_with_progress_is_read_and_estimated(
    new_page, site: LiveServer, smtp_server: SMTPServer, language, locale, send, size, estimate
) -> None:
    page = new_page(locale=locale)
    verified_customer(page, site, smtp_server, f"quote.{language.lower()}@example.cn")
    page.goto(site.url("/"))
    page.locator(".hero__actions a").click()
    arrive(page, site.url("/quotes/new"))
    check(page, f"quote-new-{language}")
    page.get_by_role("button", name=send).click()  # nothing chosen: the form comes back
    expect(page.locator("#process-error")).to_be_visible()
    check(page, f"quote-new-errors-{language}")
    choose(page)
    # Choosing a process narrowed the lists to its own.
    expect(page.locator("#material optgroup")).to_have_count(1)
    page.set_input_files("#drawings", str(CUBE))
    page.get_by_role("button", name=send).click()
    page.wait_for_url(re.compile(r"/quotes/Q-[0-9A-Z]{8}$"))
    expect(page.locator(".facts").first).to_contain_text(size, timeout=30_000)
    expect(page.locator(".quote-answer")).to_contain_text(estimate)
    check(page, f"quote-request-{language}")
    # Delete asks first, inside the drawing's card.
    page.locator(".drawing-card__actions a[href$='/delete']").click()
    expect(page.locator(".drawing-card .confirm")).to_be_visible()
    check(page, f"quote-drawing-delete-{language}")
    page.goto(site.url("/quotes"))
    expect(page.locator(".quote-card")).to_have_count(1)
    check(page, f"quote-list-{language}")
    assert_no_console_errors(page, allow=(f"422 for {site.url('/quotes/new')}",))


def test_the_progress_bar_follows_a_large_upload(
    new_page, site: LiveServer, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    page = new_page(locale="en-GB")
    verified_customer(page, site, smtp_server, "progress@example.cn")
    big = tmp_path / "big.stl"
    triangles = 400_000  # 20 MB: long enough to see the bar move on loopback
    big.write_bytes(b"\0" * 80 + triangles.to_bytes(4, "little") + b"\0" * (50 * triangles))
    page.goto(site.url("/quotes/new"))
    choose(page)
    page.set_input_files("#drawings", str(big))
    # What the bar showed at each progress event, kept across the navigation that follows.
    page.evaluate(
        """() => document.addEventListener('htmx:xhr:progress', () => {
          const bar = document.querySelector('#upload-progress progress');
          const box = document.getElementById('upload-progress');
          const seen = JSON.parse(sessionStorage.getItem('seen') || '[]');
          seen.push([bar.value, box.hidden]);
          sessionStorage.setItem('seen', JSON.stringify(seen));
        })"""
    )
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r"/quotes/Q-[0-9A-Z]{8}$"), timeout=60_000)
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('seen') || '[]')")
    assert seen, "no progress event reached the page"
    assert all(not hidden for _, hidden in seen[1:]), "the bar was not shown while uploading"
    assert seen[-1][0] == 100


def test_without_javascript_the_form_is_a_plain_upload_and_mistakes_keep_the_drawing(
    new_page, site: LiveServer, smtp_server: SMTPServer
) -> None:
    setup = new_page(locale="en-GB")
    verified_customer(setup, site, smtp_server, "nojs@example.cn")
    cookies = setup.context.cookies()
    page = new_page(locale="en-GB", java_script_enabled=False)
    page.context.add_cookies(cookies)
    page.goto(site.url("/quotes/new"))
    # Every process's materials are listed, grouped.
    assert page.locator("#material optgroup").count() >= 3
    page.set_input_files("#drawings", str(CUBE))
    page.check("input[name='process'][value='cnc_machining']")
    page.select_option("#material", value="aluminium_6061")
    page.fill("#quantity", "0")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#quantity-error")).to_contain_text("from 1 to 100,000")
    expect(page.locator("#finish-error")).to_contain_text("Choose a finish")
    expect(page.locator(".upload-list")).to_contain_text("20mm-xyz-cube.stl")
    screenshot(page, "quote-new-mistake-en")  # axe needs JavaScript: the htmx test checks the page
    page.select_option("#finish", value="as_machined")
    page.fill("#quantity", "2")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r"/quotes/Q-[0-9A-Z]{8}$"))
    expect(page.locator(".drawing-card")).to_contain_text("20mm-xyz-cube.stl")
