"""The retention job deletes what the inventory's periods say has expired, and nothing else:
privacy requests closed over 3 years ago (with their history, transfer links and provision
records), restricted orders whose period ended (with their drawings' ciphertext), the kept
orders of deleted accounts; it records each rule's count, finds nothing on a second run, and
its dry run (``python -m portal retention --dry-run``) lists what would go and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from portal.__main__ import main
from portal.drawings.models import Drawing
from portal.privacy.models import RetentionRun
from portal.privacy.retention import run_retention
from portal.profile.my_data.services import site_inventory
from portal.quotes.models import QuoteRequest, RetainedOrder
from portal.rights.models import Disclosure, PrivacyRequest, RequestEvent
from tests.support.accounts import rows, run
from tests.support.quotes import add_customer, add_drawing, add_quote
from tests.support.rights import add_request
from tests.support.site import TEST_SECRET_KEY

TODAY = date(2030, 6, 1)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


@pytest.fixture
def kept(app, settings, database_url):
    """Two of each: one just expired on TODAY, one a day short of it."""

    async def make(session):
        user = await add_customer(session, "li.wei@example.cn")
        for reference, closed in (
            ("R-00000001", date(2027, 5, 31)),
            ("R-00000002", date(2027, 6, 1)),
        ):
            request = await add_request(
                session,
                user.id,
                reference,
                kind="transfer",
                filed_at=at(closed) - timedelta(days=5),
                status="completed",
                answered_at=at(closed),
            )
            session.add(Disclosure(user_id=user.id, request_id=request.id, recipient_name="X"))
        await add_request(session, user.id, "R-00000003", filed_at=at(date(2020, 1, 2)))  # open
        drawings = []
        for reference, until in (("Q-0000000A", date(2030, 5, 31)), ("Q-0000000B", TODAY)):
            quote = await add_quote(
                session,
                user,
                reference,
                status="ordered",
                restricted_at=at(date(2027, 1, 1)),
                restricted_until=until,
            )
            drawings.append(await add_drawing(session, app, user, quote, reference.encode() * 50))
        for reference, until in (("Q-0000000C", date(2030, 5, 31)), ("Q-0000000D", TODAY)):
            session.add(
                RetainedOrder(
                    reference=reference,
                    process="cnc_machining",
                    material="aluminium_6061",
                    finish="as_machined",
                    tolerance="standard",
                    quantity=1,
                    price=Decimal("10.00"),
                    requested_at=at(date(2027, 1, 1)),
                    ordered_at=at(date(2027, 1, 2)),
                    retained_until=until,
                )
            )
        await session.commit()
        return drawings

    return run(settings, make)


def retain(app, settings, *, dry_run: bool = False):
    async def work(session):
        return await run_retention(
            session,
            inventory=site_inventory(settings.content_dir),
            storage=app.state.drawing_storage,
            today=TODAY,
            dry_run=dry_run,
        )

    return {r.rule: r.items for r in run(settings, work)}


def references(settings, model) -> set[str]:
    return {row.reference for row in rows(settings, model)}


def test_what_expired_goes_and_nothing_else(app, settings, kept):
    before = len(rows(settings, RequestEvent))
    assert retain(app, settings, dry_run=True) == {
        "privacy_requests.closed_requests": ["R-00000001"],
        "request_a_quote.restricted_orders": ["Q-0000000A"],
        "request_a_quote.kept_orders": ["Q-0000000C"],
    }
    # The dry run changed nothing.
    assert references(settings, PrivacyRequest) == {"R-00000001", "R-00000002", "R-00000003"}
    assert len(rows(settings, RequestEvent)) == before
    assert rows(settings, RetentionRun) == []

    retain(app, settings)
    assert references(settings, PrivacyRequest) == {"R-00000002", "R-00000003"}
    assert references(settings, QuoteRequest) == {"Q-0000000B"}
    assert references(settings, RetainedOrder) == {"Q-0000000D"}
    assert len(rows(settings, Disclosure)) == 1  # the expired request's provision record went
    assert len(rows(settings, RequestEvent)) == before - 1
    gone, still = kept
    assert [d.id for d in rows(settings, Drawing)] == [still.id]
    assert not asyncio.run(app.state.drawing_storage.exists(gone.storage_key))
    assert asyncio.run(app.state.drawing_storage.exists(still.storage_key))
    recorded = {(r.rule, r.deleted) for r in rows(settings, RetentionRun)}
    assert recorded == {
        ("privacy_requests.closed_requests", 1),
        ("request_a_quote.restricted_orders", 1),
        ("request_a_quote.kept_orders", 1),
    }

    # Idempotent: a second run finds nothing.
    assert all(items == [] for items in retain(app, settings).values())


def test_the_dry_run_from_the_command_line(app, settings, kept, tmp_path):
    env = {
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": TEST_SECRET_KEY,
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_VAR_DIR": str(tmp_path / "cli-var"),
    }
    result = CliRunner(env=env).invoke(main, ["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    # Today is earlier than TODAY: the requests closed in 2027 are not 3 years old yet.
    assert "would delete" in result.output
    assert "R-00000001" not in result.output
    assert len(rows(settings, PrivacyRequest)) == 3
