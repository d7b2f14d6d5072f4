"""A customer deletes a quote request (policy 5.4): one that never became an order goes at once
with its drawings' ciphertext; an order is restricted instead (PIPL art. 47), kept for the
years the inventory gives after it was placed, hidden from staff, and shown to its owner as
restricted until that day."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.drawings.models import Drawing
from portal.quotes.models import QuoteRequest
from portal.staff.models import Role
from tests.support.accounts import register, rows, run
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import post_form
from tests.support.quotes import add_drawing, add_quote
from tests.support.staff import choose_password, enrol, sign_in

REFERENCE = "Q-ABCD2345"
URL = f"/quotes/{REFERENCE}"


@pytest.fixture
def customer(client, app, settings) -> TestClient:
    assert register(client).status_code == 303
    return client


def with_request(app, settings, *, status: str) -> Drawing:
    [user] = rows(settings, User)

    async def make(session):
        quote = await add_quote(session, user, REFERENCE, status=status)
        return await add_drawing(session, app, user, quote, b"ISO-10303-21;\n" * 100)

    return run(settings, make)


def stored(app, drawing: Drawing) -> bool:
    return asyncio.run(app.state.drawing_storage.exists(drawing.storage_key))


def test_a_request_that_is_no_order_goes_with_its_drawings(customer, app, settings):
    drawing = with_request(app, settings, status="quoted")
    assert stored(app, drawing)
    page = customer.get(f"{URL}/delete")
    assert page.status_code == 200
    assert "This cannot be undone" in page.text
    assert customer.head(f"{URL}/delete").status_code == 200
    assert len(rows(settings, QuoteRequest)) == 1

    response = post_form(customer, f"{URL}/delete", {}, page=f"{URL}/delete")
    assert response.headers["location"] == "/quotes?deleted=1"
    assert rows(settings, QuoteRequest) == []
    assert rows(settings, Drawing) == []
    assert not stored(app, drawing)
    assert "The request and its drawings are deleted." in customer.get("/quotes?deleted=1").text
    assert "are deleted" not in customer.get("/quotes").text


def test_an_order_is_restricted_until_the_law_lets_it_go(customer, app, settings):
    drawing = with_request(app, settings, status="ordered")

    async def placed(session):
        await session.execute(
            update(QuoteRequest).values(updated_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
        )
        await session.commit()

    run(settings, placed)
    page = customer.get(f"{URL}/delete")
    assert "3 years after it was placed" in page.text
    response = post_form(customer, f"{URL}/delete", {}, page=f"{URL}/delete")
    assert response.headers["location"] == URL
    [quote] = rows(settings, QuoteRequest)
    assert quote.restricted_at is not None
    assert quote.restricted_until == date(2029, 3, 2)
    assert stored(app, drawing)  # kept, encrypted
    shown = customer.get(URL).text
    assert "restricted" in shown
    assert "Delete this request" not in shown
    assert "Restricted until" in customer.get("/quotes").text
    # Asking again changes nothing.
    assert post_form(customer, f"{URL}/delete", {}, page=URL).headers["location"] == URL
    assert rows(settings, QuoteRequest)[0].restricted_at == quote.restricted_at


def test_staff_no_longer_see_a_restricted_order(customer, app, settings):
    with_request(app, settings, status="ordered")
    post_form(customer, f"{URL}/delete", {}, page=f"{URL}/delete")
    staff = TestClient(app)
    with staff:
        member = enrol(settings, Role.QUOTING, "quoting@xometry.asia")
        sign_in(staff, member)
        choose_password(staff)
        assert REFERENCE not in staff.get("/staff/quotes").text
        assert staff.get(f"/staff/quotes/{REFERENCE}").status_code == 404


def test_another_customers_request_cannot_be_deleted(client, app, settings):
    assert register(client, email="other@example.cn").status_code == 303
    assert register(TestClient(app)).status_code == 303
    [_, owner] = sorted(rows(settings, User), key=lambda u: u.id)

    async def make(session):
        await add_quote(session, owner, REFERENCE)

    run(settings, make)
    assert client.get(f"{URL}/delete").status_code == 404
    assert post_form(client, f"{URL}/delete", {}, page="/quotes").status_code == 404
    assert len(rows(settings, QuoteRequest)) == 1
