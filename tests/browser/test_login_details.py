"""Changing the login email address and the mobile number in headless Chromium, in both
languages, at 390 and 1280 px, axe-clean: the link really goes over SMTP to the new address,
its page's button makes the change, and the old address is told."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.accounts import GOOD
from tests.support.browser import assert_no_console_errors
from tests.support.journeys import arrive, check, link_in, sign_up
from tests.support.servers import LiveServer, SMTPServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", "Login email address", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", "登录邮箱地址", id="zh_Hans"),
]
LINK = r"https?://\S+/account/email/confirm\?token=\S+"


@pytest.mark.parametrize(("language", "locale", "html_lang", "nav"), LANGUAGES)
def test_change_the_login_email_address(
    new_page, site: LiveServer, smtp_server: SMTPServer, language, locale, html_lang, nav
) -> None:
    page = new_page(locale=locale)
    old = f"before.{language.lower()}@example.cn"
    new = f"after.{language.lower()}@example.cn"
    sign_up(page, site, old)
    page.locator(".account-nav__side").get_by_role("link", name=nav).click()
    arrive(page, site.url("/account/email"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    check(page, f"login-email-{language}")

    # A wrong password is said beside its field; the new address stays as typed.
    page.fill("#new_email", new)
    page.fill("#current_password", "not-the-password-0")
    page.click("form[action='/account/email'] button[type='submit']")
    expect(page.locator("#current_password-error")).to_be_visible()
    expect(page.locator("#new_email")).to_have_value(new)
    check(page, f"login-email-wrong-{language}")

    page.fill("#current_password", GOOD["password"])
    page.click("form[action='/account/email'] button[type='submit']")
    arrive(page, site.url("/account/email?sent=1"))
    expect(page.locator("#pending-title")).to_be_visible()
    expect(page.locator("section.card")).to_contain_text(new)
    check(page, f"login-email-pending-{language}")

    # The link goes to the new address (the registration's confirmation went first).
    path = link_in(smtp_server, 2, LINK)
    assert smtp_server.received[1].rcpt_tos == [new]
    page.goto(site.url(path))
    expect(page.locator("form[action='/account/email/confirm'] button")).to_be_visible()
    check(page, f"login-email-confirm-{language}")
    page.click("form[action='/account/email/confirm'] button[type='submit']")
    arrive(page, site.url("/account/email?changed=1"))
    expect(page.locator(".notice--success")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text(new)
    check(page, f"login-email-changed-{language}")

    notice = smtp_server.wait_for(3, timeout=20.0)[2]
    assert smtp_server.received[2].rcpt_tos == [old]
    assert new not in notice.get_body(("plain",)).get_content()  # masked

    # The link, once used, shows a clear page and changes nothing.
    page.goto(site.url(path))
    expect(page.locator("form[action='/account/email/confirm']")).to_have_count(0)
    check(page, f"login-email-used-link-{language}")
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang", "nav"), LANGUAGES)
def test_change_the_mobile_number(new_page, site: LiveServer, language, locale, html_lang, nav):
    page = new_page(locale=locale)
    sign_up(page, site, f"mobile.{language.lower()}@example.cn")
    page.goto(site.url("/account/mobile"))
    expect(page.locator(".tag--unverified")).to_be_visible()
    check(page, f"mobile-{language}")

    page.fill("#phone", "010 1234 5678")  # a landline
    page.fill("#current_password", GOOD["password"])
    page.click("form[action='/account/mobile'] button[type='submit']")
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.locator("#phone")).to_have_value("010 1234 5678")
    check(page, f"mobile-errors-{language}")

    page.fill("#phone", "139 8765 4321")
    page.fill("#current_password", GOOD["password"])
    page.click("form[action='/account/mobile'] button[type='submit']")
    arrive(page, site.url("/account/mobile?saved=1"))
    expect(page.locator("dl.facts")).to_contain_text("139 8765 4321")
    check(page, f"mobile-saved-{language}")

    page.goto(site.url("/account/information"))
    expect(page.locator("#account-information")).to_contain_text("139 8765 4321")
    check(page, f"account-information-login-details-{language}")
    assert_no_console_errors(page)
