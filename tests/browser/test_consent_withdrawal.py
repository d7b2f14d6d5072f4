"""Withdrawing a consent from "My consent records" in headless Chromium: the consents in force
(the policy, the resident ID number just given), "Withdraw" asking in place (htmx) what happens
at once and that what came before stays lawful, the withdrawal recorded at the top of the
ledger; the policy consent's page leading to deregistration, also without JavaScript. Both
languages; screenshots at 390 and 1280 px, axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_no_console_errors, screenshot
from tests.support.invoices import RIC
from tests.support.journeys import arrive, check, htmx_settled, sign_up
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", id="zh_Hans"),
]
PAGE = "/account/consents"
WORDS = {
    "en": {"withdrew": "Withdrew consent", "lawful": "stays lawful", "done": "withdrawn"},
    "zh_Hans": {"withdrew": "撤回同意", "lawful": "依然合法有效", "done": "已撤回同意"},
}


@pytest.mark.parametrize(("language", "locale", "html_lang"), LANGUAGES)
def test_withdrawing_consents_from_the_consent_records(
    new_page, site: LiveServer, language, locale, html_lang
) -> None:
    words = WORDS[language]
    page = new_page(locale=locale)
    sign_up(page, site, f"consents.{language.lower()}@example.cn")

    # Give a consent: personal invoice details with a resident ID number.
    page.goto(site.url("/account/invoices/personal/new"))
    page.fill("#name", "王芳")
    page.fill("#tax_number", RIC)
    page.select_option("#province", "110000")
    expect(page.locator("#city")).to_have_value("110100")
    page.fill("#invoicing_address", "东城区东长安街 1 号")
    page.fill("#postal_code", "100010")
    page.fill("#invoice_email", "wang.fang@example.cn")
    page.check("#consent_resident_id")
    page.click("form.form .form__actions button[type='submit']")
    arrive(page, site.url("/account/invoices?done=personal_added"))

    page.goto(site.url(PAGE))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    cards = page.locator(".consent-list__item")
    expect(cards).to_have_count(2)
    expect(page.locator("#consent-data_protection_policy")).to_be_visible()
    expect(page.locator("#consent-resident_id")).to_be_visible()
    ledger_rows = page.locator("table.data-table tbody tr")
    expect(ledger_rows).to_have_count(3)  # the policy, legal capacity, the resident ID number
    check(page, f"consents-given-{language}")

    # "Withdraw" asks in place; the safe choice has the focus.
    page.click("#consent-resident_id a.button")
    htmx_settled(page)
    confirm = page.locator("#consent-resident_id .confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text(words["lawful"])
    expect(confirm.locator("a.button--secondary")).to_be_focused()
    check(page, f"consents-withdraw-confirm-{language}")

    confirm.locator("button[type='submit']").click()
    arrive(page, site.url(f"{PAGE}?withdrawn=resident_id"))
    expect(page.locator(".notice--success")).to_contain_text(words["done"])
    expect(cards).to_have_count(1)
    expect(ledger_rows).to_have_count(4)
    expect(ledger_rows.first).to_contain_text(words["withdrew"])
    check(page, f"consents-withdrawn-{language}")

    # The policy consent: withdrawing it is deregistering; its page says so and leads there.
    page.goto(site.url(f"{PAGE}/data_protection_policy/withdraw"))  # the page without htmx
    expect(page.locator("a.button--danger[href='/account/privacy/deregister']")).to_be_visible()
    check(page, f"consents-withdraw-policy-page-{language}")
    page.goto(site.url(PAGE))
    page.click("#consent-data_protection_policy a.button")
    htmx_settled(page)
    policy = page.locator("#consent-data_protection_policy .confirm")
    expect(policy).to_contain_text(words["lawful"])
    check(page, f"consents-withdraw-policy-{language}")
    policy.locator("a.button--danger").click()
    arrive(page, site.url("/account/privacy/deregister"))
    assert_no_console_errors(page)


@pytest.mark.parametrize(("language", "locale", "html_lang"), LANGUAGES)
def test_without_javascript_the_confirmation_is_a_page(
    new_page, site: LiveServer, language, locale, html_lang
) -> None:
    page = new_page(locale=locale, java_script_enabled=False)
    sign_up(page, site, f"consents.nojs.{language.lower()}@example.cn")
    page.goto(site.url(PAGE))
    page.click("#consent-data_protection_policy a.button")
    arrive(page, site.url(f"{PAGE}/data_protection_policy/withdraw"))
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("a.button--danger[href='/account/privacy/deregister']")).to_be_visible()
    screenshot(page, f"consents-withdraw-policy-nojs-{language}")  # axe: the test above
