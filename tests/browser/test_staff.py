"""The staff console's door in headless Chromium, in both languages at 390 and 1280 px: sign in
with the one-time password and a code, choose a password, arrive at the console, sign out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from portal.db import utcnow
from portal.staff import services, totp
from portal.staff.models import Role
from tests.support.accounts import run
from tests.support.browser import assert_no_console_errors
from tests.support.databases import in_thread
from tests.support.journeys import arrive, check
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "Staff console", id="en"),
    pytest.param("zh_Hans", "zh-CN", "员工后台", id="zh_Hans"),
]


@pytest.mark.parametrize(("language", "locale", "heading"), LANGUAGES)
def test_a_new_member_signs_in_chooses_a_password_and_signs_out(
    new_page, live_server: LiveServer, language, locale, heading
) -> None:
    email = f"admin.{language.lower()}@xometry.asia"
    enrolment = in_thread(
        run,
        live_server.settings,
        lambda s: services.add_staff(session=s, email=email, role=Role.ADMIN, name="王芳"),
    )
    secret = parse_qs(urlparse(enrolment.otpauth_uri).query)["secret"][0]
    page = new_page(locale=locale)
    page.goto(live_server.url("/staff"))
    arrive(page, live_server.url("/staff/login?next=/staff"))
    check(page, f"staff-login-{language}")

    # A typing mistake in the code is said beside it, and the address stays.
    page.fill("#email", email)
    page.fill("#password", enrolment.one_time_password)
    page.fill("#code", "12ab")
    page.click("form[action^='/staff/login'] button[type='submit']")
    expect(page.locator("#code-error")).to_be_visible()
    expect(page.locator("#email")).to_have_value(email)
    check(page, f"staff-login-errors-{language}")

    page.fill("#password", enrolment.one_time_password)
    page.fill("#code", totp.code_at(secret, utcnow()))
    page.click("form[action^='/staff/login'] button[type='submit']")
    arrive(page, live_server.url("/staff/password"))
    check(page, f"staff-password-{language}")
    page.fill("#new_password", "quench-and-temper-58")
    page.click("form[action='/staff/password'] button[type='submit']")
    arrive(page, live_server.url("/staff"))
    expect(page.locator("h1")).to_have_text(heading)
    check(page, f"staff-home-{language}")

    page.click(".site-nav__button")
    arrive(page, live_server.url("/staff/login"))
    assert_no_console_errors(page)
