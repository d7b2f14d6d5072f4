"""The home page, the language switch and the health check."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from portal import i18n
from portal.web.csrf import read_form
from portal.web.redirects import safe_next
from portal.web.state import app_state, render


async def home(request: Request) -> Response:
    return render(request, "pages/home.html")


async def switch_language(request: Request) -> Response:
    """Remember the chosen language in a cookie and go back to the page the user was on."""
    form = await read_form(request)
    locale = form.get("language")
    target = safe_next(form.get("next"))
    response = RedirectResponse(target, status_code=303)
    if locale in i18n.KNOWN_LOCALES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            str(locale),
            max_age=i18n.LANGUAGE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=app_state(request).settings.production,
        )
        # A signed-in user's preference outranks the cookie; later areas hook in here.
        for hook in app_state(request).language_hooks:
            await hook(request, str(locale))
    return response


async def health(request: Request) -> Response:
    """For load balancers and operators: the database answers and the policy is built."""
    checks: dict[str, str] = {}
    try:
        async with app_state(request).engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"error: {type(error).__name__}"
    checks["policy"] = "ok" if app_state(request).policy.versions else "not built"
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **checks},
        status_code=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )


routes = [
    Route("/", home, name="home"),
    Route("/language", switch_language, methods=["POST"], name="language"),
    Route("/healthz", health, name="health"),
]
