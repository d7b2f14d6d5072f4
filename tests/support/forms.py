"""Posting forms the way a browser does: with the CSRF token of the page they came from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.testclient import TestClient

from tests.support.html import parse


def csrf_token(page: Any) -> str:
    """The CSRF token of a rendered page (a response, or its HTML).

    Taken from the page's forms or its ``<meta name="csrf-token">`` (which htmx sends as
    ``X-CSRF-Token``). The client's ``portal_csrf`` cookie, set on the same response, matches it.
    """
    html = page if isinstance(page, str) else page.text
    document = parse(html)
    for form in document.forms:
        if form.fields.get("csrf_token"):
            return form.fields["csrf_token"]
    token = document.meta.get("csrf-token")
    if not token:
        raise AssertionError("the page has no CSRF token (no form field, no meta tag)")
    return token


def post_form(
    client: TestClient,
    url: str,
    data: Mapping[str, Any] | None = None,
    *,
    page: str | None = None,
    token: str | None = None,
    follow_redirects: bool = False,
    **kwargs: Any,
) -> Any:
    """POST ``data`` to ``url`` with a valid CSRF token, as a form on ``page`` would.

    The token is read from ``page`` (default ``/``) unless ``token`` is given; pass ``token=""``
    to post without one. Redirects are not followed, so a test sees the 303 itself.
    """
    if token is None:
        token = csrf_token(client.get(page or "/"))
    payload = dict(data or {})
    if token:
        payload.setdefault("csrf_token", token)
    return client.post(url, data=payload, follow_redirects=follow_redirects, **kwargs)


def post(client: TestClient, url: str, data: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST ``data`` to ``url`` with the token of the signed-in user's /account page."""
    return post_form(client, url, data or {}, token=csrf_token(client.get("/account")), **kwargs)
