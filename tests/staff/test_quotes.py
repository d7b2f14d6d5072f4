"""``/staff/quotes``: staff with the quoting role list requests (new first), read them with their
drawings' geometry, download the drawings (audited before a byte is sent), and answer them (the
customer is mailed in their language)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from portal.db import create_engine, session_factory, utcnow
from portal.mail.models import OutboxMessage
from portal.quotes import staff_routes
from portal.quotes.models import QuoteRequest
from portal.staff.models import Role, StaffAuditEvent
from tests.support.accounts import rows, run
from tests.support.forms import post_form
from tests.support.quotes import OPEN_MESH, add_customer, add_drawing, add_quote
from tests.support.staff import choose_password, enrol, sign_in

REFERENCE = "Q-ABCD2345"
DRAWING = b"ISO-10303-21;\nHEADER;\n" + bytes(range(256)) * 300 + b"\nEND-ISO-10303-21;\n"


def signed_in(app, settings, role: Role, email: str) -> TestClient:
    client = TestClient(app)
    client.__enter__()
    member = enrol(settings, role, email)
    assert sign_in(client, member).status_code == 303
    assert choose_password(client).status_code == 303
    return client


@pytest.fixture
def quoting(app, settings, database_url):
    client = signed_in(app, settings, Role.QUOTING, "quoting@xometry.asia")
    yield client
    client.__exit__(None, None, None)


@pytest.fixture
def request_with_drawings(app, settings, database_url):
    """Q-ABCD2345 of a Chinese-speaking customer, with a read STEP and an open STL mesh."""

    async def make(session):
        user = await add_customer(session, "li.wei@example.cn")
        quote = await add_quote(session, user, REFERENCE, notes="两件一套\n请阳极氧化")
        step = await add_drawing(session, app, user, quote, DRAWING)
        mesh = await add_drawing(
            session,
            app,
            user,
            quote,
            b"solid cover\nendsolid cover\n",
            filename='盖板 "v2".stl',
            parts=[OPEN_MESH],
            file_format="stl",
            created=timedelta(seconds=1),
        )
        return quote, step, mesh

    return run(settings, make)


def answer(client: TestClient, reference: str = REFERENCE, **fields):
    data = {"status": "quoted", "price": "1280.5", "lead_days": "12", "message": "", **fields}
    url = f"/staff/quotes/{reference}"
    return post_form(client, url, data, page=url)


# -- the list ----------------------------------------------------------------------------------


def test_the_list_puts_new_requests_first(quoting, settings):
    now = utcnow()

    async def make(session):
        user = await add_customer(session, "li.wei@example.cn")
        for reference, status, age in [
            ("Q-CLOSED22", "closed", 1),
            ("Q-QUOTED22", "quoted", 2),
            ("Q-OLDSUB22", "submitted", 9),
            ("Q-REVIEW22", "in_review", 3),
            ("Q-NEWSUB22", "submitted", 5),
        ]:
            await add_quote(
                session, user, reference, status=status, updated_at=now - timedelta(hours=age)
            )

    run(settings, make)
    page = quoting.get("/staff/quotes")
    assert page.status_code == 200
    order = ["Q-NEWSUB22", "Q-OLDSUB22", "Q-REVIEW22", "Q-CLOSED22", "Q-QUOTED22"]
    positions = [page.text.index(reference) for reference in order]
    assert positions == sorted(positions)
    assert "CNC machining" in page.text
    assert page.headers["cache-control"] == "no-store"

    quoted = quoting.get("/staff/quotes?status=quoted").text
    assert "Q-QUOTED22" in quoted
    assert "Q-NEWSUB22" not in quoted
    assert quoting.get("/staff/quotes?status=nonsense&page=x").status_code == 200


def test_the_list_has_pages_of_fifty(quoting, settings):
    async def make(session):
        user = await add_customer(session, "li.wei@example.cn")
        for n in range(51):
            await add_quote(session, user, f"Q-PAGE{n:04d}")

    run(settings, make)
    first = quoting.get("/staff/quotes").text
    second = quoting.get("/staff/quotes?page=2").text
    assert first.count("/staff/quotes/Q-PAGE") == 50
    assert second.count("/staff/quotes/Q-PAGE") == 1
    assert "Page 2 of 2" in second


def test_the_staff_home_links_the_quote_requests(quoting):
    assert 'href="/staff/quotes"' in quoting.get("/staff").text


# -- a request ---------------------------------------------------------------------------------


def test_a_request_shows_its_customer_choice_and_geometry(quoting, request_with_drawings):
    page = quoting.get(f"/staff/quotes/{REFERENCE}")
    assert page.status_code == 200
    text = page.text
    for shown in [
        "李伟",
        "li.wei@example.cn",
        "CNC machining",
        "Aluminium 6061",
        "两件一套",
        "100 × 50 × 20",
        "85 cm³",
        "millimetres",
        "25.4 × 12.7 × 3.17",
        "Not closed: no volume",
        "Not declared",
        "bracket.step",
        "Its drawings are still being read.",  # the estimate is pending
    ]:
        assert shown in text, shown
    _, step, _ = request_with_drawings
    assert f"/staff/quotes/{REFERENCE}/drawings/{step.id.hex}" in text
    assert page.headers["cache-control"] == "no-store"


def test_a_request_shows_its_estimate_in_chinese(quoting, request_with_drawings, settings):
    async def estimate(session):
        quote = (await session.execute(select(QuoteRequest))).scalars().one()
        quote.estimate_low, quote.estimate_high, quote.estimate_days = 1200, 1650, 8
        quote.estimate_note = ""
        await session.commit()

    run(settings, estimate)
    quoting.cookies.set("portal_lang", "zh_Hans")
    page = quoting.get(f"/staff/quotes/{REFERENCE}", headers={"Accept-Language": "zh-CN"})
    assert "1,200" in page.text
    assert "1,650" in page.text


# -- answering ---------------------------------------------------------------------------------


def test_a_quote_is_mailed_to_the_customer_in_chinese(quoting, request_with_drawings, settings):
    response = answer(quoting, message="含税价另计。\r\n交货地：上海")
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"] == f"/staff/quotes/{REFERENCE}?saved=1"

    (quote,) = rows(settings, QuoteRequest)
    assert quote.status == "quoted"
    assert quote.price == Decimal("1280.50")
    assert quote.lead_days == 12
    assert quote.staff_message == "含税价另计。\n交货地：上海"

    (mail,) = rows(settings, OutboxMessage)
    assert mail.recipient == "li.wei@example.cn"
    assert mail.user_id == quote.user_id
    assert REFERENCE in mail.subject
    assert "报价" in mail.subject
    assert "1,280.50" in mail.text_body
    assert "12 个工作日" in mail.text_body
    assert "交货地：上海" in mail.text_body
    assert "http://" in mail.text_body or "https://" in mail.text_body

    events = [e for e in rows(settings, StaffAuditEvent) if e.action == "quote.answer"]
    assert len(events) == 1
    assert REFERENCE in events[0].subject

    page = quoting.get(f"/staff/quotes/{REFERENCE}?saved=1").text
    assert "Your answer is saved." in page
    assert "1,280.50" in page
    assert 'value="quoted" checked' in page
    assert "Answered a quote request" in quoting.get("/staff").text


def test_an_unchanged_quote_is_not_mailed_twice(quoting, request_with_drawings, settings):
    assert answer(quoting).status_code == 303
    assert answer(quoting).status_code == 303
    assert answer(quoting, price="1300").status_code == 303
    assert len(rows(settings, OutboxMessage)) == 2


def test_a_status_without_a_price_mails_nobody(quoting, request_with_drawings, settings):
    response = answer(quoting, status="in_review", price="", lead_days="")
    assert response.status_code == 303
    (quote,) = rows(settings, QuoteRequest)
    assert quote.status == "in_review"
    assert quote.price is None
    assert rows(settings, OutboxMessage) == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"price": "abc"}, "price", "Enter the price in yuan, such as 1280 or 1280.50."),
        ({"price": "1,5"}, "price", "Enter the price in yuan, such as 1280 or 1280.50."),
        ({"price": "0"}, "price", "Enter a price above 0 and at most 10,000,000 yuan."),
        ({"price": "10000000.01"}, "price", "Enter a price above 0 and at most 10,000,000 yuan."),
        ({"price": ""}, "price", "Enter the price to send the quote."),
        ({"lead_days": "0"}, "lead_days", "from 1 to 365."),
        ({"lead_days": "366"}, "lead_days", "from 1 to 365."),
        ({"lead_days": "1.5"}, "lead_days", "from 1 to 365."),
        ({"lead_days": ""}, "lead_days", "Enter the lead time to send the quote."),
        ({"message": "hello\x1b[31m"}, "message", "invisible or control character"),
        ({"message": "x" * 2001}, "message", "Use at most 2,000 characters."),
        ({"status": "shipped"}, "status", "Choose the status of the request."),
    ],
)
def test_bad_input_is_said_beside_its_field_and_kept(
    quoting, request_with_drawings, settings, fields, field, message
):
    response = answer(quoting, **fields)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    typed = {"price": "1280.5", "lead_days": "12", **fields}
    for name in ("price", "lead_days"):
        if typed[name] and name in fields:
            assert f'value="{typed[name]}"' in response.text
    assert rows(settings, OutboxMessage) == []
    (quote,) = rows(settings, QuoteRequest)
    assert quote.status == "submitted"


def test_a_price_is_read_with_thousands_and_the_yuan_sign(quoting, request_with_drawings, settings):
    assert answer(quoting, price="¥12,345.60").status_code == 303
    (quote,) = rows(settings, QuoteRequest)
    assert quote.price == Decimal("12345.60")


# -- drawings ----------------------------------------------------------------------------------


def test_a_download_is_the_exact_drawing_and_audited_first(
    quoting, request_with_drawings, settings, monkeypatch
):
    _, step, mesh = request_with_drawings
    seen_before_body: list[list[str]] = []
    real = staff_routes.decrypted

    async def watched(**kwargs):
        chunks = await real(**kwargs)

        async def body():
            engine = create_engine(settings.database_url)
            async with session_factory(engine)() as session:
                events = (await session.execute(select(StaffAuditEvent))).scalars().all()
                seen_before_body.append([e.action for e in events])
            await engine.dispose()
            async for chunk in chunks:
                yield chunk

        return body()

    monkeypatch.setattr(staff_routes, "decrypted", watched)
    response = quoting.get(f"/staff/quotes/{REFERENCE}/drawings/{step.id.hex}")
    assert response.status_code == 200
    assert response.content == DRAWING
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"bracket.step\"; filename*=UTF-8''bracket.step"
    )
    assert seen_before_body
    assert "drawing.download" in seen_before_body[0]
    (event,) = [e for e in rows(settings, StaffAuditEvent) if e.action == "drawing.download"]
    assert event.subject == f"drawing:{step.id} bracket.step"
    assert event.created_at is not None

    other = quoting.get(f"/staff/quotes/{REFERENCE}/drawings/{mesh.id}")
    assert other.content == b"solid cover\nendsolid cover\n"
    assert other.headers["content-disposition"] == (
        "attachment; filename=\"__ _v2_.stl\"; filename*=UTF-8''%E7%9B%96%E6%9D%BF%20%22v2%22.stl"
    )
    assert "Downloaded a drawing" in quoting.get("/staff").text


def test_content_disposition_never_breaks_out_of_its_quotes():
    header = staff_routes.content_disposition('a";\\ b\r\n.step')
    assert header.startswith("attachment; filename=\"a___ b__.step\"; filename*=UTF-8''")
    assert "\r" not in header
    assert "\n" not in header


def test_unknown_requests_and_drawings_answer_404(quoting, request_with_drawings, settings, app):
    async def other_request(session):
        user = await add_customer(session, "bob@example.cn", name="Bob", language="en")
        quote = await add_quote(session, user, "Q-OTHER234")
        return await add_drawing(session, app, user, quote, b"other")

    foreign = run(settings, other_request)
    for url in [
        "/staff/quotes/Q-NOPE2345",
        "/staff/quotes/" + "Q" * 40,
        f"/staff/quotes/Q-NOPE2345/drawings/{foreign.id.hex}",
        f"/staff/quotes/{REFERENCE}/drawings/{foreign.id.hex}",  # not of this request
        f"/staff/quotes/{REFERENCE}/drawings/{uuid.uuid4().hex}",
        f"/staff/quotes/{REFERENCE}/drawings/not-a-uuid",
        f"/staff/quotes/{REFERENCE}/drawings/1",
    ]:
        assert quoting.get(url).status_code == 404, url
    assert post_form(quoting, "/staff/quotes/Q-NOPE2345", {}, page="/staff").status_code == 404
    assert not [e for e in rows(settings, StaffAuditEvent) if e.action == "drawing.download"]


# -- roles -------------------------------------------------------------------------------------


def test_a_privacy_officer_cannot_list_read_or_download(app, settings, request_with_drawings):
    _, step, _ = request_with_drawings
    officer = signed_in(app, settings, Role.PRIVACY_OFFICER, "privacy@xometry.asia")
    try:
        for url in [
            "/staff/quotes",
            f"/staff/quotes/{REFERENCE}",
            f"/staff/quotes/{REFERENCE}/drawings/{step.id.hex}",
        ]:
            response = officer.get(url)
            assert response.status_code == 403, url
            assert DRAWING not in response.content
        assert answer(officer).status_code == 403
        assert 'href="/staff/quotes"' not in officer.get("/staff").text
    finally:
        officer.__exit__(None, None, None)
    assert not [
        e
        for e in rows(settings, StaffAuditEvent)
        if e.action in {"drawing.download", "quote.answer"}
    ]
    (quote,) = rows(settings, QuoteRequest)
    assert quote.status == "submitted"


def test_an_admin_has_the_quoting_role_too(app, settings, request_with_drawings):
    admin = signed_in(app, settings, Role.ADMIN, "admin@xometry.asia")
    try:
        assert admin.get(f"/staff/quotes/{REFERENCE}").status_code == 200
    finally:
        admin.__exit__(None, None, None)


def test_an_anonymous_visitor_is_sent_to_the_staff_login(client, request_with_drawings):
    _, step, _ = request_with_drawings
    response = client.get(
        f"/staff/quotes/{REFERENCE}/drawings/{step.id.hex}", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login?next=")
