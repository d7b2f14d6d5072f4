"""Languages: the known locales, the current one, and the catalogues.

The current locale lives in a context variable, so the site (one per request) and ``build.py``
(one per rendered language) share the same ``gettext`` without passing the locale around.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.lists import format_list as _format_list
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KNOWN_LOCALES = ("en", "zh_Hans")
DEFAULT_LOCALE = "en"
LANGUAGE_COOKIE = "portal_language"
#: How long the language cookie remembers a choice: a year (the cookie page says so).
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Language:
    locale: str
    html_lang: str
    native_name: str


LANGUAGES = {
    "en": Language("en", "en", "English"),
    "zh_Hans": Language("zh_Hans", "zh-Hans", "简体中文"),
}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("portal_locale", default="en")
_locales_dir: Path | None = None


def configure(locales_dir: Path) -> None:
    """Point the catalogues at ``locales_dir`` (called once by the app and by the build)."""
    global _locales_dir
    _locales_dir = locales_dir
    _translations.cache_clear()


@cache
def _translations(locale: str) -> NullTranslations:
    if _locales_dir is None or locale == "en":
        return NullTranslations()
    return Translations.load(str(_locales_dir), [locale], domain="messages")


def current_locale() -> str:
    return _current.get()


def current_language() -> Language:
    return LANGUAGES[_current.get()]


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Render everything inside the block in ``locale``."""
    token = _current.set(locale if locale in KNOWN_LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def set_locale(locale: str) -> None:
    """Set the locale for the rest of the current context (one request)."""
    _current.set(locale if locale in KNOWN_LOCALES else DEFAULT_LOCALE)


def raw_gettext(message: str) -> str:
    """The translation alone; Jinja's newstyle gettext does the formatting (and escaping)."""
    return _translations(_current.get()).ugettext(message)


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(_current.get()).ungettext(singular, plural, n)


def raw_pgettext(context: str, message: str) -> str:
    return _translations(_current.get()).upgettext(context, message)


def gettext(message: str, **variables: object) -> str:
    text = _translations(_current.get()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = _translations(_current.get()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def pgettext(context: str, message: str, **variables: object) -> str:
    text = _translations(_current.get()).upgettext(context, message)
    return text % variables if variables else text


class LazyString:
    """A message translated when it is shown, for module-level constants (choices, messages)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __mod__(self, values: object) -> str:
        # WTForms formats its validators' messages: Length(message=...) % {"max": 100, ...}.
        return str(self) % values

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)

    def __repr__(self) -> str:
        return f"LazyString({self.message!r})"


def lazy_gettext(message: str) -> LazyString:
    return LazyString(message)


def normalize(tag: str) -> str | None:
    """Map a language tag (``zh-CN``, ``zh_Hans``, ``en-GB``) to a known locale, or ``None``.

    Every Chinese tag maps to Simplified Chinese: it is the only Chinese we publish, and a reader
    of Traditional Chinese is better served by it than by English.
    """
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    if primary == "zh":
        return "zh_Hans"
    if primary == "en":
        return "en"
    return None


def negotiate(accept_language: str | None) -> str | None:
    """Pick a known locale from an ``Accept-Language`` header, honouring its q-values."""
    if not accept_language:
        return None
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag, quality = pieces[0].strip(), 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if not tag or quality <= 0:
            continue
        weighted.append((-quality, position, tag))
    for _, _, tag in sorted(weighted):
        locale = normalize(tag)
        if locale:
            return locale
    return None


class LocaleMiddleware:
    """Chooses each request's language and makes it current for everything the request renders.

    In order: the signed-in user's preference (an earlier middleware puts it in
    ``scope["preferred_language"]``), the language switch's cookie, ``Accept-Language``, English.
    """

    def __init__(self, app: ASGIApp, default: str = DEFAULT_LOCALE) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locale = choose_locale(scope, self.default)
        scope["locale"] = locale
        token = _current.set(locale)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-language", LANGUAGES[locale].html_lang.encode()))
                headers.append((b"vary", b"Accept-Language, Cookie"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            _current.reset(token)


def choose_locale(scope: Scope, default: str = DEFAULT_LOCALE) -> str:
    preferred: str | None = scope.get("preferred_language")
    if preferred in KNOWN_LOCALES:
        return preferred
    from portal.web.csrf import _cookie, _header  # local: security imports nothing of ours

    cookie = _cookie(scope, LANGUAGE_COOKIE)
    if cookie in KNOWN_LOCALES:
        return cookie
    return negotiate(_header(scope, b"accept-language")) or default


def format_size(size: int) -> str:
    """A file's size in the reader's language: ``684 bytes``, ``13.1 KB``, ``250 MB``.

    Decimal units (1 MB = 1,000,000 bytes), as file managers and the limits in our settings
    state them, so a limit of 250,000,000 bytes reads "250 MB" and a file of that size too.
    """

    units = ("bytes", "KB", "MB", "GB")
    value = Decimal(size)
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value /= 1000
        unit += 1
    number = format_decimal(
        value.quantize(Decimal("0.1")).normalize() if unit else value, locale=current_locale()
    )
    if unit == 0:
        return ngettext("%(num)s byte", "%(num)s bytes", size, num=number)
    return f"{number} {units[unit]}"


def format_list(names: Sequence[str]) -> str:
    """Names as a list in the reader's language: ``A, B, and C`` / ``A、B和C``.

    The list's words come from the locale's data (CLDR), not the catalogue, so a sentence that
    holds a list is one message with the list as one placeholder.
    """
    return _format_list(list(names), locale=current_locale()) if names else ""
