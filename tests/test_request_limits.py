"""Request bodies: capped before anything parses them, and forms only of valid UTF-8 text."""

from __future__ import annotations

import asyncio
import urllib.parse

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Message

from portal import i18n
from portal.web.limits import BodyLimitMiddleware, UploadRoute, upload_paths
from tests.support.accounts import GOOD, database_snapshot
from tests.support.forms import csrf_token

MiB = 1024 * 1024


def zh(message: str) -> str:
    with i18n.use_locale("zh_Hans"):
        translated = i18n.gettext(message)
    assert translated != message, f"{message!r} has no Chinese translation"
    return translated


# -- the body cap ----------------------------------------------------------------------------


def test_a_large_upload_to_a_form_is_refused_with_the_413_page(client: TestClient) -> None:
    """A 2 MiB file part to a form route is refused on its Content-Length, before the CSRF
    check or the multipart parser would read (and spool) it."""
    client.get("/")
    response = client.post(
        "/password/forgot",
        data={"email": "li.wei@example.cn"},
        files={"drawing": ("part.step", b"\0" * (2 * MiB), "application/octet-stream")},
    )
    assert response.status_code == 413
    assert response.template.name == "errors/error.html"
    assert "This request is too large" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_413_page_is_translated(client: TestClient) -> None:
    response = client.post(
        "/password/forgot",
        content=b"x" * (MiB + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 413
    assert zh("This request is too large") in response.text


def test_the_limit_is_a_setting(settings, tmp_path) -> None:
    from dataclasses import replace

    from portal.app import create_app

    with TestClient(create_app(replace(settings, max_body_bytes=1000))) as client:
        token = csrf_token(client.get("/"))
        small = {"language": "en", "next": "/", "csrf_token": token}
        assert client.post("/language", data=small, follow_redirects=False).status_code == 303
        large = {**small, "padding": "x" * 1000}
        assert client.post("/language", data=large, follow_redirects=False).status_code == 413


async def _reads_everything(request: Request) -> Response:
    return PlainTextResponse(f"read {len(await request.body())}")


def _tiny_app(**limits: int) -> Starlette:
    routes = [
        Route("/notes", _reads_everything, methods=["POST"]),
        UploadRoute("/quotes/{quote_id:int}/drawings", _reads_everything, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    return BodyLimitMiddleware(app, upload_paths=upload_paths(routes), **limits)  # type: ignore[return-value]


def test_only_routes_that_take_uploads_accept_the_larger_limit() -> None:
    client = TestClient(_tiny_app(max_body=1000, max_upload=10_000))
    body = b"x" * 5000
    assert client.post("/quotes/7/drawings", content=body).text == "read 5000"
    assert client.post("/notes", content=body).status_code == 413
    assert client.post("/quotes/7/drawings/other", content=body).status_code == 413
    assert client.post("/quotes/7/drawings", content=b"x" * 10_001).status_code == 413
    assert client.post("/notes", content=b"x" * 1000).text == "read 1000"


def test_a_chunked_body_is_cut_off_where_it_crosses_the_limit() -> None:
    """No Content-Length: the body is counted as it streams, and reading stops at the limit."""
    app = _tiny_app(max_body=100_000, max_upload=100_000)
    chunk = b"x" * 10_000
    received = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": chunk, "more_body": True}  # endless

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/notes",
        "raw_path": b"/notes",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "scheme": "http",
        "http_version": "1.1",
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 5))
    assert sent[0]["status"] == 413
    assert received == 11  # the chunk that crossed 100 000 bytes was the last one read


# -- forms: no file where none is taken, only valid UTF-8 ------------------------------------


def test_a_file_part_where_a_form_takes_none_is_refused_with_the_400_page(
    client: TestClient,
) -> None:
    token = csrf_token(client.get("/"))
    response = client.post(
        "/language",
        files={
            "csrf_token": (None, token),
            "language": ("language.txt", b"zh_Hans", "text/plain"),
            "next": (None, "/"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert response.template.name == "errors/error.html"
    assert "This form could not be read" in response.text


@pytest.fixture
def settings(request, tmp_path, built_policy, database_url):
    from tests.support.site import make_settings

    return make_settings(tmp_path, public_dir=built_policy, database_url=database_url)


def _registration(token: str, name: bytes) -> bytes:
    fields = {**GOOD, "csrf_token": token}
    fields.pop("name")
    return urllib.parse.urlencode(fields).encode() + b"&name=" + name


@pytest.mark.parametrize(
    "name",
    [b"%E6%9D%8E%FF", b"\xe6\x9d\x8e\xff"],
    ids=["percent-encoded", "raw"],
)
def test_a_form_of_invalid_utf8_is_refused_and_nothing_is_saved(client, settings, name) -> None:
    token = csrf_token(client.get("/register"))
    before = database_snapshot(settings.database_url)
    response = client.post(
        "/register",
        content=_registration(token, name),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert response.template.name == "errors/error.html"
    assert "This form could not be read" in response.text
    assert database_snapshot(settings.database_url) == before


def test_a_multipart_field_of_invalid_utf8_is_refused_and_nothing_is_saved(
    client, settings
) -> None:
    token = csrf_token(client.get("/register"))
    before = database_snapshot(settings.database_url)
    fields = {key: (None, value) for key, value in {**GOOD, "csrf_token": token}.items()}
    fields["name"] = (None, b"\xe6\x9d\x8e\xff")
    response = client.post(
        "/register", files=fields, headers={"Accept-Language": "zh-CN"}, follow_redirects=False
    )
    assert response.status_code == 400
    assert zh("This form could not be read") in response.text
    assert database_snapshot(settings.database_url) == before


def test_valid_utf8_sent_without_percent_encoding_is_read_as_such(client, settings) -> None:
    token = csrf_token(client.get("/register"))
    response = client.post(
        "/register",
        content=_registration(token, "李伟".encode()),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "李伟" in client.get("/account/information").text
