"""Transfer to another processor (policy 5.2): once a privacy officer answers a verified
transfer request, the processor the customer named is mailed a signed link that works once,
for a limited time, to the same copy the customer can download; each step is in the request's
history and the download is a provision record. Forged, expired and replayed links get a page
that says which."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from portal.accounts.models import User
from portal.db import utcnow
from portal.mail.models import OutboxMessage
from portal.profile.models import AuditEntry
from portal.rights.models import Disclosure, RequestEvent, TransferLink
from portal.staff.models import Role
from tests.support.accounts import register, rows, run
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import csrf_token, post_form
from tests.support.rights import add_request
from tests.support.staff import choose_password, enrol, sign_in

URL = "/staff/privacy/R-ABCD2345"
PROCESSOR = {
    "recipient_name": "上海某某精密制造有限公司",
    "recipient_email": "privacy@processor.example.cn",
    "recipient_purpose": "Quoting the same parts",
}


@pytest.fixture
def officer(app, settings):
    client = TestClient(app)
    client.__enter__()
    member = enrol(settings, Role.PRIVACY_OFFICER, "privacy@xometry.asia")
    assert sign_in(client, member).status_code == 303
    assert choose_password(client).status_code == 303
    yield client
    client.__exit__(None, None, None)


@pytest.fixture
def customer(client, settings) -> TestClient:
    assert register(client).status_code == 303
    [user] = rows(settings, User)
    run(settings, lambda s: add_request(s, user.id, "R-ABCD2345", kind="transfer", **PROCESSOR))
    return client


def approve(officer: TestClient) -> None:
    post_form(officer, f"{URL}/identity", {"method": "Signed in to the account"}, page=URL)
    data = {"decision": "answer", "text": "已发送。", "confirmed": "1"}
    assert post_form(officer, f"{URL}/answer", data, page=URL).status_code == 303


def link_path(settings) -> str:
    [mail] = [
        m for m in rows(settings, OutboxMessage) if m.recipient == PROCESSOR["recipient_email"]
    ]
    return re.search(r"https?://[^/\s]+(/transfers/\S+)", mail.text_body).group(1)


def test_the_processor_downloads_the_copy_once(officer, customer, app, settings):
    approve(officer)
    path = link_path(settings)
    [mail] = [
        m for m in rows(settings, OutboxMessage) if m.recipient == PROCESSOR["recipient_email"]
    ]
    assert "Quoting the same parts" in mail.text_body
    history = customer.get("/account/privacy/requests/R-ABCD2345").text
    assert "Download link sent to the receiving processor" in history

    processor = TestClient(app)
    page = processor.get(path)
    assert page.status_code == 200
    assert PROCESSOR["recipient_name"] in page.text
    assert processor.head(path).status_code == 200
    assert rows(settings, Disclosure) == []  # looking changes nothing

    download = post_form(processor, path, {}, page=path)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    data = json.loads(archive.read("data.json"))
    assert "Li.Wei@example.cn" in json.dumps(data, ensure_ascii=False)

    [disclosure] = rows(settings, Disclosure)
    assert (disclosure.recipient_name, disclosure.recipient_contact, disclosure.scope) == (
        PROCESSOR["recipient_name"],
        PROCESSOR["recipient_email"],
        "all",
    )
    assert [link.used_at is not None for link in rows(settings, TransferLink)] == [True]
    assert "transfer_downloaded" in [e.action for e in rows(settings, RequestEvent)]
    assert "transferred" in [e.action for e in rows(settings, AuditEntry)]
    mine = customer.get("/account/privacy/my-data").text
    assert "Who received your personal information from us" in mine
    assert PROCESSOR["recipient_email"] in mine

    again = post_form(processor, path, {}, page="/")
    assert again.status_code == 410
    assert "works only once" in again.text
    assert processor.get(path).status_code == 410
    assert len(rows(settings, Disclosure)) == 1


def test_forged_and_altered_links_are_refused(officer, customer, app, settings):
    approve(officer)
    path = link_path(settings)
    processor = TestClient(app)
    for bad in (
        "/transfers/nonsense",
        path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"),
        path.replace("/transfers/", "/transfers/x"),
    ):
        response = processor.get(bad)
        assert response.status_code == 404, bad
        assert "not one we sent" in response.text
        response = post_form(processor, bad, {}, page="/")
        assert response.status_code == 404
    assert rows(settings, Disclosure) == []


def test_an_expired_link_is_refused(officer, customer, app, settings):
    approve(officer)
    path = link_path(settings)

    async def expire(session):
        await session.execute(
            update(TransferLink).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()

    run(settings, expire)
    processor = TestClient(app)
    response = post_form(processor, path, {}, page="/")
    assert response.status_code == 410
    assert "expired" in response.text
    assert rows(settings, Disclosure) == []


def test_a_declined_transfer_sends_no_link(officer, customer, settings):
    data = {
        "decision": "refuse",
        "text": "The processor is unknown to the customer.",
        "confirmed": "1",
    }
    assert post_form(officer, f"{URL}/answer", data, page=URL).status_code == 303
    assert rows(settings, TransferLink) == []
    assert not [
        m for m in rows(settings, OutboxMessage) if m.recipient == PROCESSOR["recipient_email"]
    ]


def test_a_link_needs_the_download_pages_token(officer, customer, app, settings):
    approve(officer)
    path = link_path(settings)
    processor = TestClient(app)
    processor.get(path)
    response = processor.post(path, data={}, follow_redirects=False)
    assert response.status_code == 403
    assert [link.used_at for link in rows(settings, TransferLink)] == [None]
    assert csrf_token(processor.get(path))
