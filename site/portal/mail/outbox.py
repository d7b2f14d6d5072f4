"""Queue mail in the outbox, in the recipient's language, in the caller's transaction.

A mail is queued in the same transaction as the change it reports (an account created, a
password changed), so it is sent if and only if that change was saved.
"""

from __future__ import annotations

import json

import jinja2
from jinja2_fragments import render_block
from sqlmodel.ext.asyncio.session import AsyncSession

from portal import i18n
from portal.mail.models import OutboxMessage


def render_mail(
    env: jinja2.Environment, template: str, locale: str, context: dict
) -> tuple[str, str, str]:
    """Render ``templates/mail/<template>.html`` into (subject, text, html) in ``locale``.

    One file per mail holds its subject, its plain-text part and its HTML part as blocks, so a
    translator sees all three together.
    """
    name = f"mail/{template}.html"
    with i18n.use_locale(locale):
        subject = " ".join(render_block(env, name, "subject", context).split())
        text = render_block(env, name, "text", context).strip() + "\n"
        html = env.get_template(name).render(context)
    return subject, text, html


def queue_mail(
    session: AsyncSession,
    env: jinja2.Environment,
    *,
    recipient: str,
    template: str,
    locale: str,
    context: dict,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Add a mail to the outbox; the caller's commit makes it real."""
    subject, text, html = render_mail(env, template, locale, context)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        text_body=text,
        html_body=html,
        headers=json.dumps(headers or {}, ensure_ascii=False),
    )
    session.add(message)
    return message
