"""A privacy request in headless Chromium, in both languages, at 390 and 1280 px: the customer
makes one from the Personal Center (mistakes shown beside their fields), reads its due date
and history, withdraws another inline; a privacy officer finds it in the queue, verifies the
customer's identity and answers it in two steps; the customer reads the answer. Axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.staff.models import Role
from tests.support.browser import assert_no_console_errors
from tests.support.journeys import arrive, check, htmx_settled, sign_up
from tests.support.servers import LiveServer
from tests.support.staff import signed_in_member

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "Privacy requests", "Send the request", "Deletion", id="en"),
    pytest.param("zh_Hans", "zh-CN", "隐私请求", "提交申请", "删除", id="zh_Hans"),
]


@pytest.mark.parametrize(("language", "locale", "nav", "send", "deletion"), LANGUAGES)
def test_a_customer_asks_an_officer_answers(
    new_page, site: LiveServer, language, locale, nav, send, deletion
) -> None:
    page = new_page(locale=locale)
    sign_up(page, site, f"rights.{language.lower()}@example.cn")
    page.goto(site.url("/account"))
    page.locator(".account-nav__side").get_by_role("link", name=nav).click()
    arrive(page, site.url("/account/privacy/requests"))
    check(page, f"privacy-requests-empty-{language}")
    page.locator("a[href='/account/privacy/requests/new']").first.click()
    arrive(page, site.url("/account/privacy/requests/new"))
    check(page, f"privacy-request-new-{language}")

    # A deletion without what or why: both said beside their fields, the choice kept.
    page.check("input[name='kind'][value='deletion']")
    page.get_by_role("button", name=send).click()
    htmx_settled(page)
    expect(page.locator("#details-error")).to_be_visible()
    expect(page.locator("#deletion_reason-error")).to_be_visible()
    expect(page.locator("input[name='kind'][value='deletion']")).to_be_checked()
    check(page, f"privacy-request-errors-{language}")

    page.fill("#details", "我以前的收货地址（上海市浦东新区）")
    page.check("input[name='deletion_reason'][value='C']")
    page.get_by_role("button", name=send).click()
    page.wait_for_url(re.compile(r"/account/privacy/requests/R-[0-9A-Z]{8}$"))
    reference = page.url.rsplit("/", 1)[1]
    expect(page.locator("h1")).to_contain_text(reference)
    expect(page.locator(".facts")).to_contain_text(deletion)
    check(page, f"privacy-request-{language}")

    # A second request, withdrawn inline: the confirmation takes the button's place.
    page.goto(site.url("/account/privacy/requests/new?kind=question"))
    page.fill("#details", "Which logistics providers received my address?")
    page.get_by_role("button", name=send).click()
    page.wait_for_url(re.compile(r"/account/privacy/requests/R-[0-9A-Z]{8}$"))
    page.locator("#withdraw a").click()
    expect(page.locator("#withdraw .confirm")).to_be_visible()
    check(page, f"privacy-request-withdraw-{language}")
    page.locator("#withdraw button[type='submit']").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#withdraw")).to_have_count(0)

    page.goto(site.url("/account/privacy/requests"))
    expect(page.locator(".quote-card")).to_have_count(2)
    check(page, f"privacy-requests-{language}")
    assert_no_console_errors(page, allow=(f"422 for {site.url('/account/privacy/requests/new')}",))

    # The officer: the queue, the identity check, the answer confirmed on a second page.
    officer = new_page(locale=locale)
    signed_in_member(
        officer, site, f"privacy.{language.lower()}@xometry.asia", Role.PRIVACY_OFFICER
    )
    officer.click("a[href='/staff/privacy']")
    arrive(officer, site.url("/staff/privacy"))
    expect(officer.locator("svg.age-chart")).to_be_visible()
    check(officer, f"staff-privacy-queue-{language}")
    officer.click(f"a[href='/staff/privacy/{reference}']")
    arrive(officer, site.url(f"/staff/privacy/{reference}"))
    check(officer, f"staff-privacy-request-{language}")
    officer.fill("#method", "Signed in to the account")
    officer.click(f"form[action$='/{reference}/identity'] button[type='submit']")
    arrive(officer, re.compile(rf"/staff/privacy/{reference}\?done=identity$"))
    officer.check("input[name='decision'][value='answer']")
    officer.fill("#text", "已删除该地址。\nThe address is deleted.")
    officer.click(f"form[action$='/{reference}/answer'] button[type='submit']")
    officer.wait_for_load_state("networkidle")
    expect(officer.locator(".quote-box")).to_contain_text("已删除该地址。")
    check(officer, f"staff-privacy-confirm-{language}")
    officer.click(f"form[action$='/{reference}/answer'] button[type='submit']")
    arrive(officer, re.compile(rf"/staff/privacy/{reference}\?done=answered$"))
    assert_no_console_errors(officer)

    page.goto(site.url(f"/account/privacy/requests/{reference}"))
    expect(page.locator("main")).to_contain_text("The address is deleted.")
    check(page, f"privacy-request-answered-{language}")


@pytest.mark.parametrize(("language", "locale", "nav", "send", "deletion"), LANGUAGES)
def test_an_officer_deletes_the_whole_account_the_customer_asked_to_delete(
    new_page, site: LiveServer, language, locale, nav, send, deletion
) -> None:
    page = new_page(locale=locale)
    sign_up(page, site, f"delete.all.{language.lower()}@example.cn")
    page.goto(site.url("/account/privacy/requests/new"))
    page.check("input[name='kind'][value='deletion']")
    page.fill("#details", "请删除我的整个账户。Please delete my whole account.")
    page.check("input[name='deletion_reason'][value='A']")
    page.get_by_role("button", name=send).click()
    page.wait_for_url(re.compile(r"/account/privacy/requests/R-[0-9A-Z]{8}$"))
    reference = page.url.rsplit("/", 1)[1]

    officer = new_page(locale=locale)
    signed_in_member(
        officer, site, f"privacy.delete.{language.lower()}@xometry.asia", Role.PRIVACY_OFFICER
    )
    officer.goto(site.url(f"/staff/privacy/{reference}"))
    # Before the identity check the deletion is refused beside its choice.
    officer.check("input[name='reason'][value='deletion_request']")
    officer.click(f"form[action$='/{reference}/delete-account'] button[type='submit']")
    officer.wait_for_load_state("networkidle")
    expect(officer.locator("#reason-error")).to_be_visible()
    expect(officer.locator("input[name='reason'][value='deletion_request']")).to_be_checked()

    officer.fill("#method", "Replied from the confirmed address")
    officer.click(f"form[action$='/{reference}/identity'] button[type='submit']")
    arrive(officer, re.compile(rf"/staff/privacy/{reference}\?done=identity$"))
    check(officer, f"staff-privacy-delete-account-{language}")
    officer.check("input[name='reason'][value='deletion_request']")
    officer.click(f"form[action$='/{reference}/delete-account'] button[type='submit']")
    officer.wait_for_load_state("networkidle")
    expect(officer.locator(".confirm__question")).to_contain_text(
        f"delete.all.{language.lower()}@example.cn"
    )
    check(officer, f"staff-privacy-confirm-deletion-{language}")
    officer.click("button.button--danger")
    arrive(officer, re.compile(rf"/staff/privacy/{reference}\?done=deleted$"))
    expect(officer.locator(".notice--success")).to_be_visible()
    expect(officer.locator(f"form[action$='/{reference}/delete-account']")).to_have_count(0)
    assert_no_console_errors(
        officer, allow=(f"400 for {site.url(f'/staff/privacy/{reference}/delete-account')}",)
    )

    # The customer's browser is signed out at once.
    page.goto(site.url("/account"))
    page.wait_for_url(re.compile(r"/login"))
