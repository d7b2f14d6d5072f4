"""Mail to the subscribers of a topic, each with its never-expiring unsubscribe link.

Every such mail carries the RFC 8058 headers (``List-Unsubscribe`` with an https link in
production, where ``settings.base_url`` is https, and ``List-Unsubscribe-Post``), and the same
link visibly in its footer: templates extend ``mail/_subscription.html``.

    await queue_topic_mail(session=session, topic="products", template="subscription_news",
                           mailer=mailer, context={"title": {...}, "paragraphs": {...}})
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.accounts.models import User
from portal.db import saved_id
from portal.i18n import DEFAULT_LOCALE, KNOWN_LOCALES
from portal.mail.mailer import Mailer
from portal.profile.models import EmailSubscription
from portal.profile.subscriptions.tokens import unsubscribe_token
from portal.profile.subscriptions.topics import LABELS, TOPICS

BATCH = 200


def mail_locale(user: User) -> str:
    """The language of mail to ``user``: their preferred one."""
    return user.preferred_language if user.preferred_language in KNOWN_LOCALES else DEFAULT_LOCALE


def unsubscribe_link(mailer: Mailer, *, user: User, topics: Iterable[str]) -> str:
    """The never-expiring link that unsubscribes ``user`` from ``topics``."""
    assert user.id is not None
    token = unsubscribe_token(
        mailer.secret_key, user_id=saved_id(user), created_at=user.created_at, topics=tuple(topics)
    )
    return mailer.link(f"/subscriptions/unsubscribe?token={token}")


def unsubscribe_headers(link: str) -> dict[str, str]:
    """The RFC 8058 headers: mail providers offer "Unsubscribe" and POST the link themselves."""
    return {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


async def queue_topic_mail(
    *,
    session: AsyncSession,
    topic: str,
    template: str,
    mailer: Mailer,
    context: dict[str, Any] | None = None,
) -> int:
    """Queue ``templates/mail/<template>.html`` to every confirmed subscriber of ``topic``.

    Each mail is in its reader's preferred language, goes to the address they confirmed, and
    carries the RFC 8058 headers and, in its footer, the same unsubscribe link (``template``
    must extend ``mail/_subscription.html`` and end its text with ``unsubscribe_text``; a mail
    without the visible link is refused with ``ValueError`` before its batch is committed).
    Commits every :data:`BATCH` mails; returns how many were queued.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    queued, after = 0, 0
    while True:
        batch = list(
            await session.execute(
                select(EmailSubscription, User)
                .join(User, col(User.id) == col(EmailSubscription.user_id))
                .where(col(EmailSubscription.topic) == topic)
                .where(col(EmailSubscription.confirmed_at).is_not(None))
                .where(col(EmailSubscription.id) > after)
                .order_by(col(EmailSubscription.id))
                .limit(BATCH)
            )
        )
        if not batch:
            return queued
        for subscription, user in batch:
            link = unsubscribe_link(mailer, user=user, topics=[topic])
            message = mailer.queue(
                session=session,
                user_id=saved_id(user),
                recipient=subscription.email,
                template=template,
                locale=mail_locale(user),
                context={
                    **(context or {}),
                    "name": user.name,
                    "topic": LABELS[topic],
                    "unsubscribe_link": link,
                },
                headers=unsubscribe_headers(link),
            )
            if link not in message.text_body or link not in message.html_body:
                await session.rollback()
                raise ValueError(f"mail/{template}.html does not show the unsubscribe link")
            queued += 1
        await session.commit()
        after = saved_id(batch[-1][0])
