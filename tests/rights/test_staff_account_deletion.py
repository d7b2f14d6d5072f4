"""A privacy officer deletes a customer's whole account on a request: a minor's (policy 6) or
one the customer asked to be deleted (policy 5.4). Only after the identity check, only after a
second step that says what goes and what stays, through the one deletion path; the request is
closed with an answer in the customer's language and the customer is mailed."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.mail.models import OutboxMessage
from portal.quotes.models import RetainedOrder
from portal.rights.models import PrivacyRequest, RequestEvent
from portal.staff.models import StaffAuditEvent
from tests.support.accounts import rows, run
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import post_form
from tests.support.quotes import add_customer, add_quote
from tests.support.rights import add_request

URL = "/staff/privacy/R-ABCD2345"
DELETE = f"{URL}/delete-account"


@pytest.fixture
def customer_with_an_order(settings):
    """李伟 (zh_Hans) with one order and one quote request, asking R-ABCD2345."""

    async def make(session):
        user = await add_customer(session, "li.wei@example.cn")
        await add_quote(session, user, "Q-ORDER234", status="ordered", price=1200)
        await add_quote(session, user, "Q-OPEN2345")
        await add_request(session, user.id, "R-ABCD2345", kind="question", details="我是监护人")
        return user

    return run(settings, make)


def verify(client) -> None:
    response = post_form(
        client, f"{URL}/identity", {"method": "Guardian's ID seen on a video call"}, page=URL
    )
    assert response.status_code == 303


def delete(client, reason: str, *, confirmed: bool):
    data = {"reason": reason, **({"confirmed": "1"} if confirmed else {})}
    return post_form(client, DELETE, data, page=URL)


def test_nothing_is_deleted_before_the_identity_check(officer, settings, customer_with_an_order):
    assert "Record the identity check above first" in officer.get(URL).text
    response = delete(officer, "minor", confirmed=True)
    assert response.status_code == 400
    assert "before you delete the account" in response.text
    assert len(rows(settings, User)) == 1
    assert rows(settings, PrivacyRequest)[0].status == "open"


def test_a_reason_must_be_chosen(officer, settings, customer_with_an_order):
    verify(officer)
    for reason in ("", "deregistered", "unconfirmed"):
        response = delete(officer, reason, confirmed=True)
        assert response.status_code == 400
        assert "Choose why the account is deleted." in response.text
    assert len(rows(settings, User)) == 1


def test_the_first_step_says_what_goes_and_what_stays(officer, settings, customer_with_an_order):
    verify(officer)
    response = delete(officer, "minor", confirmed=False)
    assert response.status_code == 200
    assert "li.wei@example.cn" in response.text
    assert "This cannot be undone." in response.text
    assert "1 order's terms are kept for 3 years" in response.text
    assert 'name="confirmed" value="1"' in response.text
    assert len(rows(settings, User)) == 1


def test_a_minors_account_is_deleted_and_the_request_closed(
    officer, settings, customer_with_an_order
):
    verify(officer)
    response = delete(officer, "minor", confirmed=True)
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=deleted")

    assert rows(settings, User) == []
    [request] = rows(settings, PrivacyRequest)
    assert request.user_id is None
    assert request.status == "completed"
    assert request.answered_at is not None
    assert "未成年人" in request.answer  # the customer's language
    assert "account_deleted" in [e.action for e in rows(settings, RequestEvent)]
    [kept] = rows(settings, RetainedOrder)
    assert kept.reference == "Q-ORDER234"
    [line] = [e for e in rows(settings, StaffAuditEvent) if e.action == "privacy.delete_account"]
    assert line.subject == "request:R-ABCD2345 minor"
    [mail] = rows(settings, OutboxMessage)
    assert mail.recipient == "li.wei@example.cn"
    assert "属于未成年人" in mail.text_body  # the confirmation says why, in Chinese

    page = officer.get(URL + "?done=deleted").text
    assert "The account is deleted" in page
    assert "The account has been deleted; the request stays" in page
    assert 'action="/staff/privacy/R-ABCD2345/delete-account"' not in page


def test_a_deletion_request_deletes_once(officer, settings, customer_with_an_order):
    verify(officer)
    assert delete(officer, "deletion_request", confirmed=True).status_code == 303
    # Sent twice (a double click, a reload): the second finds the request closed.
    assert delete(officer, "deletion_request", confirmed=True).status_code == 303
    [request] = rows(settings, PrivacyRequest)
    assert request.answer.startswith("按照您的要求")
    [mail] = rows(settings, OutboxMessage)
    assert "未成年人" not in mail.text_body
    assert [e.action for e in rows(settings, RequestEvent)].count("account_deleted") == 1


def test_a_closed_request_deletes_nothing(officer, settings, customer_with_an_order):
    verify(officer)

    async def close(session):
        request = await session.get(PrivacyRequest, 1)
        request.status = "completed"
        await session.commit()

    run(settings, close)
    assert delete(officer, "minor", confirmed=True).status_code == 303
    assert len(rows(settings, User)) == 1


def test_get_and_head_delete_nothing(officer, settings, customer_with_an_order):
    verify(officer)
    assert officer.get(DELETE).status_code == 405
    assert officer.head(DELETE).status_code == 405
    assert len(rows(settings, User)) == 1
