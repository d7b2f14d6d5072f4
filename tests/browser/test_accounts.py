"""Accounts in headless Chromium: register, verify by mail, log out and in, switch language,
forgotten password and ending another device's session; in both languages, at 390 and 1280 px.

Each test runs its own server, whose mail really goes over SMTP to the ``smtp_server`` fixture
(the in-process worker delivers the outbox), so the links are the ones a customer would click.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.accounts import GOOD
from tests.support.browser import (
    assert_no_console_errors,
)
from tests.support.journeys import (
    MAIL_TIMEOUT,
    arrive,
    check,
    fill_registration,
    link_in,
    log_in,
    sign_up,
)
from tests.support.servers import LiveServer, SMTPServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", "Confirm your email address", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", "请确认您的邮箱地址", id="zh_Hans"),
]
OTHER = {"en": ("简体中文", "zh-Hans"), "zh_Hans": ("English", "en")}


@pytest.mark.parametrize(("language", "locale", "html_lang", "subject"), LANGUAGES)
def test_register_verify_log_out_log_in_and_switch_language(
    new_page, site: LiveServer, smtp_server: SMTPServer, language, locale, html_lang, subject
) -> None:
    page = new_page(locale=locale)
    email = f"li.wei.{language.lower()}@example.cn"
    page.goto(site.url("/register"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    check(page, f"accounts-register-{language}")

    # A mistake first: the error sits beside its field and the typed values stay.
    page.fill("#name", GOOD["name"])
    page.click("form[action='/register'] button[type='submit']")
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#name")).to_have_value(GOOD["name"])
    check(page, f"accounts-register-errors-{language}")

    fill_registration(page, email)
    arrive(page, site.url("/account?welcome=1"))
    expect(page.locator(".notice--warning")).to_be_visible()  # not verified yet
    check(page, f"accounts-welcome-{language}")
    # Every other page reminds them too, until the link is followed.
    page.goto(site.url("/account/information"))
    expect(page.locator("aside.banner--warning")).to_be_visible()
    check(page, f"accounts-unconfirmed-{language}")

    # The verification mail, in the language of the page the user registered on.
    path = link_in(smtp_server, 1, r"https?://\S+/verify-email\?token=\S+")
    assert smtp_server.messages[0]["Subject"] == subject
    assert smtp_server.received[0].rcpt_tos == [email]
    page.goto(site.url(path))  # opening the link shows a button; pressing it confirms
    button = page.locator("form[action='/verify-email'] button[type='submit']")
    expect(button).to_be_visible()
    check(page, f"accounts-verify-{language}")
    button.click()
    arrive(page, site.url(path))
    expect(page.locator("a.button[href='/account']")).to_be_visible()
    check(page, f"accounts-verified-{language}")
    page.goto(site.url("/account/information"))
    expect(page.locator("aside.banner--warning")).to_have_count(0)
    page.goto(site.url("/account"))
    expect(page.locator(".notice--warning")).to_have_count(0)

    page.click("form[action='/logout'] button[type='submit']")
    arrive(page, site.url("/"))
    expect(page.locator(".site-nav a[href='/login']")).to_be_visible()

    page.goto(site.url("/login"))
    check(page, f"accounts-login-{language}")
    log_in(page, site, email)
    arrive(page, site.url("/account"))
    expect(page.locator(".tag--success")).to_be_visible()  # "this device"
    check(page, f"accounts-account-{language}")

    # Signed in, the switch changes the account's language: it stays after a reload.
    button, other_lang = OTHER[language]
    page.get_by_role("button", name=button).click()
    arrive(page, site.url("/account"))
    expect(page.locator("html")).to_have_attribute("lang", other_lang)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", other_lang)
    check(page, f"accounts-account-switched-{language}")
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang", "subject"), LANGUAGES)
def test_a_forgotten_password_is_reset_by_the_link_in_the_mail(
    new_page, site: LiveServer, smtp_server: SMTPServer, language, locale, html_lang, subject
) -> None:
    email = f"zhang.min.{language.lower()}@example.cn"
    page = new_page(locale=locale)
    sign_up(page, site, email)
    page.click("form[action='/logout'] button[type='submit']")
    arrive(page, site.url("/"))

    page.goto(site.url("/login"))
    page.click("a[href='/password/forgot']")
    arrive(page, site.url("/password/forgot"))
    check(page, f"accounts-forgot-{language}")
    page.fill("#email", email)
    page.click("form[action='/password/forgot'] button[type='submit']")
    arrive(page, site.url("/password/forgot?sent=1"))
    check(page, f"accounts-forgot-sent-{language}")

    path = link_in(smtp_server, 2, r"https?://\S+/password/reset\?token=\S+")
    assert smtp_server.received[1].rcpt_tos == [email]
    page.goto(site.url(path))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    page.fill("#password", "short")
    page.click("form[action='/password/reset'] button[type='submit']")
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.locator("#password")).to_have_value("")
    check(page, f"accounts-reset-error-{language}")
    page.fill("#password", "lathe-and-anvil-77")
    page.click("form[action='/password/reset'] button[type='submit']")
    arrive(page, site.url("/account?password_changed=1"))
    expect(page.locator(".notice--success")).to_be_visible()
    check(page, f"accounts-password-changed-{language}")

    notice = smtp_server.wait_for(3, timeout=MAIL_TIMEOUT)[2]
    assert "/password/forgot" in notice.get_body(("plain",)).get_content()
    page.goto(site.url(path))  # the link worked once; now it is spent
    expect(page.locator("a.button[href='/password/forgot']")).to_be_visible()
    check(page, f"accounts-reset-spent-{language}")
    assert_no_console_errors(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "without-js"])
def test_ending_another_devices_session(new_page, site: LiveServer, javascript: bool) -> None:
    email = "wang.fang@example.cn"
    laptop = new_page(java_script_enabled=javascript)
    laptop.goto(site.url("/register"))
    fill_registration(laptop, email)
    arrive(laptop, site.url("/account?welcome=1"))
    phone = new_page(viewport={"width": 390, "height": 800})
    log_in(phone, site, email)
    arrive(phone, site.url("/account"))

    laptop.goto(site.url("/account"))
    rows = laptop.locator(".data-table tbody tr")
    expect(rows).to_have_count(2)
    if javascript:  # axe runs as a script
        check(laptop, "accounts-sessions")
    laptop.locator("form[action$='/end'] button").click()
    expect(rows).to_have_count(1)
    if not javascript:
        arrive(laptop, site.url("/account"))
    expect(laptop.locator(".tag--success")).to_be_visible()  # this device is still signed in

    phone.goto(site.url("/account"))
    arrive(phone, re.compile(r".*/login\?next=/account$"))
    if javascript:
        assert_no_console_errors(laptop)
