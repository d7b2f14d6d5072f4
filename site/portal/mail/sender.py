"""Deliver the outbox: claim due messages, send them, retry failures with backoff.

Claims are a single UPDATE (with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several
workers on several hosts never send one message twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import Policy
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from portal.db import utcnow
from portal.mail.models import OutboxMessage
from portal.settings import Settings

logger = logging.getLogger("portal.mail")

MAX_ATTEMPTS = 10
CLAIM_SECONDS = 120


@dataclass(frozen=True)
class MailConfig:
    backend: str  # "smtp", "file" or "console"
    sender: str  # the From address, e.g. "Xometry Asia <no-reply@xometry.asia>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_dir: Path | None = None  # for the "file" backend


def mail_config(settings: Settings) -> MailConfig:
    return MailConfig(
        backend=settings.mail_backend,
        sender=settings.mail_from,
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        smtp_username=settings.smtp_username,
        smtp_password=settings.smtp_password,
        smtp_starttls=settings.smtp_starttls,
        mail_dir=settings.mail_dir,
    )


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling, at most 6 hours between attempts."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


class _URLListHeader(UnstructuredHeader, BaseHeader):
    """``List-Unsubscribe`` (RFC 2369): ``<https://…>`` exactly as written, in ASCII.

    The default policy folds a line longer than 78 characters, and a URL has no space to fold
    at, so it would become RFC 2047 encoded words (``=?utf-8?q?=3Chttps…``), which no mail
    client reads as a link: no one-click unsubscribe (RFC 8058). Here a long value is folded
    only between its ``<…>`` entries, never inside one and never encoded: one long link stays
    whole on the header's line (78 characters is a SHOULD, 998 the limit: RFC 5322 2.1.1).
    Python's parser, at least, keeps the space of a continuation line in the value, so the
    first link stays beside the name.
    """

    def fold(self, *, policy: Policy) -> str:
        value = str(self)
        if not value.isascii() or "\n" in value or "\r" in value:
            return super().fold(policy=policy)
        entries = [entry.strip() for entry in value.split(",")]
        return f"{self.name}: " + f",{policy.linesep} ".join(entries) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _URLListHeader)
_HEADERS.map_to_type("list-unsubscribe-post", _URLListHeader)
_POLICY = default_policy.clone(header_factory=_HEADERS)


def build_message(config: MailConfig, row: OutboxMessage) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = config.sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = make_msgid(
        idstring=f"outbox-{row.id}", domain=config.sender.rsplit("@", 1)[-1].rstrip(">")
    )
    for name, value in json.loads(row.headers or "{}").items():
        message[name] = value
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def deliver(config: MailConfig, message: EmailMessage) -> None:
    """Send one message with the configured backend (blocking: run it in a thread)."""
    if config.backend == "smtp":
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30) as smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_username:
                smtp.login(config.smtp_username, config.smtp_password)
            smtp.send_message(message)
    elif config.backend == "file":
        assert config.mail_dir is not None
        config.mail_dir.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        (config.mail_dir / f"{name}.eml").write_bytes(bytes(message))
    elif config.backend == "console":
        print(message.as_string())
    else:
        raise ValueError(f"unknown mail backend {config.backend!r}")


async def _claim(
    sessions: async_sessionmaker[AsyncSession], now: datetime, limit: int
) -> list[int]:
    async with sessions() as session:
        due = (
            select(col(OutboxMessage.id))
            .where(col(OutboxMessage.sent_at).is_(None))
            .where(col(OutboxMessage.attempts) < MAX_ATTEMPTS)
            .where(col(OutboxMessage.next_attempt_at) <= now)
            .where(
                col(OutboxMessage.claimed_until).is_(None)
                | (col(OutboxMessage.claimed_until) < now)
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claimed = await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(due.scalar_subquery()))
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
            .returning(col(OutboxMessage.id))
        )
        ids = sorted(message_id for message_id in claimed.scalars() if message_id is not None)
        await session.commit()
        return ids


async def send_due(
    sessions: async_sessionmaker[AsyncSession], config: MailConfig, *, limit: int = 50
) -> int:
    """Send the messages that are due; returns how many were sent."""
    now = utcnow()
    sent = 0
    for message_id in await _claim(sessions, now, limit):
        async with sessions() as session:
            row = await session.get(OutboxMessage, message_id)
            if row is None or row.sent_at is not None:
                continue
            try:
                await asyncio.to_thread(deliver, config, build_message(config, row))
            except (OSError, smtplib.SMTPException) as error:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:500]
                row.next_attempt_at = utcnow() + backoff(row.attempts)
                logger.warning(
                    "mail %s to %s failed (attempt %s): %s",
                    row.id,
                    row.recipient,
                    row.attempts,
                    error,
                )
            else:
                row.attempts += 1
                row.sent_at = utcnow()
                sent += 1
            row.claimed_until = None
            session.add(row)
            await session.commit()
    return sent


async def run_sender(
    sessions: async_sessionmaker[AsyncSession],
    config: MailConfig,
    *,
    interval: float = 2.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Send due mail every ``interval`` seconds until ``stop`` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await send_due(sessions, config)
        except Exception:
            logger.exception("mail sender round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
