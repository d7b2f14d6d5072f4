"""Account information and password setting in headless Chromium: edited in place with htmx and
as plain forms without JavaScript, in both languages, at 390 and 1280 px, axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_no_console_errors, screenshot
from tests.support.journeys import arrive, check, htmx_settled, sign_up
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", id="zh_Hans"),
]
NEW_PASSWORD = "countersink-and-tap-31"


@pytest.mark.parametrize(("language", "locale", "html_lang"), LANGUAGES)
def test_edit_in_place_with_htmx(new_page, site: LiveServer, language, locale, html_lang) -> None:
    page = new_page(locale=locale)
    sign_up(page, site, f"htmx.{language.lower()}@example.cn")
    page.click(".account-nav a[href='/account/information'] >> visible=true")
    arrive(page, site.url("/account/information"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    check(page, f"account-information-{language}")

    # "Edit" swaps the list for the form without leaving the page; focus follows.
    page.click("#account-information a.button")
    expect(page.locator("form#account-information")).to_be_visible()
    assert page.url == site.url("/account/information")
    expect(page.locator("#account-information-title")).to_be_focused()
    check(page, f"account-information-edit-{language}")

    page.click("#account-information a.button--secondary")  # Cancel
    expect(page.locator("section#account-information")).to_be_visible()

    page.click("#account-information a.button")
    htmx_settled(page)
    page.fill("#job_title", "Purchasing manager")
    page.fill("#invoice_email", "invoices@example.cn")
    page.check("input[name='customer_type'][value='education']")
    page.click("form#account-information button[type='submit']")
    saved = page.locator("section#account-information")
    expect(saved.locator(".notice--success")).to_be_visible()
    expect(saved).to_contain_text("Purchasing manager")
    expect(saved).to_contain_text("invoices@example.cn")
    assert page.url == site.url("/account/information")
    check(page, f"account-information-saved-{language}")

    # A new language reloads the whole page in it.
    other = "en" if language == "zh_Hans" else "zh_Hans"
    page.click("#account-information a.button")
    htmx_settled(page)
    page.check(f"input[name='preferred_language'][value='{other}']")
    page.click("form#account-information button[type='submit']")
    arrive(page, site.url("/account/information?saved=1"))
    expect(page.locator("html")).to_have_attribute(
        "lang", "zh-Hans" if other == "zh_Hans" else "en"
    )
    assert_no_console_errors(page)


def test_errors_show_in_place_with_htmx(new_page, site: LiveServer) -> None:
    page = new_page()
    sign_up(page, site, "htmx.errors@example.cn")
    page.goto(site.url("/account/information"))
    page.click("#account-information a.button")
    expect(page.locator("form#account-information")).to_be_visible()
    htmx_settled(page)
    page.fill("#name", "")
    page.click("form#account-information button[type='submit']")
    expect(page.locator("#name-error")).to_be_visible()
    check(page, "account-information-errors-htmx")


@pytest.mark.parametrize(("language", "locale", "html_lang"), LANGUAGES)
def test_edit_without_javascript(new_page, site: LiveServer, language, locale, html_lang) -> None:
    page = new_page(locale=locale, java_script_enabled=False)
    sign_up(page, site, f"plain.{language.lower()}@example.cn")
    page.goto(site.url("/account/information"))
    page.click("#account-information a.button")
    arrive(page, site.url("/account/information?edit=1"))

    page.fill("#name", "")
    page.fill("#job_title", "Quality engineer")
    page.fill("#invoice_email", "not an address")
    page.click("form#account-information button[type='submit']")
    expect(page.locator("#name-error")).to_be_visible()
    expect(page.locator("#invoice_email-error")).to_be_visible()
    expect(page.locator("#job_title")).to_have_value("Quality engineer")
    expect(page.locator("#invoice_email")).to_have_value("not an address")
    # axe needs JavaScript: the same errors are checked with it in the htmx test above.
    screenshot(page, f"account-information-errors-{language}")

    page.fill("#name", "Li Wei")
    page.fill("#invoice_email", "")
    page.click("form#account-information button[type='submit']")
    arrive(page, site.url("/account/information?saved=1"))
    expect(page.locator("section#account-information")).to_contain_text("Quality engineer")
    expect(page.locator(".notice--success")).to_be_visible()

    page.click("#account-information a.button")
    page.click("#account-information a.button--secondary")  # Cancel: back to the list
    arrive(page, site.url("/account/information"))
    expect(page.locator("section#account-information")).to_be_visible()


@pytest.mark.parametrize(("language", "locale", "html_lang"), LANGUAGES)
def test_change_the_password(new_page, site: LiveServer, language, locale, html_lang) -> None:
    page = new_page(locale=locale)
    email = f"password.{language.lower()}@example.cn"
    sign_up(page, site, email)
    page.click(".account-nav a[href='/account/password'] >> visible=true")
    arrive(page, site.url("/account/password"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    check(page, f"password-setting-{language}")

    page.fill("#current_password", "not-the-password-0")
    page.fill("#new_password", NEW_PASSWORD)
    page.click("form[action='/account/password'] button[type='submit']")
    expect(page.locator("#current_password-error")).to_be_visible()
    expect(page.locator("#new_password")).to_have_value("")
    check(page, f"password-setting-wrong-{language}")

    page.fill("#current_password", "milling-spindle-42")
    page.fill("#new_password", NEW_PASSWORD)
    page.click("form[action='/account/password'] button[type='submit']")
    arrive(page, site.url("/account/password?changed=1"))
    expect(page.locator(".notice--success")).to_be_visible()
    check(page, f"password-setting-changed-{language}")
    assert_no_console_errors(page)
