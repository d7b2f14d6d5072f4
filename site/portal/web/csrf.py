"""CSRF protection, and reading a form only once it is proven to come from our own pages.

CSRF uses the signed double-submit pattern: a random value in an HttpOnly cookie, and in every
form (``csrf_token``) or htmx request (``X-CSRF-Token``) an HMAC of that value under the secret
key. A cookie planted by another site is useless without the secret, and no server-side state is
needed, so anonymous forms such as the language switch are protected too.

One exemption, as narrow as RFC 8058 allows: a mail provider's one-click unsubscribe. It is a
POST to exactly :data:`ONE_CLICK_PATH` with a ``token`` in the query and a body (urlencoded or
multipart) of exactly one field, ``List-Unsubscribe=One-Click``, sent without cookies from the
provider's servers. The signed, unguessable token in the URL is the authority, not a session:
the route (profile/subscriptions/routes.py) verifies it before anything changes, and the only
thing such a request can ever do is unsubscribe the user the token names from its topics.
Anything else on that path (the human's form, another body) needs the CSRF token as usual.

The cookie is replaced when someone signs in or out (:func:`rotate_csrf_cookie`): a token
known before (a cookie planted from a sibling subdomain, or read on a shared computer) is then
useless in the signed-in session, and the signed-in session's token after it ends.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "portal_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 1024 * 1024
#: RFC 8058 one-click unsubscribe (see the module docstring): the one path, and the one body.
ONE_CLICK_PATH = "/subscriptions/unsubscribe"
ONE_CLICK_FIELDS = [("List-Unsubscribe", "One-Click")]
ONE_CLICK_MAX_BYTES = 16 * 1024
#: ``scope[ONE_CLICK_SCOPE_KEY]`` is true for a request let through as a one-click unsubscribe.
ONE_CLICK_SCOPE_KEY = "one_click_unsubscribe"
#: ``scope[ROTATE_SCOPE_KEY]`` true: the response sets a new CSRF cookie (rotate_csrf_cookie).
ROTATE_SCOPE_KEY = "csrf_rotate"


class CSRFError(Exception):
    """The request did not prove that it came from one of our own pages."""


def csrf_token_for(secret_key: str, cookie_value: str) -> str:
    return hmac.new(
        secret_key.encode(), b"csrf:" + cookie_value.encode(), hashlib.sha256
    ).hexdigest()


def rotate_csrf_cookie(request: Request) -> None:
    """Give this response a new CSRF cookie, so that tokens issued before it stop working.

    For a change of who is signed in (login, registration, a password reset's sign-in, logout).
    The new cookie is made as the response starts, so the response should be a redirect: a
    page rendered in it would still carry the old cookie's token.
    """
    request.scope[ROTATE_SCOPE_KEY] = True


#: ``scope[_COOKIES_SCOPE_KEY]``: the request's cookie headers, parsed once (:func:`_cookie`).
_COOKIES_SCOPE_KEY = "portal.cookies"


def _cookie(scope: Scope, name: str) -> str | None:
    """The value of cookie ``name``: the first cookie header that has it, in order.

    A malformed header (and everything after it) counts as absent. The session, locale and
    CSRF middleware each read a cookie of every request: the headers are parsed at the first
    call and kept in the scope, since ``SimpleCookie`` took as long as all three lookups.
    """
    jars = scope.get(_COOKIES_SCOPE_KEY)
    if jars is None:
        jars = scope[_COOKIES_SCOPE_KEY] = _parse_cookies(scope)
    for jar in jars:
        if jar is None:
            return None
        if name in jar:
            return jar[name]
    return None


def _parse_cookies(scope: Scope) -> list[dict[str, str] | None]:
    """Each cookie header's cookies; ``None`` for a malformed one, and nothing after it."""
    jars: list[dict[str, str] | None] = []
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is just absent
                jars.append(None)
                break
            jars.append({name: morsel.value for name, morsel in jar.items()})
    return jars


def _header(scope: Scope, name: bytes) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


class CSRFMiddleware:
    """Rejects unsafe requests that do not carry the token of the caller's CSRF cookie.

    ``application/x-www-form-urlencoded`` bodies are read here (at most 1 MiB) and replayed to the
    app. Multipart bodies (file uploads) are left to :func:`read_form`, which every route uses, so
    a large drawing is never buffered twice.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret_key: str,
        secure: bool,
        on_failure: Callable[[Scope, Receive, Send], Awaitable[None]],
    ) -> None:
        self.app = app
        self.secret_key = secret_key
        self.secure = secure
        self.on_failure = on_failure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope, CSRF_COOKIE)
        new_cookie = None
        if not cookie or len(cookie) < 32:
            cookie = new_cookie = secrets.token_urlsafe(32)
        expected = csrf_token_for(self.secret_key, cookie)
        scope["csrf_token"] = expected
        scope["csrf_verified"] = False

        if scope["method"] not in SAFE_METHODS:
            if _may_be_one_click(scope):
                body = await _read_body(receive, ONE_CLICK_MAX_BYTES)
                if body is None:
                    await self.on_failure(scope, receive, send)
                    return
                receive = _replay(body, receive)
                if await _is_one_click(scope, body):
                    scope["csrf_verified"] = True  # the route verifies the signed token instead
                    scope[ONE_CLICK_SCOPE_KEY] = True
                    await self.app(scope, receive, send)  # and sets no cookie: RFC 8058, 3.2
                    return
            if new_cookie or not _same_origin(scope):
                await self.on_failure(scope, receive, send)
                return
            supplied = _header(scope, CSRF_HEADER.encode())
            content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if supplied is None and content_type == "application/x-www-form-urlencoded":
                body = await _read_body(receive, MAX_FORM_BYTES)
                if body is None:
                    await self.on_failure(scope, receive, send)
                    return
                receive = _replay(body, receive)
                # Only the (ASCII) token is read here, so "replace" is harmless; the route's
                # read_form refuses a body that is not UTF-8 before any field is used.
                fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
                supplied = fields.get(CSRF_FIELD)
            if supplied is not None:
                if not hmac.compare_digest(supplied.encode(), expected.encode()):
                    await self.on_failure(scope, receive, send)
                    return
                scope["csrf_verified"] = True
            elif content_type != "multipart/form-data":
                await self.on_failure(scope, receive, send)
                return

        async def send_with_cookie(message: Message) -> None:
            value = new_cookie
            if scope.get(ROTATE_SCOPE_KEY):
                value = secrets.token_urlsafe(32)
            if value and message["type"] == "http.response.start":
                flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
                header = f"{CSRF_COOKIE}={value}{flags}".encode("latin-1")
                message["headers"] = [*message.get("headers", []), (b"set-cookie", header)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _may_be_one_click(scope: Scope) -> bool:
    return (
        scope["method"] == "POST"
        and scope["path"] == ONE_CLICK_PATH
        and _header(scope, CSRF_HEADER.encode()) is None
        and "token" in dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    )


async def _is_one_click(scope: Scope, body: bytes) -> bool:
    """The body is exactly the one field ``List-Unsubscribe=One-Click``, in either encoding."""
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        return body == b"List-Unsubscribe=One-Click"

    async def nothing_more() -> Message:
        return {"type": "http.disconnect"}

    if content_type != "multipart/form-data":
        return False
    request = Request(scope, _replay(body, nothing_more))
    try:
        form = await request.form(max_files=0, max_fields=2)
    except Exception:  # noqa: BLE001 - a malformed body is simply not a one-click request
        return False
    try:
        return form.multi_items() == ONE_CLICK_FIELDS
    finally:
        await form.close()


def _same_origin(scope: Scope) -> bool:
    """Fetch metadata and ``Origin``, where the browser sends them, must name our own site."""
    site = _header(scope, b"sec-fetch-site")
    if site is not None and site not in {"same-origin", "none"}:
        return False
    origin = _header(scope, b"origin")
    if origin is None or origin == "null":
        return origin is None
    host = _header(scope, b"host") or ""
    return urlsplit(origin).netloc == host


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _StrictMultiPartParser(MultiPartParser):
    """Starlette's parser, except that a text field or name that is not valid in the body's
    charset is refused instead of being read as Latin-1 (mojibake in the database)."""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._current_part.content_disposition)
        _strict_decode(options.get(b"name", b""), self._charset)
        super().on_headers_finished()

    def on_part_end(self) -> None:
        if self._current_part.file is None:
            _strict_decode(self._current_part.data, self._charset)
        super().on_part_end()


def _strict_decode(data: bytes | bytearray, charset: str) -> str:
    try:
        return bytes(data).decode(charset)
    except (UnicodeDecodeError, LookupError) as error:
        raise MultiPartException(f"A field is not valid {charset}.") from error


async def _parse_form(
    request: Request, *, max_files: int, max_fields: int, max_part_size: int
) -> FormData:
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    try:
        if content_type == b"multipart/form-data":
            async with aclosing(request.stream()) as stream:
                parser = _StrictMultiPartParser(
                    request.headers,
                    stream,
                    max_files=max_files,
                    max_fields=max_fields,
                    max_part_size=max_part_size,
                )
                return await parser.parse()
        if content_type == b"application/x-www-form-urlencoded":
            body = await request.body()
            # Strict, both for raw bytes and for %-escapes: text that is not UTF-8 is refused.
            pairs: list[tuple[str, str | UploadFile]] = []
            pairs += parse_qsl(
                body.decode("utf-8"),
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
                max_num_fields=max_fields,
            )
            if any(isinstance(v, str) and len(v) > max_part_size for _, v in pairs):
                raise MultiPartException("A field is too large.")
            return FormData(pairs)
    except (MultiPartException, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise HTTPException(status_code=400) from error
    return FormData()


async def read_form(
    request: Request,
    *,
    files: bool = False,
    max_files: int = 1000,
    max_fields: int = 1000,
    max_part_size: int = 1024 * 1024,
) -> FormData:
    """Read the request's form; for multipart bodies, check the CSRF token the middleware left.

    Every route reads its form through here, so no unsafe request reaches a service unchecked.
    A form that cannot be read is refused with the 400 page (``HTTPException``) before anything
    else happens: text fields that are not valid UTF-8, and, unless the route takes ``files``,
    any file part at all. The parser stops at the file part's headers, so its content is never
    spooled to disk, and a text validator never meets an ``UploadFile``.
    """
    form = await _parse_form(
        request,
        max_files=max_files if files else 0,
        max_fields=max_fields,
        max_part_size=max_part_size,
    )
    if not request.scope.get("csrf_verified"):
        supplied = form.get(CSRF_FIELD)
        expected = request.scope.get("csrf_token", "")
        if not isinstance(supplied, str) or not hmac.compare_digest(
            supplied.encode(), expected.encode()
        ):
            await form.close()
            raise CSRFError
        request.scope["csrf_verified"] = True
    return form
