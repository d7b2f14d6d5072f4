"""The harness itself: the fixtures later issues rely on do what tests/conftest.py says."""

from __future__ import annotations

import ast
import smtplib
from email.message import EmailMessage
from pathlib import Path

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


def imports_of_other_tests(path: Path, tests_dir: Path) -> list[str]:
    """The modules of ``tests/`` outside ``tests/support`` that the file at ``path`` imports."""
    package = path.relative_to(tests_dir.parent).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the file's own package
                parent = package[: len(package) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names = [base] if node.module else [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [
            name
            for name in names
            if name.split(".")[0] == "tests" and name.split(".")[:2] != ["tests", "support"]
        ]
    return found


def test_no_test_module_imports_from_another_test_module() -> None:
    """Shared helpers live in tests/support, so a test file can move or go without breaking
    others (and pytest never collects a test twice through an import)."""
    tests_dir = Path(__file__).parent
    offenders = {
        path.relative_to(tests_dir).as_posix(): found
        for path in sorted(tests_dir.rglob("*.py"))
        if (found := imports_of_other_tests(path, tests_dir))
    }
    assert offenders == {}, "move what they import to tests/support/"
