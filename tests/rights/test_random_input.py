"""Random input to the privacy request forms never causes a server error, and a refused form
files nothing: the customer's request form and withdrawal, and the privacy officer's identity
check, note, answer and account deletion, with random keys and values, as a plain form and as htmx."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.rights.models import PrivacyRequest
from portal.staff.models import Role
from tests.support.accounts import register, rows, run
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import csrf_token
from tests.support.quotes import add_customer
from tests.support.random_input import examples, file_fields, form_data, post_random, values
from tests.support.rights import add_request
from tests.support.staff import choose_password, enrol, sign_in

CUSTOMER_FORMS = {
    "/account/privacy/requests/new": [
        "kind",
        "details",
        "deletion_reason",
        "recipient_name",
        "recipient_email",
        "recipient_purpose",
    ],
    "/account/privacy/requests/R-ABCD2345/withdraw": [],
    "/account/privacy/requests/R-ZZZZZZZZ/withdraw": [],
}
STAFF_FORMS = {
    "/staff/privacy/R-ABCD2345/identity": ["method"],
    "/staff/privacy/R-ABCD2345/note": ["note"],
    "/staff/privacy/R-ABCD2345/answer": ["decision", "text", "confirmed"],
    "/staff/privacy/R-ZZZZZZZZ/answer": ["decision", "text", "confirmed"],
    "/staff/privacy/R-ABCD2345/delete-account": ["reason", "confirmed"],
}
VALUES = values(
    "access",
    "transfer",
    "deletion",
    "question",
    "A",
    "E",
    "F",
    "answer",
    "refuse",
    "minor",
    "deletion_request",
    "deregistered",
    "1",
    "privacy@example.com",
    "not@",
    "\u202eevil",
    "a\r\nBcc: x@example.com",
)


@examples(60)
@given(
    url=st.sampled_from(sorted(CUSTOMER_FORMS)),
    data=st.data(),
    with_token=st.booleans(),
    htmx=st.booleans(),
)
def _customer_posts(client, token, settings, url, data, with_token, htmx) -> None:
    fields = CUSTOMER_FORMS[url]
    payload = data.draw(form_data(fields, VALUES, max_size=8))
    if with_token:
        payload["csrf_token"] = token
    files = data.draw(file_fields(fields))
    before = len(rows(settings, PrivacyRequest))
    response = post_random(client, url, payload, htmx=htmx, files=files)
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert len(rows(settings, PrivacyRequest)) == before


def test_random_privacy_requests_never_cause_a_server_error(app, settings) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        assert register(client).status_code == 303
        [user] = rows(settings, User)
        run(settings, lambda s: add_request(s, user.id, "R-ABCD2345"))
        _customer_posts(client, csrf_token(client.get("/account/privacy/requests/new")), settings)


@examples(60)
@given(url=st.sampled_from(sorted(STAFF_FORMS)), data=st.data(), htmx=st.booleans())
def _staff_posts(client, token, url, data, htmx) -> None:
    fields = STAFF_FORMS[url]
    payload = data.draw(form_data(fields, VALUES, max_size=6))
    payload["csrf_token"] = token
    response = post_random(client, url, payload, htmx=htmx, files=data.draw(file_fields(fields)))
    assert response.status_code < 500, response.text[:500]


def test_random_staff_answers_never_cause_a_server_error(app, settings) -> None:
    async def make(session):
        user = await add_customer(session, "li.wei@example.cn")
        await add_request(session, user.id, "R-ABCD2345", kind="deletion", details="地址")

    run(settings, make)
    with TestClient(app, raise_server_exceptions=False) as client:
        member = enrol(settings, Role.PRIVACY_OFFICER, "privacy@xometry.asia")
        assert sign_in(client, member).status_code == 303
        assert choose_password(client).status_code == 303
        _staff_posts(client, csrf_token(client.get("/staff/privacy/R-ABCD2345")))


@examples(60)
@given(token=st.text(min_size=1, max_size=300), post=st.booleans())
def _random_links(client, token, post) -> None:
    path = "/transfers/" + quote(token, safe="")
    if post:
        response = client.post(path, data={"csrf_token": csrf_token(client.get("/"))})
    else:
        response = client.get(path)
    assert response.status_code in (404, 405, 410), (path, response.status_code)


def test_random_transfer_links_are_refused_without_a_server_error(app, settings) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        _random_links(client)
