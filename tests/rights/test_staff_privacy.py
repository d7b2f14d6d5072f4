"""``/staff/privacy``: privacy officers work the queue (due first, overdue marked), verify the
customer's identity before an answer releases anything, answer or decline in two steps (the
customer is mailed, a refusal gives its reason), and search the audit log; customers and staff
without the role are kept out."""

from __future__ import annotations

from datetime import date, timedelta

import lxml.html
import pytest
from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.db import utcnow
from portal.mail.models import OutboxMessage
from portal.rights.models import PrivacyRequest, RequestEvent
from portal.staff.models import Role, StaffAuditEvent
from tests.support.accounts import register, rows, run
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import post_form
from tests.support.quotes import add_customer
from tests.support.rights import add_request
from tests.support.staff import staff_client

URL = "/staff/privacy/R-ABCD2345"


@pytest.fixture
def open_request(settings):
    """R-ABCD2345: a Chinese-speaking customer asks for a copy."""

    async def make(session):
        user = await add_customer(session, "li.wei@example.cn")
        return await add_request(session, user.id, "R-ABCD2345", kind="copy", details="全部数据")

    return run(settings, make)


def answer(client: TestClient, confirmed: bool, **fields):
    data = {"decision": "answer", "text": "附件是您的全部数据。", **fields}
    if confirmed:
        data["confirmed"] = "1"
    return post_form(client, f"{URL}/answer", data, page=URL)


def test_the_queue_puts_overdue_requests_first(officer, settings):
    today = date.today()

    async def three(session):
        user = await add_customer(session, "li.wei@example.cn")
        await add_request(session, user.id, "R-00000001", due_on=today + timedelta(days=10))
        await add_request(session, user.id, "R-00000002", due_on=today - timedelta(days=3))
        await add_request(session, user.id, "R-00000003", due_on=today + timedelta(days=2))
        await add_request(
            session, user.id, "R-00000004", due_on=today - timedelta(days=9), status="completed"
        )

    run(settings, three)
    page = officer.get("/staff/privacy")
    assert page.status_code == 200
    order = [page.text.index(r) for r in ("R-00000002", "R-00000003", "R-00000001")]
    assert order == sorted(order)
    assert "R-00000004" not in page.text  # answered: only under "All"
    assert "Overdue since" in page.text
    assert "R-00000004" in officer.get("/staff/privacy?all=1").text
    # The chart is drawn on the server, with its numbers for screen readers.
    svg = lxml.html.fromstring(page.text).xpath("//svg")[0]
    assert svg.get("role") == "img"
    assert "3 open requests" in svg.xpath("string(.//desc)")


def test_an_answer_waits_for_the_identity_check(officer, settings, open_request):
    response = answer(officer, confirmed=True)
    assert response.status_code == 400
    assert "Record how you verified" in response.text
    assert rows(settings, PrivacyRequest)[0].status == "open"

    response = post_form(officer, f"{URL}/identity", {"method": ""}, page=URL)
    assert response.status_code == 400
    response = post_form(
        officer, f"{URL}/identity", {"method": "Replied from the confirmed address"}, page=URL
    )
    assert response.status_code == 303
    [request] = rows(settings, PrivacyRequest)
    assert request.status == "in_progress"
    assert request.identity_verified_at is not None
    steps = [(e.action, e.note, e.internal) for e in rows(settings, RequestEvent)]
    assert ("identity_verified", "Replied from the confirmed address", True) in steps


def test_answering_takes_a_second_step_then_mails_the_customer(officer, settings, open_request):
    post_form(officer, f"{URL}/identity", {"method": "Signed in to the account"}, page=URL)
    first = answer(officer, confirmed=False)
    assert first.status_code == 200
    assert "Confirm your answer" in first.text
    assert "附件是您的全部数据。" in first.text
    assert rows(settings, PrivacyRequest)[0].status == "in_progress"  # nothing sent yet
    assert not [m for m in rows(settings, OutboxMessage) if "R-ABCD2345" in m.subject]

    assert answer(officer, confirmed=True).status_code == 303
    [request] = rows(settings, PrivacyRequest)
    assert request.status == "completed"
    assert request.answer == "附件是您的全部数据。"
    [mail] = [m for m in rows(settings, OutboxMessage) if "R-ABCD2345" in m.subject]
    assert mail.recipient == "li.wei@example.cn"
    assert "附件是您的全部数据。" in mail.text_body
    assert "已答复" in mail.subject  # in the customer's language
    actions = [e.action for e in rows(settings, StaffAuditEvent)]
    assert "privacy.verify_identity" in actions
    assert "privacy.answer" in actions
    assert all(
        e.customer_id == request.user_id
        for e in rows(settings, StaffAuditEvent)
        if e.action.startswith("privacy.")
    )
    # Closed: a second answer changes nothing.
    answer(officer, confirmed=True, text="again")
    assert rows(settings, PrivacyRequest)[0].answer == "附件是您的全部数据。"


def test_a_refusal_needs_no_identity_check_but_a_reason(officer, settings, open_request):
    response = answer(officer, confirmed=True, decision="refuse", text="")
    assert response.status_code == 400
    assert "Write the answer, or the reason for declining." in response.text
    assert (
        answer(officer, confirmed=True, decision="refuse", text="第三次相同请求").status_code == 303
    )
    [request] = rows(settings, PrivacyRequest)
    assert request.status == "refused"
    [mail] = [m for m in rows(settings, OutboxMessage) if "R-ABCD2345" in m.subject]
    assert "第三次相同请求" in mail.text_body
    assert "info@xometry.asia" in mail.text_body  # where to disagree


def test_internal_notes_stay_with_staff(officer, app, settings, open_request):
    assert post_form(officer, f"{URL}/note", {"note": ""}, page=URL).status_code == 400
    response = post_form(officer, f"{URL}/note", {"note": "Called the customer"}, page=URL)
    assert response.status_code == 303
    assert "Called the customer" in officer.get(URL).text


def test_the_customer_reads_the_answer_but_not_the_notes(officer, client, settings):
    assert register(client).status_code == 303
    [user] = rows(settings, User)
    run(settings, lambda s: add_request(s, user.id, "R-ABCD2345", kind="question"))
    post_form(officer, f"{URL}/note", {"note": "Looks like a test"}, page=URL)
    answer(officer, confirmed=True, text="We do not sell your data.")
    page = client.get("/account/privacy/requests/R-ABCD2345").text
    assert "We do not sell your data." in page
    assert "Looks like a test" not in page


def test_the_audit_log_is_searched_by_customer_member_and_date(officer, settings, open_request):
    post_form(officer, f"{URL}/identity", {"method": "Signed in"}, page=URL)
    found = officer.get("/staff/audit?customer=LI.WEI@example.cn")
    assert found.status_code == 200
    assert (
        "Verified a customer&#39;s identity" in found.text
        or "Verified a customer's identity" in found.text
    )
    assert "R-ABCD2345" in found.text
    nobody = officer.get("/staff/audit?customer=nobody@example.cn")
    assert nobody.status_code == 400
    assert "No customer has this email address." in nobody.text
    assert 'value="nobody@example.cn"' in nobody.text
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    later = officer.get(f"/staff/audit?staff=privacy@xometry.asia&from={tomorrow}")
    assert "R-ABCD2345" not in later.text
    assert officer.get("/staff/audit?from=2026-13-45").status_code == 400


@pytest.mark.parametrize("url", ["/staff/privacy", URL, "/staff/audit"])
def test_customers_and_other_roles_are_kept_out(app, client, settings, open_request, url):
    assert client.get(url, follow_redirects=False).status_code == 303  # to the staff login
    quoting = staff_client(app, settings, Role.QUOTING, "quoting@xometry.asia")
    try:
        assert quoting.get(url).status_code == 403
    finally:
        quoting.__exit__(None, None, None)


def test_an_unknown_reference_is_not_found(officer):
    assert officer.get("/staff/privacy/R-ZZZZZZZZ").status_code == 404
    assert officer.get("/staff/privacy/nonsense").status_code == 404


def test_a_deleted_account_leaves_its_request(officer, settings):
    async def orphan(session):
        await add_request(session, None, "R-ABCD2345", filed_at=utcnow() - timedelta(days=1))

    run(settings, orphan)
    assert "Account deleted" in officer.get("/staff/privacy").text
    assert "The account has been deleted" in officer.get(URL).text
