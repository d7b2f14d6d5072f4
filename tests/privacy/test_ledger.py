"""The consent ledger: the user's own page, and rows that nothing can change or remove."""

from __future__ import annotations

import ast
import inspect
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from portal.accounts.models import User
from portal.privacy import services
from portal.privacy.models import ConsentRecord
from tests.support.databases import database_backends
from tests.support.html import parse
from tests.support.policy_updates import acknowledge, signed_in
from tests.support.records import run


def test_the_personal_center_links_to_the_ledger(open_site, minor_update):
    site = open_site(minor_update)
    signed_in(site, consented_to="1.2")
    assert "/account/consents" in parse(site.client.get("/account").text).links


def test_the_ledger_lists_the_users_own_rows_newest_first(open_site, minor_update):
    site = open_site(minor_update)
    other = site.device()
    signed_in(site, other, consented_to="1.2", email="someone@example.cn")
    user = signed_in(site, consented_to="1.1", locale="zh_Hans")
    acknowledge(site.client, "1.2")
    response = site.client.get("/account/consents")
    assert response.status_code == 200
    assert response.template.name == "privacy/consents.html"
    entries = response.context["entries"]
    assert [(e.user_id, e.kind, e.policy_version) for e in entries] == [
        (user.id, "policy_acknowledgment", "1.2"),
        (user.id, "capacity_declared", "1.1"),
        (user.id, "policy_consent", "1.1"),
    ]
    document = parse(response.text)
    assert document.html_lang == "zh-Hans"
    assert {"/policy/1.1", "/policy/1.2"} <= set(document.links)
    assert "简体中文" in response.text  # the language of each record
    shanghai = entries[0].occurred_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{shanghai:%H:%M}" in response.text  # Beijing time
    assert f"{shanghai.year}年{shanghai.month}月{shanghai.day}日" in response.text
    assert f'datetime="{entries[0].occurred_at.isoformat()}"' in response.text


def test_a_purpose_row_names_the_purpose(open_site, minor_update):
    site = open_site(minor_update)
    user = signed_in(site, consented_to="1.2")

    async def grant(session):
        session.add(
            ConsentRecord(
                user_id=user.id,
                kind=services.CONSENT_GRANTED,
                purpose=services.POLICY_NOTICES,
                language="en",
                channel="email",
            )
        )
        await session.commit()

    run(site.settings, grant)
    response = site.client.get("/account/consents")
    assert response.context["entries"][0].purpose == "policy_notices"
    assert "Mails about updates of the Data Protection Policy" in response.text
    assert "Gave consent" in response.text


def test_the_ledger_needs_a_signed_in_user(open_site, minor_update):
    site = open_site(minor_update)
    response = site.client.get("/account/consents", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/login?next=/account/consents",
    )


# -- append-only ------------------------------------------------------------------------------

CHANGING_WORDS = ("update", "delete", "remove", "erase", "purge", "edit", "modify", "replace")


def test_the_ledger_service_offers_no_way_to_change_or_remove_a_row():
    names = [name for name, _ in inspect.getmembers(services, inspect.isfunction)]
    assert "acknowledge_policy" in names  # the inspection sees the module's functions
    assert not [n for n in names if any(word in n.lower() for word in CHANGING_WORDS)]
    tree = ast.parse(inspect.getsource(services))
    called = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert not called & {"update", "delete", "execute", "merge"}, called
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert not imported & {"update", "delete", "text"}


def _engine(database_url):
    from portal.db import sync_url

    return sa.create_engine(sync_url(database_url))


@pytest.fixture
def ledger_row(database_url):
    """A user with one ledger row, written with plain SQL; yields (engine, user id)."""
    engine = _engine(database_url)
    with engine.begin() as connection:
        user_id = connection.execute(
            sa.insert(User.__table__)
            .values(name="李伟", preferred_language="en", created_at=datetime.now(UTC))
            .returning(User.__table__.c.id)
        ).scalar_one()
        connection.execute(
            sa.insert(ConsentRecord.__table__).values(
                user_id=user_id,
                kind="policy_consent",
                policy_version="1.1",
                language="en",
                channel="website",
                occurred_at=datetime.now(UTC),
            )
        )
    yield engine, user_id
    engine.dispose()


REFUSED = [
    "UPDATE consent_records SET policy_version = '9.9'",
    "UPDATE consent_records SET occurred_at = occurred_at",
    "UPDATE consent_records SET user_id = NULL",  # the user still exists
    "DELETE FROM consent_records",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_database_refuses_to_change_a_ledger_row(ledger_row, statement):
    engine, _ = ledger_row
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM consent_records")).scalar() == 1


# SQLite has no TRUNCATE: this one runs on PostgreSQL alone.
@pytest.mark.parametrize("database_backend", database_backends("postgresql"), indirect=True)
def test_postgresql_refuses_truncate_too(ledger_row):
    engine, _ = ledger_row
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text("TRUNCATE consent_records"))


def test_deleting_a_user_keeps_their_rows_without_the_user(ledger_row):
    engine, user_id = ledger_row
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(sa.text("PRAGMA foreign_keys=ON"))
        connection.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": user_id})
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT user_id, kind FROM consent_records")).all()
    assert [tuple(row) for row in rows] == [(None, "policy_consent")]
