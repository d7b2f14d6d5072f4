"""Deregistration in headless Chromium, in both languages, at 390 and 1280 px, axe-clean: from
the Personal Center's menu to the page, a mistake explained beside its fields, the account
deleted, the confirmation mail received, and the old session sent to log in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_no_console_errors
from tests.support.databases import in_thread
from tests.support.deregistration import DONE, PAGE, the_user, verify
from tests.support.journeys import MAIL_TIMEOUT, arrive, check, sign_up
from tests.support.quotes import add_quote
from tests.support.records import run
from tests.support.rights import add_request
from tests.support.servers import LiveServer, SMTPServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param(
        "en", "en-GB", "Deregister your account", "Your account has been deregistered", id="en"
    ),
    pytest.param("zh_Hans", "zh-CN", "注销账户", "您的账户已注销", id="zh_Hans"),
]


def an_order(settings, email: str) -> None:
    """The customer's address confirmed, one quote request of theirs ordered, and a privacy
    request still open."""
    verify(settings, email)
    user = the_user(settings, email)
    run(settings, lambda session: add_quote(session, user, "Q-BRWSR001", status="ordered"))
    run(settings, lambda session: add_request(session, user.id, "R-BRWSR234", kind="copy"))


@pytest.mark.parametrize(("language", "locale", "link", "subject"), LANGUAGES)
def test_a_customer_deregisters_from_the_personal_center(
    new_page, site: LiveServer, smtp_server: SMTPServer, language, locale, link, subject
) -> None:
    email = f"leaving.{language.lower()}@example.cn"
    page = new_page(locale=locale)
    sign_up(page, site, email)
    in_thread(an_order, site.settings, email)
    smtp_server.wait_for(1, timeout=MAIL_TIMEOUT)  # the verification mail, sent before

    # From the menu of the Personal Center.
    page.goto(site.url("/account"))
    page.locator(".account-nav__side").get_by_role("link", name=link).click()
    arrive(page, site.url(PAGE))
    expect(page.locator("h1")).to_have_text(link)
    expect(page.locator("#kept-title + ul strong")).to_be_visible()  # the order, and until when
    # The open request, which would close unanswered.
    expect(page.locator(".notice--warning a[href$='/R-BRWSR234']")).to_be_visible()
    check(page, f"deregister-{language}")

    # A wrong password and no tick: each error beside its field, nothing deleted.
    page.fill("#password", "not-my-password-9")
    page.locator("form[action='/account/privacy/deregister'] button[type='submit']").click()
    arrive(page, site.url(PAGE))
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.locator("#confirm-error")).to_be_visible()
    expect(page.locator("#password")).to_have_value("")
    check(page, f"deregister-errors-{language}")

    page.fill("#password", "milling-spindle-42")
    page.check("#confirm")
    page.locator("form[action='/account/privacy/deregister'] button[type='submit']").click()
    arrive(page, site.url(DONE))
    expect(page.locator(".notice--success")).to_be_visible()
    check(page, f"deregistered-{language}")

    confirmation = smtp_server.wait_for(2, timeout=MAIL_TIMEOUT)[1]
    assert confirmation["Subject"] == subject
    assert smtp_server.received[1].rcpt_tos == [email]

    # Signed out: the Personal Center asks to log in.
    page.goto(site.url("/account"))
    arrive(page, site.url("/login?next=/account"))
    assert_no_console_errors(page)
