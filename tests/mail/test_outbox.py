"""The mail outbox: queued in the caller's transaction, delivered over real SMTP, retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import i18n
from portal.db import create_engine, session_factory, utcnow
from portal.mail.models import OutboxMessage
from portal.mail.outbox import queue_mail, render_mail
from portal.mail.sender import MAX_ATTEMPTS, MailConfig, backoff, send_due
from portal.templating import create_environment

CONTEXT = {"name": "李伟", "link": "https://www.xometry.asia/verify?token=abc", "days": 7}


@pytest.fixture
async def sessions(database_url):
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def env(settings):
    i18n.configure(settings.locales_dir)
    return create_environment(settings)


def smtp_config(smtp_server) -> MailConfig:
    return MailConfig(
        backend="smtp",
        sender="Xometry Asia <no-reply@xometry.asia>",
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
    )


async def queue(sessions, env, locale="zh_Hans", **headers) -> int:
    async with sessions() as session:
        message = queue_mail(
            session,
            env,
            user_id=None,
            recipient="li.wei@example.cn",
            template="verify_email",
            locale=locale,
            context=CONTEXT,
            headers=headers or None,
        )
        await session.commit()
        return message.id


async def test_mail_is_delivered_over_smtp_in_the_recipients_language(sessions, env, smtp_server):
    await queue(sessions, env, locale="zh_Hans")
    assert await send_due(sessions, smtp_config(smtp_server)) == 1
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "li.wei@example.cn"
    assert message["Subject"] == "请确认您的邮箱地址"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "李伟" in text
    assert CONTEXT["link"] in text
    assert 'lang="zh-Hans"' in html
    assert CONTEXT["link"] in html


def test_the_text_part_and_subject_are_not_html_escaped(env):
    context = {**CONTEXT, "name": "O'Neil & Co <R&D>"}
    _, text, html = render_mail(env, "verify_email", "en", context)
    assert "Hello O'Neil & Co <R&D>," in text
    assert "&amp;" not in text
    assert "&#39;" not in text
    assert "O&#39;Neil &amp; Co &lt;R&amp;D&gt;" in html  # the HTML part stays escaped


async def test_extra_headers_reach_the_recipient(sessions, env, smtp_server):
    await queue(
        sessions, env, locale="en", **{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    )
    await send_due(sessions, smtp_config(smtp_server))
    (message,) = smtp_server.wait_for(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == "Confirm your email address"


async def test_a_sent_message_is_never_sent_again(sessions, env, smtp_server):
    await queue(sessions, env)
    config = smtp_config(smtp_server)
    assert await send_due(sessions, config) == 1
    assert await send_due(sessions, config) == 0
    assert len(smtp_server.received) == 1


async def test_a_rolled_back_change_sends_nothing(sessions, env, smtp_server):
    async with sessions() as session:
        queue_mail(
            session,
            env,
            user_id=None,
            recipient="a@example.cn",
            template="verify_email",
            locale="en",
            context=CONTEXT,
        )
        await session.rollback()
    assert await send_due(sessions, smtp_config(smtp_server)) == 0


async def test_an_unreachable_server_is_retried_later_with_backoff(sessions, env, smtp_server):
    message_id = await queue(sessions, env)
    down = MailConfig(
        backend="smtp", sender="no-reply@xometry.asia", smtp_host="127.0.0.1", smtp_port=1
    )
    assert await send_due(sessions, down) == 0
    async with sessions() as session:
        row = await session.get(OutboxMessage, message_id)
        assert row.attempts == 1
        assert row.sent_at is None
        assert "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at > utcnow() + timedelta(seconds=20)
        # Not due yet: the working server receives nothing until the backoff has passed.
    assert await send_due(sessions, smtp_config(smtp_server)) == 0
    async with sessions() as session:
        row = await session.get(OutboxMessage, message_id)
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        await session.commit()
    assert await send_due(sessions, smtp_config(smtp_server)) == 1
    smtp_server.wait_for(1)


async def test_a_message_that_keeps_failing_is_given_up(sessions, env):
    message_id = await queue(sessions, env)
    async with sessions() as session:
        row = await session.get(OutboxMessage, message_id)
        row.attempts = MAX_ATTEMPTS
        session.add(row)
        await session.commit()
    down = MailConfig(
        backend="smtp", sender="no-reply@xometry.asia", smtp_host="127.0.0.1", smtp_port=1
    )
    assert await send_due(sessions, down) == 0
    async with sessions() as session:
        row = await session.get(OutboxMessage, message_id)
        assert row.attempts == MAX_ATTEMPTS  # not tried again


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(30) == timedelta(hours=6)


async def test_file_backend_writes_eml_files(sessions, env, tmp_path):
    await queue(sessions, env, locale="en")
    config = MailConfig(backend="file", sender="no-reply@xometry.asia", mail_dir=tmp_path / "mail")
    assert await send_due(sessions, config) == 1
    (path,) = (tmp_path / "mail").glob("*.eml")
    assert b"Confirm your email address" in path.read_bytes()


async def test_concurrent_senders_send_each_message_once(sessions, env, smtp_server):
    import asyncio

    for _ in range(6):
        await queue(sessions, env)
    config = smtp_config(smtp_server)
    results = await asyncio.gather(*(send_due(sessions, config, limit=3) for _ in range(3)))
    assert sum(results) == 6
    smtp_server.wait_for(6)
    assert len(smtp_server.received) == 6
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        assert all(row.sent_at is not None for row in rows)


async def test_list_unsubscribe_reaches_the_server_as_literal_ascii(sessions, env, smtp_server):
    """RFC 2369 and 8058: mail clients offer one-click unsubscribe only for a literal ``<https://…>``;
    an RFC 2047 encoded word (``=?utf-8?q?=3Chttps…``) is not a URL to them. A long link may sit
    on a folded line of its own, but is never encoded or broken."""
    link = "https://www.xometry.asia/subscriptions/unsubscribe?token=" + "Ab1-_x" * 30
    await queue(
        sessions,
        env,
        locale="zh_Hans",
        **{"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    await send_due(sessions, smtp_config(smtp_server))
    smtp_server.wait_for(1)
    raw = smtp_server.received[0].raw
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    unfolded = head.replace(b"\r\n ", b" ").replace(b"\r\n\t", b"\t")
    fields = dict(line.split(b":", 1) for line in unfolded.split(b"\r\n"))
    assert fields[b"List-Unsubscribe"].strip() == b"<" + link.encode() + b">"
    assert fields[b"List-Unsubscribe-Post"] == b" List-Unsubscribe=One-Click"
