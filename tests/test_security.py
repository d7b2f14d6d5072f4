"""CSRF protection, security headers, compression and cached static files."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.testclient import TestClient

from portal import i18n
from portal.templating import StaticAssets
from tests.support.forms import csrf_token, post_form
from tests.support.html import parse
from tests.support.routes import concrete

SWITCH = {"language": "zh_Hans", "next": "/policy"}
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def zh(message: str) -> str:
    with i18n.use_locale("zh_Hans"):
        translated = i18n.gettext(message)
    assert translated != message, f"{message!r} has no Chinese translation"
    return translated


# -- CSRF ------------------------------------------------------------------------------------


def test_a_form_with_the_pages_token_is_accepted(client: TestClient) -> None:
    assert post_form(client, "/language", SWITCH).status_code == 303


def test_post_without_a_token_is_refused_with_the_403_page(client: TestClient) -> None:
    client.get("/")
    response = client.post("/language", data=SWITCH, follow_redirects=False)
    assert response.status_code == 403
    assert response.template.name == "errors/error.html"
    assert response.context["status_code"] == 403
    assert "This form has expired" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert i18n.LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")


def test_the_403_page_is_translated(client: TestClient) -> None:
    client.get("/")
    response = client.post("/language", data=SWITCH, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 403
    assert parse(response.text).html_lang == "zh-Hans"
    assert zh("This form has expired") in response.text


def test_a_wrong_token_is_refused(client: TestClient) -> None:
    token = csrf_token(client.get("/"))
    wrong = token[:-1] + ("0" if token[-1] != "0" else "1")
    response = post_form(client, "/language", SWITCH, token=wrong)
    assert response.status_code == 403


def test_a_token_without_its_cookie_is_refused(app, client: TestClient) -> None:
    """A token copied from someone else's page is useless without their cookie."""
    token = csrf_token(client.get("/"))
    with TestClient(app) as stranger:
        response = stranger.post("/language", data={**SWITCH, "csrf_token": token})
        assert response.status_code == 403
        stranger.get("/")  # now the stranger has a cookie of its own, but not the victim's
        response = stranger.post("/language", data={**SWITCH, "csrf_token": token})
        assert response.status_code == 403


def test_a_planted_cookie_is_useless_without_the_secret(client: TestClient) -> None:
    client.cookies.set("portal_csrf", "a" * 43)
    response = post_form(client, "/language", SWITCH, token="a" * 64)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is not us either
    ],
)
def test_cross_site_requests_are_refused_even_with_a_token(client: TestClient, headers) -> None:
    response = post_form(client, "/language", SWITCH, headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        {"Sec-Fetch-Site": "none"},
    ],
)
def test_same_origin_requests_are_accepted(client: TestClient, headers) -> None:
    assert post_form(client, "/language", SWITCH, headers=headers).status_code == 303


def test_the_htmx_header_carries_the_token(client: TestClient) -> None:
    token = csrf_token(client.get("/"))
    response = client.post(
        "/language", data=SWITCH, headers={"X-CSRF-Token": token}, follow_redirects=False
    )
    assert response.status_code == 303


def test_a_wrong_header_token_is_not_rescued_by_the_form_field(client: TestClient) -> None:
    token = csrf_token(client.get("/"))
    response = client.post(
        "/language",
        data={**SWITCH, "csrf_token": token},
        headers={"X-CSRF-Token": "0" * 64},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_multipart_forms_need_the_token_too(client: TestClient) -> None:
    token = csrf_token(client.get("/"))
    fields = {name: (None, value) for name, value in SWITCH.items()}
    refused = client.post("/language", files=fields, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.template.name == "errors/error.html"
    accepted = client.post(
        "/language", files={**fields, "csrf_token": (None, token)}, follow_redirects=False
    )
    assert accepted.status_code == 303


def test_an_oversized_form_is_refused(client: TestClient) -> None:
    token = csrf_token(client.get("/"))
    response = client.post(
        "/language",
        data={**SWITCH, "csrf_token": token, "padding": "x" * (1024 * 1024 + 1)},
        follow_redirects=False,
    )
    assert response.status_code == 413  # the body limit answers before the CSRF check reads it


def unsafe_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(method, path)`` for every route of the app that accepts an unsafe method."""
    for route in routes:
        if isinstance(route, Route):
            for method in sorted(set(route.methods or ()) & set(UNSAFE_METHODS)):
                yield method, prefix + concrete(route.path_format, route.param_convertors)
        elif isinstance(route, Mount) and isinstance(route.app, Router):
            mount_prefix = concrete(route.path_format.removesuffix("/{path}"), {})
            yield from unsafe_routes(route.routes, prefix + mount_prefix)


def unprotected_unsafe_requests(app: Starlette) -> list[str]:
    """Unsafe requests without a CSRF token that some route of ``app`` did not refuse (403)."""
    found = sorted(set(unsafe_routes(app.routes)))
    assert found, "the walk found no unsafe route at all"
    attempts = {
        "form": {"data": {"language": "en", "next": "/"}},
        "multipart": {"files": {"language": (None, "en")}},
        "json": {"json": {"language": "en"}},
        "empty": {},
    }
    got_through = []
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/")  # a CSRF cookie, as a real visitor would have
        for method, path in found:
            for kind, body in attempts.items():
                response = client.request(method, path, follow_redirects=False, **body)
                if response.status_code != 403:
                    got_through.append(f"{method} {path} ({kind}) -> {response.status_code}")
    return got_through


def test_every_unsafe_route_refuses_requests_without_a_token(app: Starlette) -> None:
    """Walks the app's routes, so the routes of later issues are covered without a new test.

    Multipart bodies pass the middleware (uploads are not buffered twice) and are checked by
    ``portal.web.csrf.read_form``: a route that handles an unsafe method must read its form
    through it before it does anything else.
    """
    assert ("POST", "/language") in set(unsafe_routes(app.routes))
    got_through = unprotected_unsafe_requests(app)
    assert not got_through, "unsafe requests without a CSRF token got through:\n" + "\n".join(
        got_through
    )


def test_one_click_unsubscribe_is_the_one_exemption(client: TestClient) -> None:
    """RFC 8058: a mail provider POSTs exactly ``List-Unsubscribe=One-Click`` to the link of the
    ``List-Unsubscribe`` header, without cookies. Only that body, to that path, with a token in
    the query, passes the middleware; the route then refuses a token it did not sign (400)."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    one_click = b"List-Unsubscribe=One-Click"
    path = "/subscriptions/unsubscribe"
    response = client.post(f"{path}?token=forged", content=one_click, headers=form)
    assert response.status_code == 400
    assert "set-cookie" not in response.headers
    refused = [
        ("/language?token=forged", one_click),
        (path, one_click),  # no token
        (f"{path}?token=forged", one_click + b"&language=en"),
        (f"{path}?token=forged", b"language=en"),
    ]
    for url, body in refused:
        assert client.post(url, content=body, headers=form).status_code == 403, (url, body)


def test_the_route_walk_catches_a_route_that_skips_read_form(app: Starlette) -> None:
    async def careless(request: Request) -> Response:
        await request.form()  # not portal.web.csrf.read_form
        return RedirectResponse("/", status_code=303)

    app.router.routes.append(
        Mount("/area", routes=[Route("/items/{item_id:int}", careless, methods=["POST", "DELETE"])])
    )
    got_through = unprotected_unsafe_requests(app)
    assert got_through == [
        "DELETE /area/items/1 (multipart) -> 303",
        "POST /area/items/1 (multipart) -> 303",
    ]


def test_the_csrf_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    cookie = client.get("/").headers["Set-Cookie"]
    assert cookie.startswith("portal_csrf=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only in production, where the site is served over HTTPS


# -- security headers ------------------------------------------------------------------------


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in csp.split(";"))):
        name, _, value = part.partition(" ")
        directives[name] = value
    assert "'unsafe-inline'" not in csp, csp
    assert "'unsafe-eval'" not in csp, csp
    assert directives.get("frame-ancestors") == "'none'", csp
    assert directives.get("script-src") == "'self'", csp
    assert directives.get("object-src") == "'none'", csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }
    assert response.headers.get("X-Frame-Options") == "DENY"


@pytest.mark.parametrize("path", ["/", "/policy", "/policy/changes", "/healthz"])
def test_pages_carry_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)


def test_errors_carry_the_security_headers(client: TestClient) -> None:
    assert_security_headers(client.get("/no-such-page"))
    assert_security_headers(client.post("/language", data=SWITCH))
    assert_security_headers(client.get("/language"))


def test_static_files_carry_the_security_headers(client: TestClient) -> None:
    css = next(a for a in parse(client.get("/").text).assets if a.startswith("/static/css/"))
    assert_security_headers(client.get(css))
    assert_security_headers(client.get("/static/no-such-file.css"))


def test_production_adds_hsts(settings, tmp_path) -> None:
    from dataclasses import replace

    from portal.app import create_app

    with TestClient(create_app(replace(settings, environment="production"))) as client:
        response = client.get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "path", ["/", "/policy", "/policy/1.0", "/policy/changes", "/policy/1.1/changes", "/nope"]
)
def test_pages_need_no_inline_code(client: TestClient, path: str) -> None:
    """The CSP forbids inline script and style: a page that uses them breaks in browsers."""
    for accept in ("en", "zh-CN"):
        document = parse(client.get(path, headers={"Accept-Language": accept}).text)
        assert not document.inline_code, f"{path}: {document.inline_code}"


# -- compression -----------------------------------------------------------------------------


def test_large_pages_are_gzipped(client: TestClient) -> None:
    response = client.get("/policy", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) < len(response.content) / 2
    assert "</html>" in response.text  # the client decoded it: the body is valid gzip


def test_pages_are_not_gzipped_for_clients_that_cannot_read_it(client: TestClient) -> None:
    response = client.get("/policy", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert "</html>" in response.text


def test_compression_keeps_the_template_visible_to_tests(client: TestClient) -> None:
    response = client.get("/policy", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.template.name == "policy/show.html"


# -- static files ----------------------------------------------------------------------------


def test_every_asset_of_every_page_is_versioned_and_cached_for_a_year(client: TestClient) -> None:
    assets: set[str] = set()
    for path in ("/", "/policy", "/no-such-page"):
        assets |= set(parse(client.get(path).text).assets)
    local = sorted(a for a in assets if a.startswith("/"))
    assert any(a.startswith("/static/css/") for a in local)
    assert any(a.startswith("/static/js/htmx-2.0.") for a in local)
    for asset in local:
        if not asset.startswith("/static/"):
            continue
        assert re.search(r"\?v=[0-9a-f]{12}$", asset), f"{asset} is not versioned"
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_unversioned_static_urls_are_revalidated(client: TestClient) -> None:
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


def test_a_missing_static_file_is_the_404_page(client: TestClient) -> None:
    response = client.get("/static/css/missing.css?v=123456789abc")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_the_version_changes_when_the_file_changes(tmp_path: Path) -> None:
    css = tmp_path / "css" / "site.css"
    css.parent.mkdir()
    css.write_text("body { color: black; }")
    assets = StaticAssets(tmp_path)
    first = assets.url("css/site.css")
    assert first == assets.url("css/site.css")  # stable while the file is unchanged

    css.write_text("body { color: navy; }")
    stat = css.stat()
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = assets.url("css/site.css")
    assert second != first
    assert second.startswith("/static/css/site.css?v=")
