"""The one Jinja environment of the portal, shared by the site and ``build.py``.

Templates live in ``templates/`` grouped by area. Text is marked with ``{% trans %}`` and
``_()``; the catalogue in force is the current locale of :mod:`portal.i18n`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2_fragments.starlette import Jinja2Blocks
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from portal import i18n
from portal.settings import Settings
from portal.urls import url_path
from portal.web.requests import is_htmx


class StaticAssets:
    """Versioned URLs for the files under ``site/static``.

    The version is a digest of the file's content, so a changed file gets a new URL and the old
    one can be cached for a year (``immutable``). With ``reload`` (development) every URL checks
    the file's mtime, so an edit shows at once; without it (production, where files change only
    with a deployment, which restarts the app) the first digest stands, and a page with a
    handful of assets costs no ``stat`` calls.
    """

    def __init__(self, directory: Path, prefix: str = "/static/", *, reload: bool = True) -> None:
        self.directory = directory
        self.prefix = prefix
        self.reload = reload
        self._digests: dict[str, tuple[float, str]] = {}

    def digest(self, path: str) -> str:
        cached = self._digests.get(path)
        if cached and not self.reload:
            return cached[1]
        file = self.directory / path
        mtime = file.stat().st_mtime
        if cached and cached[0] == mtime:
            return cached[1]
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
        self._digests[path] = (mtime, digest)
        return digest

    def url(self, path: str) -> str:
        return f"{self.prefix}{path}?v={self.digest(path)}"


def create_environment(settings: Settings) -> jinja2.Environment:
    """Build the Jinja environment with the i18n extension bound to :mod:`portal.i18n`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.templates_dir),
        autoescape=jinja2.select_autoescape(("html", "xml")),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=not settings.production,
    )
    # jinja2.ext.i18n adds this method to the environment at run time; its stubs cannot know.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.raw_gettext, i18n.raw_ngettext, newstyle=True, pgettext=i18n.raw_pgettext
    )
    # The most frequent call of every page (a few dozen each): see _gettext.
    env.globals.update(gettext=_gettext, _=_gettext)
    assets = StaticAssets(settings.static_dir, reload=not settings.production)
    env.globals.update(
        static_url=assets.url,
        # Internal links name their route: ``url_path("edit_address", address_id=card.id)``.
        url_path=url_path,
        current_language=i18n.current_language,
        languages=i18n.LANGUAGES,
        known_locales=i18n.KNOWN_LOCALES,
    )
    env.filters["localdate"] = localdate
    env.filters["localdatetime"] = _localdatetime
    env.filters["device"] = describe_device
    return env


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
    """Jinja's newstyle ``gettext``, without its two extra ``Context.call`` hops.

    Jinja's ``_`` looks ``gettext`` up in the context and calls it through ``Context.call``,
    which calls the catalogue through ``Context.call`` again; that was a sixth of the time of
    rendering ``/account``. The result is the same: the message is always a format string
    (``%%`` is a percent sign), marked safe when autoescaping, so its variables are escaped.
    """
    text = i18n.raw_gettext(message)
    # Most messages have neither variables nor a percent sign: formatting them with ``%``
    # (which wraps every argument for escaping) would give the same string back, so it is
    # skipped for them.
    plain = not variables and "%" not in text
    if context.eval_ctx.autoescape:
        markup = Markup(text)  # noqa: S704 - our catalogue, as in Jinja's own gettext
        return markup if plain else markup % variables
    return text if plain else text % variables


def localdate(value: Any) -> str:
    """A date the way each language writes it: ``15 October 2024`` / ``2024年10月15日``."""
    if i18n.current_locale() == "zh_Hans":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%B')} {value.year}"


_BEIJING = ZoneInfo("Asia/Shanghai")


def _localdatetime(value: Any) -> str:
    """A moment in Beijing time: ``15 October 2024, 14:05`` / ``2024年10月15日 14:05``."""
    local = value.astimezone(_BEIJING)
    return f"{localdate(local)} {local:%H:%M}"


_BROWSERS = (
    ("Edg/", "Edge"),
    ("MicroMessenger", "WeChat"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """``Chrome on Windows``, from a User-Agent header, for the list of signed-in devices."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return i18n.gettext("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or i18n.gettext("Unknown device")


class Templates:
    """Renders pages for the site: the full page, or one named block for an htmx request."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self._blocks = Jinja2Blocks(env=env, context_processors=[_request_context])

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
        block: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Render ``name``; for an htmx request (not a history restore) only ``block``."""
        context = dict(context or {})
        kwargs: dict[str, Any] = {}
        if block and is_htmx(request):
            kwargs["block_name"] = block
        response = self._blocks.TemplateResponse(
            request, name, context, status_code=status_code, headers=headers, **kwargs
        )
        if block:
            response.headers.append("Vary", "HX-Request")
        return response


def _request_context(request: Request) -> dict[str, Any]:
    path = request.url.path
    if request.url.query:
        path = f"{path}?{request.url.query}"
    return {
        "csrf_token": request.scope.get("csrf_token", ""),
        "user": request.scope.get("user"),
        "login_session": request.scope.get("login_session"),
        "staff": request.scope.get("staff"),  # on staff console pages (staff/sessions.py)
        # privacy/gate.py: what the policy-update banner of every page shows (None: nothing).
        "policy_standing": request.scope.get("policy_standing"),
        "current_path": path,
    }
