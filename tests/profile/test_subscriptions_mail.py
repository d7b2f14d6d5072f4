"""Subscription mails: RFC 8058 headers over SMTP, the reader's language, and the policy notices
sent to their subscribers."""

from __future__ import annotations

import re
from dataclasses import replace
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

from sqlalchemy import select
from starlette.testclient import TestClient

from portal import i18n
from portal.accounts.models import User
from portal.db import create_engine, session_factory
from portal.mail.sender import MailConfig, mail_config, send_due
from portal.privacy.models import ConsentRecord
from portal.privacy.services import subscribed_to_policy_notices
from tests.support.accounts import GOOD
from tests.support.forms import post_form
from tests.support.records import rows, run
from tests.support.subscriptions import (
    NEWS,
    PAGE,
    choose,
    ledger,
    link_in,
    mails,
    subscribe_and_confirm,
    token_of,
    topic_mail,
)

# -- subscription mail -----------------------------------------------------------------------


def test_a_subscription_mail_in_production_carries_https_rfc_8058_headers(
    signed_in, app, settings, tmp_path
):
    subscribe_and_confirm(signed_in, app, settings, "consent_subscription_products")
    choose(signed_in, "consent_subscription_products", "consent_subscription_updates")
    production = replace(settings, environment="production", base_url="https://www.xometry.asia")
    assert topic_mail(production) == 1  # confirmed subscribers only
    assert topic_mail(production, "updates") == 0  # pending: nothing yet

    # Through the sender's file backend (var/mail/*.eml), as development delivers.
    config = mail_config(settings)
    run(settings, lambda _: send_due(session_factory(create_engine(settings.database_url)), config))
    (eml,) = [p for p in settings.mail_dir.glob("*.eml") if b"List-Unsubscribe" in p.read_bytes()]
    message = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    header = message["List-Unsubscribe"]
    assert re.fullmatch(
        r"<https://www\.xometry\.asia/subscriptions/unsubscribe\?token=\S+>", header
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == NEWS["title"]["en"]
    link = header.strip("<>")
    assert link in message.get_body(("plain",)).get_content()
    assert f'href="{link}"' in message.get_body(("html",)).get_content()


def test_subscription_mail_over_smtp_and_in_the_readers_language(
    signed_in, app, settings, smtp_server
):
    post_form(signed_in, "/language", {"language": "zh_Hans", "next": PAGE}, page=PAGE)
    choose(signed_in, "consent_subscription_products")
    confirmation = mails(settings)[-1]
    assert 'lang="zh-Hans"' in confirmation.html_body
    assert f"{GOOD['name']}，您好" in confirmation.text_body
    with TestClient(app) as stranger:
        link = link_in(confirmation, "/subscriptions/confirm")
        post_form(stranger, "/subscriptions/confirm", {"token": token_of(link)}, page=link)
    assert ledger(settings)[-1][:2] == ("consent_granted", "subscription_products")
    topic_mail(settings)
    config = MailConfig(
        backend="smtp",
        sender=settings.mail_from,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
    )
    run(settings, lambda _: send_due(session_factory(create_engine(settings.database_url)), config))
    news = [m for m in smtp_server.wait_for(3) if m["List-Unsubscribe"]]
    (message,) = news
    assert message["Subject"] == NEWS["title"]["zh_Hans"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "我们现在可以铣削钛合金。" in message.get_body(("plain",)).get_content()


def test_policy_notices_feed_the_policy_notice_mailing(signed_in, app, settings):
    def subscribed(session):
        return session.scalars(select(User.id).where(subscribed_to_policy_notices()))

    async def ids(session):
        return list(await subscribed(session))

    choose(signed_in, "consent_policy_notices")
    assert run(settings, ids) == []  # pending: not yet
    link = link_in(mails(settings)[-1], "/subscriptions/confirm")
    post_form(signed_in, "/subscriptions/confirm", {"token": token_of(link)}, page=link)
    assert ledger(settings) == [("consent_granted", "policy_notices", "email")]
    assert len(run(settings, ids)) == 1
    choose(signed_in)
    assert run(settings, ids) == []
    assert i18n.KNOWN_LOCALES  # the ledger's language is one of ours
    assert {r.language for r in rows(settings, ConsentRecord)} <= set(i18n.KNOWN_LOCALES)
