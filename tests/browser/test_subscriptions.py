"""Email subscriptions in headless Chromium: subscribe, follow the confirmation link from the mail
(delivered over SMTP by the in-process worker), unsubscribe from the mail's link and in the
Personal Center; in both languages, at 390 and 1280 px, axe-clean."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.db import create_engine, session_factory
from portal.mail.mailer import Mailer
from portal.profile.subscriptions.mailing import unsubscribe_link
from tests.support.databases import in_thread
from tests.support.journeys import check, link_in, sign_up
from tests.support.servers import LiveServer, SMTPServer

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param("en", "en-GB", "en", id="en"),
    pytest.param("zh_Hans", "zh-CN", "zh-Hans", id="zh_Hans"),
]


def _account(database_url: str, email: str) -> User:
    async def fetch() -> User:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                return (await session.scalars(select(User).where(User.email == email))).one()
        finally:
            await engine.dispose()

    return in_thread(asyncio.run, fetch())


@pytest.mark.parametrize(("language", "locale", "html_lang"), LANGUAGES)
def test_subscribe_confirm_by_mail_and_unsubscribe(
    new_page,
    site: LiveServer,
    smtp_server: SMTPServer,
    language,
    locale,
    html_lang,
) -> None:
    page = new_page(locale=locale)
    email = f"subscriber.{language.lower()}@example.cn"
    sign_up(page, site, email)

    page.goto(site.url("/account/subscriptions"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator("nav.account-nav [aria-current='page'] >> visible=true")).to_have_count(1)
    check(page, f"subscriptions-{language}")

    page.check("#consent_subscription_products")
    page.check("#consent_policy_notices")
    page.click("#subscriptions button[type='submit']")
    expect(page.locator("#subscriptions .notice--success")).to_be_visible()  # htmx swapped it
    expect(page.locator("#consent_subscription_products")).to_be_checked()
    check(page, f"subscriptions-requested-{language}")

    # The second mail (after the address verification): one confirmation for both topics.
    path = link_in(smtp_server, 2, r"https?://\S+/subscriptions/confirm\?token=\S+")
    assert smtp_server.received[1].rcpt_tos == [email]
    page.goto(site.url(path))
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    check(page, f"subscriptions-confirm-{language}")
    page.click("form[action='/subscriptions/confirm'] button[type='submit']")
    expect(page.locator(".notice--success")).to_be_visible()
    expect(page.locator("form[action='/subscriptions/confirm']")).to_have_count(0)
    check(page, f"subscriptions-confirmed-{language}")

    page.goto(site.url("/account/subscriptions"))
    expect(page.locator(".tag--success")).to_have_count(2)

    # The link in the footer of every subscription mail, for a reader without JavaScript too.
    user = _account(site.settings.database_url, email)
    mailer = Mailer.from_settings(site.settings, site.app.state.templates.env)
    link = unsubscribe_link(
        dataclasses.replace(mailer, base_url=str(site)), user=user, topics=["products"]
    )
    page.goto(link)
    check(page, f"subscriptions-unsubscribe-{language}")
    page.click("form[action^='/subscriptions/unsubscribe'] button[type='submit']")
    expect(page.locator(".notice--success")).to_be_visible()
    check(page, f"subscriptions-unsubscribed-{language}")

    # And in the Personal Center: untick the last one.
    page.goto(site.url("/account/subscriptions"))
    expect(page.locator("#consent_subscription_products")).not_to_be_checked()
    page.uncheck("#consent_policy_notices")
    page.click("#subscriptions button[type='submit']")
    expect(page.locator("#subscriptions .notice--success")).to_be_visible()
    expect(page.locator(".tag--success")).to_have_count(0)
    check(page, f"subscriptions-saved-{language}")
