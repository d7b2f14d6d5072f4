"""The staff console in headless Chromium, in both languages at 390 and 1280 px: sign in with the
one-time password and a code, choose a password, arrive at the console, sign out; and answer a
quote request from the list."""

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
from tests.support.quotes import OPEN_MESH, add_customer, add_drawing, add_quote
from tests.support.servers import LiveServer
from tests.support.staff import signed_in_member

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


def _quote_request(live_server: LiveServer, reference: str, email: str) -> None:
    async def make(session):
        user = await add_customer(session, email)
        quote = await add_quote(session, user, reference, notes="两件一套\n请阳极氧化")
        await add_drawing(session, live_server.app, user, quote, b"ISO-10303-21;\n")
        await add_drawing(
            session,
            live_server.app,
            user,
            quote,
            b"solid cover\nendsolid cover\n",
            filename="上盖板-第二版-最终确认-2026年12月.stl",
            parts=[OPEN_MESH],
            file_format="stl",
        )

    in_thread(run, live_server.settings, make)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize(("language", "locale", "heading"), LANGUAGES)
def test_a_quoting_member_answers_a_quote_request(
    new_page, live_server: LiveServer, language, locale, heading, width
) -> None:
    reference = f"Q-{language[:2].upper()}{width:04d}QT"
    _quote_request(live_server, reference, f"customer.{language.lower()}{width}@example.cn")
    page = new_page(locale=locale, viewport={"width": width, "height": 800})
    member = f"quoting.{language.lower()}{width}@xometry.asia"
    signed_in_member(page, live_server, member, Role.QUOTING)

    page.click("a[href='/staff/quotes']")
    arrive(page, live_server.url("/staff/quotes"))
    page.set_viewport_size({"width": width, "height": 800})
    expect(page.locator(f"a[href='/staff/quotes/{reference}']")).to_be_visible()
    check(page, f"staff-quotes-{language}")

    page.click(f"a[href='/staff/quotes/{reference}']")
    arrive(page, live_server.url(f"/staff/quotes/{reference}"))
    page.set_viewport_size({"width": width, "height": 800})
    expect(page.locator("h1")).to_contain_text(reference)
    check(page, f"staff-quote-{language}")

    # A price that is not one is said beside the field, and what was typed stays.
    page.check("input[name='status'][value='quoted']")
    page.fill("#price", "12,80")
    page.fill("#lead_days", "12")
    page.fill("#message", "含税价另计。\n交货地：上海")
    page.click(f"form[action='/staff/quotes/{reference}'] button[type='submit']")
    expect(page.locator("#price-error")).to_be_visible()
    expect(page.locator("#price")).to_have_value("12,80")
    expect(page.locator("#message")).to_have_value("含税价另计。\n交货地：上海")
    check(page, f"staff-quote-errors-{language}")

    page.fill("#price", "1280.50")
    page.click(f"form[action='/staff/quotes/{reference}'] button[type='submit']")
    arrive(page, live_server.url(f"/staff/quotes/{reference}?saved=1"))
    expect(page.locator(".notice--success")).to_be_visible()
    expect(page.locator("#price")).to_have_value("1280.50")
    expect(page.locator("input[name='status'][value='quoted']")).to_be_checked()
    assert_no_console_errors(page)
