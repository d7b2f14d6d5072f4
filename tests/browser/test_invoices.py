"""Invoice information in headless Chromium: corporate details with a bank account and personal
details with a resident ID number (each refused without its separate consent, saved with it,
shown masked), and withdrawing each consent, which erases the value; with htmx on a
390 px phone and without JavaScript (the confirmation pages); in both languages, screenshots at
390 and 1280 px, axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import assert_no_console_errors, screenshot
from tests.support.invoices import CODE, RIC
from tests.support.journeys import arrive, check, sign_up
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", "Shanghai", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", "上海市", id="zh_Hans"),
]
PHONE = {"width": 390, "height": 844}
LIST = "/account/invoices"
ACCOUNT = "6222 0202 0011 2233 445"
SAVE = "form.form .form__actions button[type='submit']"
MASKED_RIC = RIC[:4] + "*" * 10 + RIC[-4:]


def look(page: Page, name: str) -> None:
    check(page, name)
    page.set_viewport_size(PHONE)


def fill_corporate(page: Page, *, javascript: bool = True) -> None:
    page.fill("#company_name", "上海精密机械有限公司")
    page.fill("#tax_number", CODE)
    page.select_option("#province", "310000")
    if not javascript:  # "Show cities" sends the form back as typed, saving nothing
        page.click("button[name='refresh_regions']")
        expect(page.locator("#company_name")).to_have_value("上海精密机械有限公司")
    expect(page.locator("#city")).to_have_value("310100")
    page.fill("#invoicing_address", "浦东新区张江路 88 号 3 号楼 501 室")
    page.fill("#postal_code", "201203")
    page.fill("#invoice_email", "finance@example.cn")
    page.fill("#bank_name", "中国工商银行上海张江支行")
    page.fill("#bank_account", ACCOUNT)


def fill_personal(page: Page) -> None:
    page.fill("#name", "王芳")
    page.fill("#tax_number", RIC)
    page.select_option("#province", "110000")
    expect(page.locator("#city")).to_have_value("110100")
    page.fill("#invoicing_address", "东城区东长安街 1 号")
    page.fill("#postal_code", "100010")
    page.fill("#invoice_email", "wang.fang@example.cn")


def corporate_cards(page: Page):
    return page.locator(".invoice-card[id^='corporate-invoice-']")


@pytest.mark.parametrize(("language", "locale", "html_lang", "shanghai"), LANGUAGES)
def test_invoices_with_a_bank_account_and_its_consent_on_a_phone(
    new_page, site: LiveServer, language, locale, html_lang, shanghai
) -> None:
    page = new_page(locale=locale, viewport=PHONE)
    sign_up(page, site, f"invoices.{language.lower()}@example.cn")
    page.goto(site.url(LIST))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator(".account-nav__compact a[aria-current='page']")).to_have_attribute(
        "href", LIST
    )
    look(page, f"invoices-empty-{language}")

    # A bank account without the consent box: refused, the box flagged, the rest kept.
    page.click(f"a[href='{LIST}/corporate/new']")
    arrive(page, f"**{LIST}/corporate/new")
    expect(page.locator("#consent_bank_account")).not_to_be_checked()
    look(page, f"invoices-corporate-new-{language}")
    fill_corporate(page)
    page.fill("#tax_number", CODE[:15])
    page.click(SAVE)
    expect(page.locator("#consent_bank_account-error")).to_be_visible()
    expect(page.locator("#tax_number-error")).to_contain_text("15")
    expect(page.locator("#company_name")).to_have_value("上海精密机械有限公司")
    look(page, f"invoices-corporate-errors-{language}")

    # With the consent: saved, and the account shown masked.
    page.fill("#tax_number", CODE)
    page.check("#consent_bank_account")
    page.click(SAVE)
    arrive(page, f"**{LIST}?done=corporate_added")
    expect(corporate_cards(page)).to_have_count(1)
    expect(corporate_cards(page).first).to_contain_text("•••• •••• 3445")
    expect(corporate_cards(page).first).to_contain_text(shanghai)
    expect(page.locator("body")).not_to_contain_text("6222020200112233445")

    # The edit form never shows the number, and keeps it when left empty.
    corporate_cards(page).first.locator("a[href$='/edit']").click()
    arrive(page, "**/edit")
    expect(page.locator("#bank_account")).to_have_value("")
    expect(page.locator("#bank_account-hint")).to_contain_text("3445")
    expect(page.locator("#consent_bank_account")).to_have_count(0)
    look(page, f"invoices-corporate-edit-{language}")
    page.fill("#postal_code", "201204")
    page.click(SAVE)
    arrive(page, f"**{LIST}?done=saved")
    expect(corporate_cards(page).first).to_contain_text("•••• •••• 3445")

    # A personal invoice: the ID number refused without its own consent, then masked.
    page.click(f"a[href='{LIST}/personal/new']")
    arrive(page, f"**{LIST}/personal/new")
    expect(page.locator("#consent_resident_id")).not_to_be_checked()
    fill_personal(page)
    page.click(SAVE)
    expect(page.locator("#consent_resident_id-error")).to_be_visible()
    expect(page.locator("#name")).to_have_value("王芳")
    look(page, f"invoices-personal-consent-{language}")
    page.check("#consent_resident_id")
    page.click(SAVE)
    arrive(page, f"**{LIST}?done=personal_added")
    expect(page.locator("body")).to_contain_text(MASKED_RIC)
    expect(page.locator("body")).not_to_contain_text(RIC)
    look(page, f"invoices-list-{language}")

    # Withdraw the consent after the page asks, in place: the account goes.
    before = page.url
    page.click(f"a[href='{LIST}/bank-account/withdraw']")
    expect(page.locator("#bank-consent-withdraw .confirm__question")).to_be_visible()
    look(page, f"invoices-confirm-withdraw-{language}")
    page.click(f"#bank-consent-withdraw form[action='{LIST}/bank-account/withdraw'] button")
    expect(page.locator("#invoice-status .notice")).to_be_visible()
    expect(corporate_cards(page).first).not_to_contain_text("3445")
    expect(page.locator(f"a[href='{LIST}/bank-account/withdraw']")).to_have_count(0)
    assert page.url == before
    look(page, f"invoices-withdrawn-{language}")

    # And the ID-number consent: the number goes, the personal details stay.
    page.click(f"a[href='{LIST}/resident-id/withdraw']")
    expect(page.locator("#resident-id-consent-withdraw .confirm__question")).to_be_visible()
    page.click(f"#resident-id-consent-withdraw form[action='{LIST}/resident-id/withdraw'] button")
    expect(page.locator(f"a[href='{LIST}/resident-id/withdraw']")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(MASKED_RIC)
    expect(page.locator(".invoice-card[id^='personal-invoice-']")).to_contain_text("王芳")
    assert page.url == before
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang", "shanghai"), LANGUAGES)
def test_invoices_without_javascript(
    new_page, site: LiveServer, language, locale, html_lang, shanghai
) -> None:
    page = new_page(locale=locale, viewport=PHONE, java_script_enabled=False)
    sign_up(page, site, f"invoices-no-js.{language.lower()}@example.cn")
    page.goto(site.url(f"{LIST}/corporate/new"))
    fill_corporate(page, javascript=False)  # Shanghai is its own one city: chosen with it
    page.check("#consent_bank_account")
    page.click(SAVE)
    arrive(page, f"**{LIST}?done=corporate_added")

    # Withdrawing asks on a page of its own.
    page.click(f"a[href='{LIST}/bank-account/withdraw']")
    arrive(page, re.compile(r".*/account/invoices/bank-account/withdraw\??$"))
    screenshot(page, f"invoices-no-js-withdraw-{language}")
    page.click(f"form[action='{LIST}/bank-account/withdraw'] button[type='submit']")
    arrive(page, f"**{LIST}?done=withdrawn")
    expect(corporate_cards(page).first).not_to_contain_text("3445")

    # Delete asks on a page of its own too.
    corporate_cards(page).first.locator("a[href$='/delete']").click()
    arrive(page, re.compile(r".*/account/invoices/corporate/\d+/delete\??$"))
    screenshot(page, f"invoices-no-js-delete-{language}")
    page.click("form[action$='/delete'] button[type='submit']")
    arrive(page, f"**{LIST}?done=deleted")
    expect(corporate_cards(page)).to_have_count(0)
