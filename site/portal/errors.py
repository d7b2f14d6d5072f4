"""Error pages: styled, in the visitor's language, for 403, 404, 405 and 500."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from portal import i18n
from portal.web.headers import security_headers

logger = logging.getLogger("portal")


def _render(request: Request, status_code: int) -> Response:
    templates = request.app.state.templates
    # A 500 is rendered outside the locale middleware, whose context has ended by then.
    i18n.set_locale(request.scope.get("locale") or i18n.choose_locale(request.scope))
    response = templates.render(
        request, "errors/error.html", {"status_code": status_code}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (403, 404, 405):
        response = _render(request, exc.status_code)
        if exc.headers:
            response.headers.update(exc.headers)
        return response
    return HTMLResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    try:
        response = _render(request, 500)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        response = HTMLResponse("<h1>500</h1>", status_code=500)
    # Starlette answers a 500 from outside every middleware, SecurityHeadersMiddleware included.
    for name, value in security_headers(hsts=request.app.state.settings.production):
        response.headers.setdefault(name.decode(), value.decode())
    return response


async def csrf_error(request: Request, exc: Exception) -> Response:
    """A multipart form (checked by ``read_form``, not the middleware) without a valid token."""
    return _render(request, 403)


async def csrf_failure(scope: Scope, receive: Receive, send: Send) -> None:
    """The CSRF middleware's answer: a 403 page that tells the user how to recover."""
    request = Request(scope, receive)
    response = _render(request, 403)
    await response(scope, receive, send)
