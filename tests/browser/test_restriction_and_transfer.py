"""Deleting an order and downloading a transfer, in headless Chromium, in both languages at 390
and 1280 px, axe-clean: the customer is told an order is restricted rather than deleted, and
reads until when; the receiving processor's page, its single download, and the page a used
link gets."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from portal.accounts.models import User
from portal.mail.models import OutboxMessage
from portal.staff.models import Role
from tests.support.accounts import run
from tests.support.databases import in_thread
from tests.support.journeys import arrive, check, sign_up
from tests.support.quotes import add_drawing, add_quote
from tests.support.rights import add_request
from tests.support.servers import LiveServer
from tests.support.staff import signed_in_member

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "Restrict and delete later", id="en"),
    pytest.param("zh_Hans", "zh-CN", "限制处理，期满后删除", id="zh_Hans"),
]


def _customer(site: LiveServer, email: str) -> User:
    async def find(session):
        return (await session.execute(select(User).where(User.email_key == email))).scalar_one()

    return in_thread(run, site.settings, find)


@pytest.mark.parametrize(("language", "locale", "restrict"), LANGUAGES)
def test_an_order_deleted_is_restricted(new_page, site: LiveServer, language, locale, restrict):
    email = f"order.{language.lower()}@example.cn"
    page = new_page(locale=locale)
    sign_up(page, site, email)
    user = _customer(site, email)
    reference = f"Q-{language[:2].upper()}00000R"

    async def order(session):
        quote = await add_quote(session, user, reference, status="ordered")
        await add_drawing(session, site.app, user, quote, b"ISO-10303-21;\n")

    in_thread(run, site.settings, order)
    page.goto(site.url(f"/quotes/{reference}/delete"))
    check(page, f"quote-delete-order-{language}")
    page.get_by_role("button", name=restrict).click()
    arrive(page, site.url(f"/quotes/{reference}"))
    expect(page.locator(".notice--warning").last).to_contain_text(re.compile(r"20\d\d"))
    check(page, f"quote-restricted-{language}")


@pytest.mark.parametrize(("language", "locale", "restrict"), LANGUAGES)
def test_the_processor_downloads_once(new_page, site: LiveServer, language, locale, restrict):
    email = f"transfer.{language.lower()}@example.cn"
    page = new_page(locale=locale)
    sign_up(page, site, email)
    user = _customer(site, email)
    reference = f"R-{language[:2].upper()}00000T"
    in_thread(
        run,
        site.settings,
        lambda s: add_request(
            s,
            user.id,
            reference,
            kind="transfer",
            recipient_name="上海某某精密制造有限公司",
            recipient_email="privacy@processor.example.cn",
            recipient_purpose="报价",
        ),
    )
    officer = new_page(locale=locale)
    signed_in_member(
        officer, site, f"officer.{language.lower()}@xometry.asia", Role.PRIVACY_OFFICER
    )
    officer.goto(site.url(f"/staff/privacy/{reference}"))
    officer.fill("#method", "Signed in")
    officer.click(f"form[action$='/{reference}/identity'] button[type='submit']")
    officer.wait_for_load_state("networkidle")
    officer.check("input[name='decision'][value='answer']")
    officer.fill("#text", "OK")
    officer.click(f"form[action$='/{reference}/answer'] button[type='submit']")
    officer.wait_for_load_state("networkidle")
    check(officer, f"staff-privacy-confirm-transfer-{language}")
    officer.click(f"form[action$='/{reference}/answer'] button[type='submit']")
    arrive(officer, re.compile(r"\?done=answered$"))

    async def link(session):
        mails = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "privacy@processor.example.cn")
        )
        return re.search(r"(/transfers/\S+)", next(iter(mails)).text_body).group(1)

    path = in_thread(run, site.settings, link)
    processor = new_page(locale=locale)
    processor.goto(site.url(path))
    expect(processor.locator("h1")).to_be_visible()
    check(processor, f"transfer-download-{language}")
    with processor.expect_download() as download:
        processor.locator("form[action^='/transfers/'] button[type='submit']").click()
    assert download.value.suggested_filename.endswith(".zip")
    processor.goto(site.url(path))
    check(processor, f"transfer-used-{language}")
