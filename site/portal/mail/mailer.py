"""``Mailer``: the one object services queue mail through.

It holds what every mail needs besides its reader: the templates that render it, the site's
address for the links in it, and the secret key that signs their tokens. The app builds one
(``app.state.mailer``), commands build their own, and a service that mails takes it as one
argument, ``mailer``, instead of the templates, a base URL and settings passed down from a route.
The mail joins the service's transaction: it is sent if and only if the service commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2
from sqlalchemy.ext.asyncio import AsyncSession

from portal.mail.models import OutboxMessage
from portal.mail.outbox import queue_mail
from portal.settings import Settings


@dataclass(frozen=True)
class Mailer:
    """Queues mail in the outbox, rendered in the reader's language, with links to this site."""

    env: jinja2.Environment
    #: The site's address, no trailing slash (``settings.base_url``): links in mail are absolute.
    base_url: str
    #: Signs the tokens of links in mail (verification, subscriptions, unsubscribe).
    secret_key: str

    @classmethod
    def from_settings(cls, settings: Settings, env: jinja2.Environment) -> Mailer:
        return cls(env=env, base_url=settings.base_url, secret_key=settings.secret_key)

    def link(self, path: str) -> str:
        """The absolute address of ``path`` (``/password/forgot``) for a mail."""
        return f"{self.base_url}{path}"

    def queue(
        self,
        *,
        session: AsyncSession,
        user_id: int | None,
        recipient: str,
        template: str,
        locale: str,
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> OutboxMessage:
        """Add ``templates/mail/<template>.html`` to the outbox; the caller's commit sends it.

        ``user_id`` is the account the mail is for (``None`` only for mail to no account).
        """
        return queue_mail(
            session,
            self.env,
            user_id=user_id,
            recipient=recipient,
            template=template,
            locale=locale,
            context=context,
            headers=headers,
        )
