"""A customer makes privacy requests from the Personal Center: each gets a reference, a due date
15 working days out and an acknowledgement by mail; mistakes are shown beside their fields; a
repeat is flagged, never refused; the owner alone sees a request and may withdraw it while
open (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import lxml.html
import pytest
from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.db import utcnow
from portal.mail.models import OutboxMessage
from portal.rights.calendar import china_date, due_date
from portal.rights.models import PrivacyRequest, RequestEvent
from tests.support.accounts import register, rows, run
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import csrf_token, post_form
from tests.support.quotes import add_customer
from tests.support.rights import add_request

NEW = "/account/privacy/requests/new"


@pytest.fixture
def customer(client: TestClient) -> TestClient:
    assert register(client).status_code == 303
    return client


def file(client: TestClient, **fields: Any) -> Any:
    return post_form(client, NEW, fields, page=NEW)


def errors(response: Any) -> dict[str, str]:
    page = lxml.html.fromstring(response.text)
    return {
        e.get("id").removesuffix("-error"): e.text_content().strip()
        for e in page.xpath("//*[contains(@class, 'field__error')]")
    }


def test_a_question_is_received_dated_and_acknowledged(customer, settings):
    response = file(customer, kind="question", details="Which providers receive my address?")
    assert response.status_code == 303
    [request] = rows(settings, PrivacyRequest)
    assert response.headers["location"] == f"/account/privacy/requests/{request.reference}"
    assert request.reference.startswith("R-")
    assert len(request.reference) == 10
    assert request.due_on == due_date(china_date(request.filed_at)).day
    assert request.status == "open"
    assert not request.flagged_repeated

    page = customer.get(response.headers["location"])
    assert page.status_code == 200
    assert request.reference in page.text
    assert "Which providers receive my address?" in page.text
    assert "Request received" in page.text  # the history's first step

    [mail] = [m for m in rows(settings, OutboxMessage) if "privacy request" in m.subject]
    assert mail.recipient == "Li.Wei@example.cn"
    assert request.reference in mail.subject
    assert request.reference in mail.text_body
    assert f"/account/privacy/requests/{request.reference}" in mail.text_body


def test_the_list_shows_each_request_with_its_due_date(customer, settings):
    file(customer, kind="access")
    file(customer, kind="question", details="Do you keep my drawings after an order?")
    page = customer.get("/account/privacy/requests")
    assert page.status_code == 200
    for request in rows(settings, PrivacyRequest):
        assert request.reference in page.text
    assert "Answer due by" in page.text


def test_a_deletion_needs_what_and_which_case(customer, settings):
    response = file(customer, kind="deletion", details="", deletion_reason="")
    assert response.status_code == 400
    assert set(errors(response)) == {"details", "deletion_reason"}
    response = file(customer, kind="deletion", details="My old address", deletion_reason="F")
    assert errors(response) == {"deletion_reason": "Choose the case that applies."}
    assert 'value="My old address"' not in response.text  # a textarea keeps it as its text
    assert ">My old address</textarea>" in response.text
    assert rows(settings, PrivacyRequest) == []

    assert (
        file(customer, kind="deletion", details="My old address", deletion_reason="C").status_code
        == 303
    )
    [request] = rows(settings, PrivacyRequest)
    assert (request.kind, request.deletion_reason) == ("deletion", "C")


def test_a_transfer_names_the_receiving_processor(customer, settings):
    response = file(customer, kind="transfer", recipient_email="not an address")
    assert response.status_code == 400
    assert set(errors(response)) == {"recipient_name", "recipient_email", "recipient_purpose"}
    assert 'value="not an address"' in response.text

    response = file(
        customer,
        kind="transfer",
        recipient_name="上海某某制造有限公司",
        recipient_email="privacy@example.com",
        recipient_purpose="Quoting the same parts",
        deletion_reason="A",  # another kind's field: not kept
    )
    assert response.status_code == 303
    [request] = rows(settings, PrivacyRequest)
    assert request.recipient_name == "上海某某制造有限公司"
    assert request.recipient_email == "privacy@example.com"
    assert request.deletion_reason == ""


def test_no_kind_no_request(customer, settings):
    response = file(customer, details="hello")
    assert response.status_code == 400
    assert "kind" in errors(response)
    response = file(customer, kind="everything")
    assert "kind" in errors(response)
    assert rows(settings, PrivacyRequest) == []


def test_htmx_gets_the_form_block_with_422(customer):
    token = csrf_token(customer.get(NEW))
    response = customer.post(
        NEW,
        data={"csrf_token": token, "kind": "question"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "<html" not in response.text
    assert 'name="kind"' in response.text


def test_the_form_preselects_a_kind(customer):
    page = customer.get(NEW + "?kind=transfer")
    assert 'value="transfer" checked' in page.text
    assert "checked" not in customer.get(NEW + "?kind=bogus").text


def test_a_repeat_is_flagged_for_a_person_not_refused(customer, settings):
    assert file(customer, kind="access").status_code == 303
    assert file(customer, kind="access").status_code == 303  # the first is still open
    first, second = sorted(rows(settings, PrivacyRequest), key=lambda r: r.id)
    assert not first.flagged_repeated
    assert second.flagged_repeated
    assert second.status == "open"
    # The flag is staff's business: the customer's history does not show it.
    assert "repeated" not in customer.get(f"/account/privacy/requests/{second.reference}").text
    assert any(e.action == "flagged" and e.internal for e in rows(settings, RequestEvent))


def test_the_third_of_a_kind_within_ninety_days_is_a_repeat(customer, settings):
    [user] = rows(settings, User)

    async def two_answered(session):
        for reference, days in (("R-00000001", 80), ("R-00000002", 20)):
            filed = utcnow() - timedelta(days=days)
            await add_request(
                session, user.id, reference, kind="copy", filed_at=filed, status="completed"
            )

    run(settings, two_answered)
    assert file(customer, kind="copy").status_code == 303
    newest = max(rows(settings, PrivacyRequest), key=lambda r: r.filed_at)
    assert newest.flagged_repeated


def test_requests_older_than_ninety_days_do_not_count(customer, settings):
    [user] = rows(settings, User)

    async def two_long_ago(session):
        for reference, days in (("R-00000001", 200), ("R-00000002", 95)):
            filed = utcnow() - timedelta(days=days)
            await add_request(
                session, user.id, reference, kind="copy", filed_at=filed, status="completed"
            )

    run(settings, two_long_ago)
    assert file(customer, kind="copy").status_code == 303
    newest = max(rows(settings, PrivacyRequest), key=lambda r: r.filed_at)
    assert not newest.flagged_repeated


def test_another_customers_request_is_not_found(client, settings):
    async def someone_elses(session):
        other = await add_customer(session, "other@example.cn")
        await add_request(session, other.id, "R-ABCD2345", details="private words")

    run(settings, someone_elses)
    assert register(client).status_code == 303
    for url in (
        "/account/privacy/requests/R-ABCD2345",
        "/account/privacy/requests/R-ABCD2345/withdraw",
        "/account/privacy/requests/nonsense",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "private words" not in response.text
    response = post_form(client, "/account/privacy/requests/R-ABCD2345/withdraw", {}, page=NEW)
    assert response.status_code == 404
    assert rows(settings, PrivacyRequest)[0].status == "open"


def test_withdrawing_asks_first_then_closes_the_request(customer, settings):
    file(customer, kind="question", details="Never mind")
    [request] = rows(settings, PrivacyRequest)
    url = f"/account/privacy/requests/{request.reference}/withdraw"
    page = customer.get(url)
    assert page.status_code == 200
    assert "Withdraw privacy request" in page.text
    assert customer.head(url).status_code == 200
    assert rows(settings, PrivacyRequest)[0].status == "open"

    response = post_form(customer, url, {}, page=url)
    assert response.status_code == 303
    [request] = rows(settings, PrivacyRequest)
    assert request.status == "withdrawn"
    assert request.answered_at is not None
    shown = customer.get(f"/account/privacy/requests/{request.reference}").text
    assert "Request withdrawn" in shown
    assert "Withdraw the request" not in shown
    # Withdrawn already: asking again leads back to the request, and changes nothing.
    assert customer.get(url, follow_redirects=False).status_code == 303
    assert post_form(customer, url, {}, page=NEW).status_code == 303


def test_visitors_are_sent_to_log_in(client):
    for url in ("/account/privacy/requests", NEW, "/account/privacy/requests/R-ABCD2345"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_the_form_needs_its_token(customer, settings):
    response = post_form(customer, NEW, {"kind": "access"}, token="")
    assert response.status_code == 403
    assert rows(settings, PrivacyRequest) == []


def test_pages_in_chinese(customer, settings):
    post_form(customer, "/language", {"language": "zh_Hans", "next": "/"})
    file(customer, kind="deletion", details="旧地址", deletion_reason="A")
    [request] = rows(settings, PrivacyRequest)
    page = customer.get(f"/account/privacy/requests/{request.reference}").text
    assert "Answer due" not in page
    assert "Request received" not in page
    assert request.reference in page
