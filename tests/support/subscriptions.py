"""Email subscriptions in the tests: choosing topics, the mails they queue, the confirmation link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from portal.mail.mailer import Mailer
from portal.mail.models import OutboxMessage
from portal.privacy.models import ConsentRecord
from portal.profile.models import EmailSubscription
from portal.profile.subscriptions.mailing import queue_topic_mail
from portal.templating import create_environment
from tests.support.forms import post_form
from tests.support.records import rows, run

PAGE = "/account/subscriptions"
NEWS = {
    "title": {"en": "Five-axis milling is here", "zh_Hans": "五轴铣削上线"},
    "paragraphs": {"en": ["We now mill titanium."], "zh_Hans": ["我们现在可以铣削钛合金。"]},
}


def choose(client: TestClient, *fields: str, **kwargs):
    return post_form(client, PAGE, {field: "y" for field in fields}, page=PAGE, **kwargs)


def ledger(settings) -> list[tuple[str, str | None, str]]:
    """The consents given and withdrawn (not the registration's policy and capacity rows)."""
    return [
        (r.kind, r.purpose, r.channel)
        for r in rows(settings, ConsentRecord)
        if r.kind in ("consent_granted", "consent_withdrawn")
    ]


def subscriptions(settings) -> dict[str, bool]:
    """topic -> confirmed"""
    return {row.topic: row.confirmed_at is not None for row in rows(settings, EmailSubscription)}


def mails(settings) -> list[OutboxMessage]:
    return [m for m in rows(settings, OutboxMessage) if m.subject != "Confirm your email address"]


def link_in(mail: OutboxMessage, path: str) -> str:
    found = re.search(rf"https?://\S+{re.escape(path)}\?token=\S+", mail.text_body)
    assert found, mail.text_body
    assert found[0] in mail.html_body
    parts = urlsplit(found[0])
    return f"{parts.path}?{parts.query}"


def subscribe_and_confirm(client, app, settings, *fields: str) -> None:
    choose(client, *fields)
    link = link_in(mails(settings)[-1], "/subscriptions/confirm")
    with TestClient(app) as stranger:
        post_form(stranger, "/subscriptions/confirm", {"token": token_of(link)}, page=link)


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


def topic_mail(settings, topic: str = "products") -> int:
    mailer = Mailer.from_settings(settings, create_environment(settings))
    return run(
        settings,
        lambda session: queue_topic_mail(
            session=session,
            topic=topic,
            template="subscription_news",
            mailer=mailer,
            context=NEWS,
        ),
    )
