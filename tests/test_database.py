"""The schema: migrations up and down on SQLite and PostgreSQL, in step with the models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from starlette.testclient import TestClient

import portal.models  # noqa: F401 - registers every table on the metadata
from portal import migrate
from portal.app import create_app
from portal.db import MAX_ID, UTCDateTime, metadata, sync_url, valid_id
from tests.support.site import make_settings


@contextmanager
def connect(database_url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def table_names(database_url: str) -> set[str]:
    with connect(database_url) as connection:
        return set(sa.inspect(connection).get_table_names())


def schema_differences(database_url: str) -> list:
    with connect(database_url) as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_upgrade_to_head_then_downgrade_to_base_and_up_again(
    empty_database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=empty_database_url)
    model_tables = set(metadata.tables)
    assert {"users", "login_sessions"} <= model_tables

    migrate.upgrade(settings)
    assert table_names(empty_database_url) == model_tables | {"alembic_version"}

    migrate.downgrade(settings, "base")
    assert table_names(empty_database_url) - {"alembic_version"} == set()

    # Nothing was left behind (an index, a sequence, a type) that stops a second upgrade.
    migrate.upgrade(settings)
    assert table_names(empty_database_url) == model_tables | {"alembic_version"}


def test_every_migration_steps_down_and_up(empty_database_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url=empty_database_url)
    script = ScriptDirectory.from_config(migrate.alembic_config(empty_database_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate.upgrade(settings, revision)
        migrate.downgrade(settings, "-1")
        migrate.upgrade(settings, revision)


def test_revision_0006_gives_old_mails_to_the_account_of_their_login_address(
    empty_database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=empty_database_url)
    migrate.upgrade(settings, "0005")
    now = datetime.now(UTC)
    with connect(empty_database_url) as connection, connection.begin():
        connection.execute(
            sa.text(
                "INSERT INTO users (id, name, email, email_key, preferred_language, created_at) "
                "VALUES (1, 'Li Wei', 'Li.Wei@Example.cn', 'li.wei@example.cn', 'en', :now)"
            ),
            {"now": now},
        )
        for recipient in ("Li.Wei@Example.cn", "invoices@example.cn"):
            connection.execute(
                sa.text(
                    "INSERT INTO mail_outbox (recipient, subject, text_body, html_body, headers, "
                    "created_at, attempts, next_attempt_at) "
                    "VALUES (:to, 's', 't', 'h', '{}', :now, 0, :now)"
                ),
                {"to": recipient, "now": now},
            )
    migrate.upgrade(settings)
    with connect(empty_database_url) as connection:
        rows = connection.execute(
            sa.text("SELECT recipient, user_id FROM mail_outbox ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [("Li.Wei@Example.cn", 1), ("invoices@example.cn", None)]


def test_revision_0007_erases_resident_id_numbers_stored_without_consent(
    empty_database_url: str, tmp_path: Path
) -> None:
    """Numbers saved before 0007 were kept in plain text and no consent was asked for them."""
    settings = make_settings(tmp_path, database_url=empty_database_url)
    migrate.upgrade(settings, "0006")
    now = datetime.now(UTC)
    with connect(empty_database_url) as connection, connection.begin():
        connection.execute(
            sa.text(
                "INSERT INTO users (id, name, email, email_key, preferred_language, created_at) "
                "VALUES (1, 'Wang Fang', 'wang@example.cn', 'wang@example.cn', 'zh_Hans', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text(
                "INSERT INTO personal_invoices (user_id, name, tax_number, province, city, "
                "invoicing_address, postal_code, invoice_email, created_at, updated_at) "
                "VALUES (1, '王芳', '11010519491231002X', '110000', '110100', '东长安街 1 号', "
                "'100010', 'wang@example.cn', :now, :now)"
            ),
            {"now": now},
        )
    migrate.upgrade(settings)
    with connect(empty_database_url) as connection:
        saved = connection.execute(sa.text("SELECT name, tax_number FROM personal_invoices")).all()
        granted = connection.execute(sa.text("SELECT count(*) FROM consent_records")).scalar()
        columns = sa.inspect(connection).get_columns("personal_invoices")
    assert [tuple(row) for row in saved] == [("王芳", None)]  # the rest of the details stay
    assert granted == 0  # no consent is made up for them
    assert next(c for c in columns if c["name"] == "tax_number")["nullable"]

    # Down again: the older code reads plain text, so no ciphertext may reach it either.
    with connect(empty_database_url) as connection, connection.begin():
        connection.execute(sa.text("UPDATE personal_invoices SET tax_number = 'v1.' || name"))
    migrate.downgrade(settings, "0006")
    with connect(empty_database_url) as connection:
        saved = connection.execute(sa.text("SELECT name, tax_number FROM personal_invoices")).all()
    assert [tuple(row) for row in saved] == [("王芳", "")]


def test_the_models_match_the_migrations(database_url: str) -> None:
    """Fails when a model changed without a migration: run ``python -m portal makemigration``."""
    differences = schema_differences(database_url)
    assert not differences, "the models and the migrations differ:\n" + "\n".join(
        map(str, differences)
    )


def test_the_comparison_notices_a_missing_migration(database_url: str) -> None:
    with connect(database_url) as connection:
        connection.execute(sa.text("DROP TABLE mail_outbox"))
        connection.commit()
    assert any(diff[0] == "add_table" for diff in schema_differences(database_url))


def test_there_is_one_head_and_revisions_are_numbered_like_their_files() -> None:
    """Two issues that each add migration 0003 must be renumbered before they land."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    for revision in script.walk_revisions():
        filename = Path(revision.path).name
        assert re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", filename), filename
        assert filename.startswith(f"{revision.revision}_"), filename


async def test_timestamps_come_back_in_utc(db_session) -> None:
    from portal.accounts.models import User

    shanghai = timezone(timedelta(hours=8))
    created = datetime(2025, 3, 3, 9, 30, tzinfo=shanghai)
    db_session.add(
        User(email="li.lei@example.com", email_key="li.lei@example.com", created_at=created)
    )
    await db_session.commit()
    db_session.expunge_all()
    user = (await db_session.execute(sa.select(User))).scalar_one()
    assert user.created_at == created
    assert user.created_at.utcoffset() == timedelta(0)
    assert user.created_at.hour == 1


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2025, 3, 3), sa.engine.default.DefaultDialect())
    assert UTCDateTime().process_bind_param(datetime(2025, 3, 3, tzinfo=UTC), None).tzinfo == UTC


# -- /healthz --------------------------------------------------------------------------------


def test_health_is_ok_with_a_database_and_a_policy(client: TestClient, database_url: str) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "policy": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_reports_an_unreachable_database(built_policy: Path, tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        public_dir=built_policy,
        database_url="postgresql+psycopg://portal@127.0.0.1:1/unreachable",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"].startswith("error: ")
    assert "portal@" not in body["database"]  # no connection details for the outside world


# -- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (1, True),
        (MAX_ID, True),
        (0, False),
        (-1, False),
        (MAX_ID + 1, False),
        (2**63, False),
        (True, False),
        ("1", False),
        (1.0, False),
        (None, False),
    ],
)
def test_valid_id_accepts_only_ids_a_row_can_have(value: object, valid: bool) -> None:
    assert valid_id(value) is valid


def test_every_integer_primary_key_holds_exactly_the_ids_valid_id_accepts() -> None:
    """``MAX_ID`` is PostgreSQL's ``INTEGER``: a wider key (``BIGINT``) must raise it."""
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, sa.Integer):
                assert type(column.type) is sa.Integer, f"{table.name}.{column.name}"
    assert MAX_ID == 2**31 - 1
