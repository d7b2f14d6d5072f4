"""Queue mail in the outbox, in the recipient's language, in the caller's transaction.

A mail is queued in the same transaction as the change it reports (an account created, a
password changed), so it is sent if and only if that change was saved.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

import jinja2
from jinja2_fragments import render_block
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.mail.models import OutboxMessage


def render_mail(
    env: jinja2.Environment, template: str, locale: str, context: dict[str, Any]
) -> tuple[str, str, str]:
    """Render ``templates/mail/<template>.html`` into (subject, text, html) in ``locale``.

    One file per mail holds its subject, its plain-text part and its HTML part as blocks, so a
    translator sees all three together.
    """
    name = f"mail/{template}.html"
    plain = _plain_environment(env)
    with i18n.use_locale(locale):
        subject = " ".join(render_block(plain, name, "subject", context).split())
        text = render_block(plain, name, "text", context).strip() + "\n"
        html = env.get_template(name).render(context)
    return subject, text, html


_PLAIN: weakref.WeakKeyDictionary[jinja2.Environment, jinja2.Environment] = (
    weakref.WeakKeyDictionary()
)


def _plain_environment(env: jinja2.Environment) -> jinja2.Environment:
    """``env`` without autoescaping, for the subject and the plain-text part.

    The templates are ``.html`` files, so ``env`` escapes them: rendered with it, a customer
    named "O'Neil & Co" would read "O&#39;Neil &amp; Co" in the text part. The overlay shares
    the loader, filters and globals, and keeps its own compiled templates.
    """
    plain = _PLAIN.get(env)
    if plain is None:
        plain = _PLAIN[env] = env.overlay(autoescape=False)
    return plain


def queue_mail(
    session: AsyncSession,
    env: jinja2.Environment,
    *,
    user_id: int | None,
    recipient: str,
    template: str,
    locale: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Add a mail to the outbox; the caller's commit makes it real.

    ``user_id`` is the account the mail is for (``None`` only for mail to no account): the
    customer sees it among what we hold on them, and it goes when the account goes.
    """
    rendered = render_mail(env, template, locale, context)
    return queue_rendered(
        session, user_id=user_id, recipient=recipient, rendered=rendered, headers=headers
    )


def queue_rendered(
    session: AsyncSession,
    *,
    user_id: int | None,
    recipient: str,
    rendered: tuple[str, str, str],
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """:func:`queue_mail` for a mail already rendered by :func:`render_mail`."""
    subject, text, html = rendered
    message = OutboxMessage(
        user_id=user_id,
        recipient=recipient,
        subject=subject,
        text_body=text,
        html_body=html,
        headers=json.dumps(headers or {}, ensure_ascii=False),
    )
    session.add(message)
    return message
