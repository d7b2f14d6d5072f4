"""The harness itself: the fixtures later issues rely on do what tests/conftest.py says."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import httpx2
from sqlalchemy import text

from portal.settings import Settings


def test_settings_are_isolated_per_test(settings: Settings, tmp_path) -> None:
    assert settings.environment == "test"
    assert settings.var_dir.is_relative_to(tmp_path)
    assert (settings.public_dir / "policy" / "manifest.json").exists()
    assert len(settings.secret_key) >= 32


def test_smtp_server_receives_a_message_sent_with_smtplib(smtp_server) -> None:
    message = EmailMessage()
    message["From"] = "Xometry Asia <no-reply@xometry.asia>"
    message["To"] = "李雷 <li.lei@example.com>"
    message["Subject"] = "请确认您的邮箱地址"
    message.set_content("您好！\n\nPlease confirm your address.")

    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as connection:
        connection.send_message(message)

    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "请确认您的邮箱地址"
    assert received["To"].addresses[0].addr_spec == "li.lei@example.com"
    assert "您好！" in received.get_content()
    assert smtp_server.received[0].rcpt_tos == ["li.lei@example.com"]
    assert smtp_server.received[0].mail_from == "no-reply@xometry.asia"


def test_live_server_serves_the_app_over_http(live_server) -> None:
    response = httpx2.get(live_server.url("/healthz"), timeout=5)
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert live_server.startswith("http://127.0.0.1:")


async def test_database_url_is_migrated_and_private_to_the_test(db_session, database_backend):
    tables = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
        "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    }[database_backend]
    names = set((await db_session.execute(text(tables))).scalars())
    assert {"users", "alembic_version"} <= names
    count = (await db_session.execute(text("SELECT count(*) FROM users"))).scalar_one()
    assert count == 0
