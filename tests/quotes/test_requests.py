"""A customer requests a quote: drawings streamed in and checked by content, the form's
mistakes shown beside their fields with the drawings kept, the request listed and shown, its
drawings downloaded by their owner only (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import dataclasses
from typing import Any

import lxml.html
import pytest
from starlette.testclient import TestClient

from portal.quotes.models import QuoteRequest, QuoteStatus
from tests.support.accounts import register
from tests.support.drawings import binary_stl, docx, sample, zip_of
from tests.support.fixtures import settings_on_the_test_database  # noqa: F401 (the fixture)
from tests.support.forms import csrf_token
from tests.support.quotes import CHOICE, drawings_in, in_database, quotes_in, verify


@pytest.fixture
def customer(client: TestClient, settings: Any) -> TestClient:
    assert register(client).status_code == 303
    verify(settings)
    return client


def send(
    client: TestClient,
    files: list[tuple[str, bytes]],
    data: dict[str, Any] | None = None,
    *,
    kept: list[str] = (),  # type: ignore[assignment]
    token: str | None = None,
) -> Any:
    payload: dict[str, Any] = {"csrf_token": token or csrf_token(client.get("/quotes/new"))}
    payload.update(CHOICE if data is None else data)
    if kept:
        payload["drawing"] = list(kept)
    # A browser sends the file box even when it is empty: a part without a file name.
    files = files or [("", b"")]
    multipart = [
        ("drawings", (name, content, "application/octet-stream")) for name, content in files
    ]
    return client.post("/quotes/new", data=payload, files=multipart, follow_redirects=False)


def errors(response: Any) -> list[str]:
    return [e.text_content() for e in html(response).xpath("//*[contains(@class, 'field__error')]")]


def html(response: Any) -> Any:
    return lxml.html.fromstring(response.text)


def test_a_step_drawing_makes_a_request_listed_with_its_drawing(customer, settings):
    response = send(customer, [("bracket.step", sample("base_interface_AP214.STEP"))])
    assert response.status_code == 303, errors(response)
    page = customer.get(response.headers["location"])
    assert page.status_code == 200
    assert "bracket.step" in page.text
    (quote,) = quotes_in(settings)
    assert quote.status == QuoteStatus.SUBMITTED
    assert (quote.process, quote.material, quote.quantity) == (
        "cnc_machining",
        "aluminium_6061",
        10,
    )
    assert quote.notes == "M6 threads on both ends."
    (drawing,) = drawings_in(settings)
    assert drawing.quote_id == quote.id
    assert drawing.format == "step"
    listing = customer.get("/quotes")
    assert quote.reference in listing.text


def test_the_owner_downloads_the_exact_bytes_and_nobody_else_can(customer, app, settings):
    content = binary_stl(12)
    response = send(customer, [("part.stl", content)])
    assert response.status_code == 303, errors(response)
    (drawing,) = drawings_in(settings)
    (quote,) = quotes_in(settings)
    url = f"/quotes/{quote.reference}/drawings/{drawing.id}"
    download = customer.get(url)
    assert download.status_code == 200
    assert download.content == content
    assert "attachment" in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-store"
    with TestClient(app) as stranger:
        register(stranger, email="stranger@example.cn", phone="137 0000 1111")
        assert stranger.get(url).status_code == 404
        assert stranger.get(f"/quotes/{quote.reference}").status_code == 404
    with TestClient(app) as visitor:
        assert visitor.get(url, follow_redirects=False).status_code in (302, 303)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("setup.step", b"MZ\x90\x00" + bytes(2000), "is not a drawing we can accept"),
        ("empty.stl", b"", "is empty"),
        ("report.3mf", docx(), "is not a drawing we can accept"),
        ("bomb.zip", zip_of({"a.stl": bytes(50_000_000)}), "far more than its own size"),
        (
            "evil.zip",
            zip_of({"../../etc/a.step": sample("base_interface_AP214.STEP")}),
            "outside the archive",
        ),
    ],
)
def test_bad_files_are_refused_by_name_and_nothing_is_stored(
    customer, settings, name, content, expected
):
    response = send(customer, [(name, content)])
    assert response.status_code == 400
    assert any(name in e and expected in e for e in errors(response)), errors(response)
    assert drawings_in(settings) == []
    assert quotes_in(settings) == []


def test_an_oversize_drawing_stops_at_the_limit_and_stores_nothing(client, settings, app):
    app.state.settings = dataclasses.replace(settings, max_drawing_bytes=100_000)
    assert register(client).status_code == 303
    verify(settings)
    response = send(client, [("big.stl", binary_stl(5000))])
    assert response.status_code == 400
    assert any("big.stl" in e and "larger than" in e for e in errors(response)), errors(response)
    assert drawings_in(settings) == []


def test_a_mistake_in_the_form_keeps_the_drawing_for_the_next_try(customer, settings):
    response = send(customer, [("part.stl", binary_stl(12))], {**CHOICE, "quantity": "lots"})
    assert response.status_code == 400
    assert any("whole number" in e for e in errors(response))
    document = html(response)
    kept = [i.get("value") for i in document.xpath("//input[@name='drawing']")]
    assert len(kept) == 1
    assert document.xpath("//textarea[@name='notes']")[0].text == CHOICE["notes"]
    again = send(customer, [], kept=kept)
    assert again.status_code == 303, errors(again)
    (quote,) = quotes_in(settings)
    (drawing,) = drawings_in(settings)
    assert drawing.quote_id == quote.id


def test_a_material_the_process_does_not_offer_is_refused_beside_it(customer, settings):
    response = send(customer, [("part.stl", binary_stl(12))], {**CHOICE, "material": "pa12_sls"})
    assert response.status_code == 400
    assert any("not offered in this material" in e for e in errors(response)), errors(response)


def test_a_request_needs_a_drawing(customer, settings):
    response = send(customer, [])
    assert response.status_code == 400
    assert any("at least one drawing" in e for e in errors(response))
    assert quotes_in(settings) == []


def test_someone_elses_kept_drawing_cannot_be_attached(customer, app, settings):
    refused = send(customer, [("part.stl", binary_stl(12))], {**CHOICE, "quantity": "0"})
    assert refused.status_code == 400
    (theirs,) = drawings_in(settings)
    with TestClient(app) as intruder:
        register(intruder, email="intruder@example.cn", phone="137 0000 1111")
        verify(settings, "intruder@example.cn")
        response = send(intruder, [], kept=[str(theirs.id)])
        assert response.status_code == 400
        assert any("at least one drawing" in e for e in errors(response))
    assert quotes_in(settings) == []


def test_an_unverified_customer_is_told_to_confirm_the_address(client):
    assert register(client).status_code == 303
    page = client.get("/quotes/new")
    assert page.status_code == 200
    assert "Confirm your email address before you request a quote" in page.text
    assert html(page).xpath("//input[@type='file']") == []


def test_a_file_before_the_csrf_token_is_refused_unread(customer, settings):
    response = customer.post(
        "/quotes/new",
        files=[("drawings", ("a.stl", binary_stl(12), "application/octet-stream"))],
        data={"csrf_token": csrf_token(customer.get("/quotes/new"))},
        follow_redirects=False,
    )
    # httpx sends the fields first; this one sends the file alone, with no token at all.
    bare = customer.post(
        "/quotes/new",
        files=[("drawings", ("a.stl", binary_stl(12), "application/octet-stream"))],
        follow_redirects=False,
    )
    assert bare.status_code == 403
    assert response.status_code == 400  # the token was fine; the choice was missing
    assert len(drawings_in(settings)) == 1  # kept for the next try, not part of a request


def test_cancelling_a_request(customer, settings):
    response = send(customer, [("part.stl", binary_stl(12))])
    (quote,) = quotes_in(settings)
    page = customer.get(f"/quotes/{quote.reference}/cancel")
    assert page.status_code == 200
    done = customer.post(
        f"/quotes/{quote.reference}/cancel",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    (quote,) = quotes_in(settings)
    assert quote.status == QuoteStatus.CANCELLED
    assert response.status_code == 303


def test_choosing_a_process_narrows_the_lists_to_its_own(customer):
    everything = html(customer.get("/quotes/new"))
    assert len(everything.xpath("//select[@id='material']/optgroup")) == 4
    narrowed = customer.get("/quotes/new?process=3d_printing", headers={"HX-Request": "true"})
    document = lxml.html.fromstring(narrowed.text)
    (group,) = document.xpath("//select[@id='material']/optgroup")
    assert group.get("label") == "3D printing"
    assert document.xpath("//input[@name='process'][@checked]/@value") == ["3d_printing"]


def test_the_owner_deletes_a_drawing_and_its_ciphertext_is_gone(customer, app, settings):
    response = send(customer, [("a.stl", binary_stl(12)), ("b.stl", binary_stl(20))])
    assert response.status_code == 303, errors(response)
    (quote,) = quotes_in(settings)
    first, second = sorted(drawings_in(settings), key=lambda d: d.filename)
    url = f"/quotes/{quote.reference}/drawings/{first.id}/delete"
    with TestClient(app) as stranger:
        register(stranger, email="stranger@example.cn", phone="137 0000 1111")
        assert stranger.get(url).status_code == 404
    page = customer.get(url)
    assert page.status_code == 200
    done = customer.post(url, data={"csrf_token": csrf_token(page)}, follow_redirects=False)
    assert done.status_code == 303
    assert [d.filename for d in drawings_in(settings)] == ["b.stl"]
    assert not (settings.drawings_dir / first.storage_key).exists()
    assert (settings.drawings_dir / second.storage_key).exists()
    assert customer.get(f"/quotes/{quote.reference}/drawings/{first.id}").status_code == 404


def test_a_drawing_of_an_ordered_request_is_kept(customer, settings):
    assert send(customer, [("a.stl", binary_stl(12))]).status_code == 303
    (quote,) = quotes_in(settings)
    (drawing,) = drawings_in(settings)

    async def order(session: Any) -> None:
        row = await session.get(QuoteRequest, quote.id)
        row.status = QuoteStatus.ORDERED
        await session.commit()

    in_database(settings, order)
    url = f"/quotes/{quote.reference}/drawings/{drawing.id}/delete"
    page = customer.get(url)
    assert "kept with the order" in page.text
    customer.post(url, data={"csrf_token": csrf_token(page)}, follow_redirects=False)
    assert len(drawings_in(settings)) == 1
